using System.Net;
using Ivr.Api.Voice;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests;

/// <summary>
/// Who the client is: the address of the connection, unless the connection comes from a proxy listed in
/// Ivr:TrustedProxies, whose X-Forwarded-* headers are then believed.
/// </summary>
public sealed class ClientAddressTests
{
    private const string Stranger = "198.51.100.7";
    private const string Proxy = "10.1.2.3";

    private static HotlineFactory Hotline(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Callbacks:BookingsPerClient"] = "2" };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        var factory = new HotlineFactory(settings: all);
        factory.Clock.Now = SundayNoon;
        return factory;
    }

    private static HttpRequestMessage Booking(string phone, string peer, string? forwardedFor)
    {
        var request = Post("/api/callbacks", Json($$"""{ "phone": "{{phone}}", "consent": true }""")).From(peer);
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    [Fact]
    public async Task AForgedForwardedFor_FromAnUntrustedPeer_DoesNotEscapeTheBookingLimit()
    {
        await using var factory = Hotline();
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 201", Stranger, "203.0.113.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 202", Stranger, "203.0.113.2"))).StatusCode);
        var third = await client.SendAsync(Booking("500 100 203", Stranger, "203.0.113.3"));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    public async Task TheForwardedFor_OfATrustedProxy_IsTheClient()
    {
        await using var factory = Hotline(new() { ["Ivr:TrustedProxies"] = "192.0.2.1, 10.0.0.0/8" });
        var client = factory.CreateClient();

        // Two customers behind the shop's proxy: each has their own allowance.
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 201", Proxy, "203.0.113.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 202", Proxy, "203.0.113.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 203", Proxy, "203.0.113.2"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Booking("500 100 204", Proxy, "203.0.113.1"))).StatusCode);
        // A stranger is not the proxy, however its header reads.
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 205", Stranger, "203.0.113.3"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 206", Stranger, "203.0.113.4"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Booking("500 100 207", Stranger, "203.0.113.5"))).StatusCode);
    }

    private static HotlineFactory Console(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Admin:Username"] = ConsoleSignInTests.Username, ["Admin:Password"] = ConsoleSignInTests.Password,
        };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        return new HotlineFactory(settings: all);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string password, string peer, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { username = ConsoleSignInTests.Username, password }),
        }.From(peer);
        request.Headers.Add(Ivr.Api.Admin.ConsoleRequest.HeaderName, "1");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task AForgedForwardedFor_FromAnUntrustedPeer_DoesNotEscapeTheSignInThrottle()
    {
        await using var factory = Console();
        using var client = factory.CreateClient();
        for (var i = 1; i <= Ivr.Api.Admin.LoginThrottle.MaxFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(client, "guess " + i, Stranger, $"203.0.113.{i}")).StatusCode);

        using var paused = await SignInAsync(client, ConsoleSignInTests.Password, Stranger, "203.0.113.99");

        Assert.Equal(HttpStatusCode.TooManyRequests, paused.StatusCode);
    }

    [Fact]
    public async Task BehindATrustedProxy_TheSignInThrottle_CountsTheClientBehindIt()
    {
        await using var factory = Console(new() { ["Ivr:TrustedProxies"] = Proxy });
        using var client = factory.CreateClient();
        for (var i = 1; i <= Ivr.Api.Admin.LoginThrottle.MaxFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(client, "guess " + i, Proxy, "203.0.113.1")).StatusCode);

        using var paused = await SignInAsync(client, ConsoleSignInTests.Password, Proxy, "203.0.113.1");
        using var colleague = await SignInAsync(client, ConsoleSignInTests.Password, Proxy, "203.0.113.2");

        Assert.Equal(HttpStatusCode.TooManyRequests, paused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, colleague.StatusCode);
    }

    private static async Task<HttpStatusCode> SignedForPublicHostAsync(HotlineFactory factory, string peer)
    {
        // Signed over the public URL a proxy would report; the service sees http://localhost/...
        var form = TwilioRequests.IncomingCall(TwilioRequests.NewCallSid());
        var signature = Ivr.Api.Tests.Voice.TwilioSignatureTests.Compute(TwilioOptions.LocalAuthToken, "https://public.example/voice/incoming",
            form.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        var request = new HttpRequestMessage(HttpMethod.Post, "/voice/incoming") { Content = new FormUrlEncodedContent(form) }.From(peer);
        request.Headers.Add("X-Twilio-Signature", signature);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "public.example");
        using var response = await factory.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task ThePublicUrlOfASignature_FollowsForwardedHeaders_OnlyFromATrustedProxy()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ivr:PublicBaseUrl"] = null, ["Ivr:TrustedProxies"] = "127.0.0.1", ["Ivr:LocalMode"] = "open",
        };
        await using var factory = new HotlineFactory(settings: settings);

        Assert.Equal(HttpStatusCode.Forbidden, await SignedForPublicHostAsync(factory, Stranger));
        Assert.Equal(HttpStatusCode.OK, await SignedForPublicHostAsync(factory, "127.0.0.1"));
    }

    [Fact]
    public async Task TrustedProxies_MayBeAList()
    {
        await using var factory = Hotline(new() { ["Ivr:TrustedProxies:0"] = "192.0.2.1", ["Ivr:TrustedProxies:1"] = "10.0.0.0/8" });
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 201", Proxy, "203.0.113.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 202", Proxy, "203.0.113.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 203", Proxy, "203.0.113.2"))).StatusCode);
    }
}
