using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Ivr.Simulator;

/// <summary>How <see cref="FakeShop"/> answers: as the contract says, or as a broken shop does.</summary>
public enum FakeShopBehaviour
{
    /// <summary>The contract (docs/shop-api.yaml).</summary>
    Answers,
    /// <summary>200 with JSON that is cut off.</summary>
    GarbageJson,
    /// <summary>200 with an HTML page (a proxy's or a maintenance page).</summary>
    Html,
    /// <summary>503.</summary>
    ServerError,
    /// <summary>No connection: the request fails as a refused connection does.</summary>
    RefusesConnections,
}

/// <summary>
/// A shop serving the hotline's shop contract (docs/shop-api.yaml) with a few demo customers and orders, as an
/// <see cref="HttpMessageHandler"/>: the service uses it in local mode (and serves it under /demo-shop), and tests
/// make it slow or broken. Its delay runs on <paramref name="clock"/>, so a test's virtual clock decides when it answers.
/// </summary>
public sealed class FakeShop(TimeProvider clock) : HttpMessageHandler
{
    /// <summary>A caller with one open order (and one delivered): the default number of /phone and the phone command.</summary>
    public const string OneOrderCaller = CallSetup.DefaultFrom;
    /// <summary>A caller with two open orders, who is asked which one.</summary>
    public const string TwoOrdersCaller = "+48500100300";

    private int _requests;

    /// <summary>How long the shop takes to answer, on the clock.</summary>
    public TimeSpan Delay { get; set; }

    public FakeShopBehaviour Behaviour { get; set; } = FakeShopBehaviour.Answers;

    /// <summary>How many requests the shop has had.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The Authorization header of the last request.</summary>
    public string? LastAuthorization { get; private set; }

    /// <summary>The demo orders by number: the caller they belong to and what the shop says about them.</summary>
    public IReadOnlyList<DemoOrder> Orders(DateOnly today) =>
    [
        new(OneOrderCaller, "100234", "shipped", "wysłane, jest w drodze do paczkomatu", "shipped, on its way to your parcel locker", today.AddDays(2), "InPost"),
        new(OneOrderCaller, "100101", "delivered", "dostarczone", "delivered", today.AddDays(-20), "DPD"),
        new(TwoOrdersCaller, "200301", "packed", "spakowane, czeka na kuriera", "packed, waiting for the courier", today.AddDays(3), "DPD"),
        new(TwoOrdersCaller, "200302", "shipped", "wysłane kurierem", "shipped by courier", today.AddDays(1), "InPost"),
    ];

    /// <summary>The demo customers by phone.</summary>
    public static IReadOnlyDictionary<string, (string FirstName, string Language)> Customers { get; } =
        new Dictionary<string, (string, string)>
        {
            [OneOrderCaller] = ("Anna", "pl-PL"),
            [TwoOrdersCaller] = ("Tom", "en-US"),
        };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        LastAuthorization = request.Headers.Authorization?.ToString();
        if (Delay > TimeSpan.Zero)
            await Task.Delay(Delay, clock, cancellationToken);
        switch (Behaviour)
        {
            case FakeShopBehaviour.RefusesConnections:
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (demo shop)",
                    new SocketException((int)SocketError.ConnectionRefused));
            case FakeShopBehaviour.ServerError:
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("Service Unavailable") };
            case FakeShopBehaviour.Html:
                return Text(HttpStatusCode.OK, "<!DOCTYPE html><html><body><h1>Przerwa techniczna</h1></body></html>", "text/html");
            case FakeShopBehaviour.GarbageJson:
                return Text(HttpStatusCode.OK, "{\"number\": \"100234\", \"status\": \"shi", "application/json");
        }
        return Answer(request.RequestUri!, DateOnly.FromDateTime(clock.GetLocalNow().DateTime));
    }

    /// <summary>The contract's answer to a GET of <paramref name="uri"/> (paths after the shop's base URL).</summary>
    public HttpResponseMessage Answer(Uri uri, DateOnly today)
    {
        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        var phone = query["phone"] ?? "";
        var segments = uri.AbsolutePath.TrimEnd('/').Split('/');
        var last = segments[^1];
        var parent = segments.Length > 1 ? segments[^2] : "";
        if (last == "customers")
            return Customers.TryGetValue(phone, out var customer)
                ? Json(new { firstName = customer.FirstName, language = customer.Language })
                : NotFound();
        if (last == "orders")
            return Json(new { orders = Orders(today).Where(o => o.Phone == phone).Select(o => o.ToContract()).ToList() });
        if (parent == "orders")
            return Orders(today).FirstOrDefault(o => o.Number == Uri.UnescapeDataString(last) && o.Phone == phone) is { } order
                ? Json(order.ToContract())
                : NotFound();
        return NotFound();
    }

    private static HttpResponseMessage Json(object body) =>
        Text(HttpStatusCode.OK, JsonSerializer.Serialize(body), "application/json");

    private static HttpResponseMessage NotFound() =>
        Text(HttpStatusCode.NotFound, "{\"title\":\"Not found\"}", "application/json");

    private static HttpResponseMessage Text(HttpStatusCode status, string body, string mediaType) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
}

/// <summary>A demo order of <see cref="FakeShop"/>.</summary>
public sealed record DemoOrder(string Phone, string Number, string Status, string Polish, string English, DateOnly ExpectedDelivery, string Carrier)
{
    /// <summary>The order as the contract gives it.</summary>
    public object ToContract() => new
    {
        number = Number,
        status = Status,
        statusText = new Dictionary<string, string> { ["pl-PL"] = Polish, ["en-US"] = English },
        expectedDelivery = ExpectedDelivery.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        carrier = Carrier,
    };
}
