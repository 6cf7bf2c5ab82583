namespace Ivr.Api.Shop;

/// <summary>The lookup webhooks (on the signed /voice group) and, in local mode, the demo shop over HTTP.</summary>
public static class ShopEndpoints
{
    public static RouteGroupBuilder MapOrderLookup(this RouteGroupBuilder voice)
    {
        voice.MapPost("/lookup/order", (HttpRequest request, OrderLookupCalls lookups, CancellationToken ct) =>
            lookups.BeginAsync(request, ct));
        voice.MapPost("/lookup/order/list", (int? poll, HttpRequest request, OrderLookupCalls lookups, CancellationToken ct) =>
            lookups.ListAsync(request, poll ?? 0, ct));
        voice.MapPost("/lookup/order/number", (int? attempt, HttpRequest request, OrderLookupCalls lookups, CancellationToken ct) =>
            lookups.NumberAsync(request, attempt ?? 1, ct));
        voice.MapPost("/lookup/order/result", (string? order, int? poll, HttpRequest request, OrderLookupCalls lookups, CancellationToken ct) =>
            lookups.ResultAsync(request, order, poll ?? 0, ct));
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
