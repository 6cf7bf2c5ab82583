using Ivr.Api.Voice;

namespace Ivr.Api.Shop;

/// <summary>The lookup webhooks (on the signed /voice group) and, in local mode, the demo shop over HTTP.</summary>
public static class ShopEndpoints
{
    public static RouteGroupBuilder MapOrderLookupWebhooks(this RouteGroupBuilder voice)
    {
        voice.MapWebhook<OrderLookupWebhooks>("/lookup/order", (lookups, call, ct) => lookups.BeginAsync(call, ct));
        voice.MapWebhook<OrderLookupWebhooks>("/lookup/order/list", (lookups, call, ct) =>
            lookups.ListAsync(call, (int)(call.QueryNumber("poll") ?? 0), ct));
        voice.MapWebhook<OrderLookupWebhooks>("/lookup/order/number", (lookups, call, ct) =>
            lookups.NumberAsync(call, (int)(call.QueryNumber("attempt") ?? 1), ct));
        voice.MapWebhook<OrderLookupWebhooks>("/lookup/order/result", (lookups, call, ct) =>
            lookups.ResultAsync(call, call.Query("order") is { Length: > 0 } order ? order : null, (int)(call.QueryNumber("poll") ?? 0), ct));
        return voice;
    }

    /// <summary>
    /// The demo shop under /demo-shop (the contract of docs/shop-api.yaml, e.g. /demo-shop/orders?phone=%2B48500100200),
    /// only while the service uses it: local mode without Shop:BaseUrl. It shows what lookups on /phone are answered from.
    /// </summary>
    public static IEndpointRouteBuilder MapDemoShop(this IEndpointRouteBuilder app)
    {
        app.MapGet("/demo-shop/{**path}", async (HttpContext http, ShopClient shop, Ivr.Simulator.FakeShop demo, TimeProvider time) =>
        {
            if (!shop.IsDemo)
                return Results.NotFound();
            var uri = new Uri(ShopClient.DemoBaseUrl, http.Request.Path.Value!["/demo-shop/".Length..] + http.Request.QueryString);
            using var answer = demo.Answer(uri, DateOnly.FromDateTime(time.GetLocalNow().DateTime));
            return Results.Content(await answer.Content.ReadAsStringAsync(), "application/json", statusCode: (int)answer.StatusCode);
        });
        return app;
    }
}
