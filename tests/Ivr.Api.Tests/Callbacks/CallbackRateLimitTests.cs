using System.Net;
using Ivr.Api.Callbacks;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests.Callbacks;

public sealed class CallbackRateLimitTests
{
    private static HotlineFactory Hotline(Dictionary<string, string?>? settings = null)
    {
        var factory = new HotlineFactory(settings: settings);
        factory.Clock.Now = SundayNoon;
        return factory;
    }

    private static HttpRequestMessage Booking(string phone, string clientAddress) =>
        Post("/api/callbacks", Json($$"""{ "phone": "{{phone}}", "consent": true }""")).From(clientAddress);

    [Fact]
    public void TheWindowSlides_SoTheNextEventIsAllowedWhenTheOldestLeavesIt()
    {
        var limiter = new SlidingWindowLimiter(TimeSpan.FromMinutes(10));
        var start = SundayNoon;

        Assert.Null(limiter.TryAcquire("a", 2, start));
        Assert.Null(limiter.TryAcquire("a", 2, start + TimeSpan.FromMinutes(4)));
        Assert.Equal(TimeSpan.FromMinutes(1), limiter.TryAcquire("a", 2, start + TimeSpan.FromMinutes(9)));
        Assert.Null(limiter.TryAcquire("b", 2, start + TimeSpan.FromMinutes(9)));
        Assert.Null(limiter.TryAcquire("a", 2, start + TimeSpan.FromMinutes(10)));
        Assert.Equal(TimeSpan.FromMinutes(4), limiter.TryAcquire("a", 2, start + TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task BookingsFromOneAddress_AreLimited_With429AndRetryAfter_UntilTheWindowHasPassed()
    {
        await using var factory = Hotline();
        var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking($"500 100 20{i}", "203.0.113.7"))).StatusCode);

        var refused = await client.SendAsync(Booking("500 100 209", "203.0.113.7"));
        var otherClient = await client.SendAsync(Booking("500 100 210", "198.51.100.20"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(10), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", ContentType(refused)?.MediaType);
        Assert.Contains("Spróbuj ponownie za 10 minut", (await JsonAsync(refused)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Created, otherClient.StatusCode);

        factory.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 209", "203.0.113.7"))).StatusCode);
    }

    [Fact]
    public async Task BookingsForOneNumber_AreLimited_WhoeverAsks()
    {
        await using var factory = Hotline();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Booking("500 100 200", "203.0.113.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Booking("+48 500 100 200", "203.0.113.2"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Booking("0048500100200", "203.0.113.3"))).StatusCode);

        var refused = await client.SendAsync(Booking("500-100-200", "203.0.113.4"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), refused.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task TheFormOverTheLimit_ComesBackWithAMessage_AndWhatWasTyped()
    {
        await using var factory = Hotline(new() { ["Callbacks:BookingsPerClient"] = "1" });
        var browser = Browser(factory, "en-US");
        Assert.Equal(HttpStatusCode.SeeOther, (await SubmitFormAsync(browser, "500 100 200")).StatusCode);

        var refused = await SubmitFormAsync(browser, "600 100 200");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(10), refused.Headers.RetryAfter?.Delta);
        var page = await HtmlAsync(refused);
        Assert.Equal("Too many attempts in a short time. Please try again in 10 minutes.", page.QuerySelector("[role=alert] h2")?.TextContent);
        Assert.Equal("600 100 200", page.QuerySelector("input#phone")?.GetAttribute("value"));
    }

    [Fact]
    public async Task LookingUpReferences_IsLimitedPerAddress_OnThePagesAndTheApi()
    {
        await using var factory = Hotline(new() { ["Callbacks:LookupsPerClient"] = "3" });
        var client = factory.CreateClient();
        HttpRequestMessage Lookup(string path, string address) => new HttpRequestMessage(HttpMethod.Get, path).From(address);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Lookup("/callback/111111", "203.0.113.9"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Lookup("/api/callbacks/111112", "203.0.113.9"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Lookup("/callback/111113", "203.0.113.9"))).StatusCode);

        var page = await client.SendAsync(Lookup("/callback/111114", "203.0.113.9"));
        var api = await client.SendAsync(Lookup("/api/callbacks/111115", "203.0.113.9"));
        var otherClient = await client.SendAsync(Lookup("/callback/111116", "2001:db8:1::1"));

        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.InRange(page.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Contains("Zbyt wiele prób", (await HtmlAsync(page)).QuerySelector("[role=alert]")?.TextContent);
        Assert.Equal(HttpStatusCode.TooManyRequests, api.StatusCode);
        Assert.Equal("application/problem+json", ContentType(api)?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, otherClient.StatusCode);
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:203.0.113.5", "203.0.113.5", true)]
    [InlineData("203.0.113.5", "203.0.113.6", false)]
    public void AClient_IsItsAddress_OrItsIPv6Network(string first, string second, bool same)
    {
        static string Key(string address)
        {
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
            return CallbackRateLimits.ClientKey(context);
        }

        Assert.Equal(same, Key(first) == Key(second));
    }
}
