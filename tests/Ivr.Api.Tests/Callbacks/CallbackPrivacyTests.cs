using System.Net;
using Dapper;
using Ivr.Api.Callbacks;
using Microsoft.Extensions.DependencyInjection;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests.Callbacks;

/// <summary>
/// Knowing someone's number or guessing a six-digit reference gets a stranger nothing: no reference, no status page,
/// no cancel. The status page and the API's lookups open only with the unguessable token of the booking.
/// </summary>
public sealed class CallbackPrivacyTests : IAsyncLifetime
{
    private readonly HotlineFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory.Clock.Now = SundayNoon;
        _client = Browser(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<(string Reference, string Token, string StatusUrl)> BookAsync(string phone, HttpClient? client = null)
    {
        var response = await (client ?? _client).SendAsync(Post("/api/callbacks", Json($$"""{ "phone": "{{phone}}", "consent": true }""")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await JsonAsync(response);
        return (body.GetProperty("reference").GetString()!, body.GetProperty("token").GetString()!, body.GetProperty("statusUrl").GetString()!);
    }

    [Fact]
    public async Task BookingANumberThatHasAnOpenCallback_ThroughTheApi_HandsBackNeitherItsReferenceNorItsLink()
    {
        var (reference, token, _) = await BookAsync("500 100 200");
        var stranger = Browser(_factory, "en");

        var again = await stranger.SendAsync(Post("/api/callbacks", Json("""{ "phone": "+48500100200", "consent": true }""")));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Null(again.Headers.Location);
        var text = await again.Content.ReadAsStringAsync();
        Assert.DoesNotContain(reference, text);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain("/callback/", text);
        var body = await JsonAsync(again);
        Assert.Equal("already-booked", body.GetProperty("status").GetString());
        Assert.False(body.TryGetProperty("reference", out _));
        Assert.False(body.TryGetProperty("statusUrl", out _));
        Assert.StartsWith("We already have a callback request for this number", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task BookingANumberThatHasAnOpenCallback_OnTheForm_SaysWeWillCall_WithoutReferenceOrLink()
    {
        var (reference, token, _) = await BookAsync("500 100 200");
        var stranger = Browser(_factory);

        var again = await SubmitFormAsync(stranger, "500 100 200");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Null(again.Headers.Location);
        var text = await again.Content.ReadAsStringAsync();
        Assert.DoesNotContain(reference, text);
        Assert.DoesNotContain(token, text);
        var page = await HtmlAsync(again);
        Assert.Null(page.QuerySelector("#reference"));
        Assert.Null(page.QuerySelector("form[action$='/cancel']"));
        Assert.Contains("Mamy już zgłoszenie oddzwonienia na ten numer", page.QuerySelector("[role=alert]")?.TextContent);
    }

    [Fact]
    public async Task TheSixDigitReference_NoLongerOpensTheStatusPage_NorTheApi_NorCancels()
    {
        var (reference, token, _) = await BookAsync("500 100 200");
        var form = HiddenFields((await HtmlAsync(await _client.GetAsync("/callback"))).QuerySelector("form.callback-form")!);

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/callback/{reference}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/callbacks/{reference}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync($"/api/callbacks/{reference}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await _client.PostAsync($"/callback/{reference}/cancel", new FormUrlEncodedContent(form))).StatusCode);

        var stillThere = await JsonAsync(await _client.GetAsync($"/api/callbacks/{token}"));
        Assert.Equal("pending", stillThere.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheBookingsToken_OpensItsStatusPage_AndCancelsIt_AndIsNotStoredAsItIs()
    {
        var (reference, token, statusUrl) = await BookAsync("500 100 200");

        Assert.Matches("^[A-Za-z0-9_-]{22}$", token);
        Assert.Equal($"{HotlineFactory.PublicBaseUrl}/callback/{token}", statusUrl);
        var page = await HtmlAsync(await _client.GetAsync($"/callback/{token}"));
        Assert.Equal(reference, page.QuerySelector("#reference")?.TextContent);
        Assert.Equal($"/callback/{token}/cancel", page.QuerySelector("form[action$='/cancel']")?.GetAttribute("action"));
        var lookedUp = await JsonAsync(await _client.GetAsync($"/api/callbacks/{token}"));
        Assert.Equal(reference, lookedUp.GetProperty("reference").GetString());

        var canceled = await _client.DeleteAsync($"/api/callbacks/{token}");

        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal("canceled", (await JsonAsync(canceled)).GetProperty("status").GetString());
        using var db = _factory.OpenDatabase();
        var stored = await db.QuerySingleAsync<string>("SELECT token_hash FROM callbacks");
        Assert.DoesNotContain(token, stored);
    }

    [Fact]
    public async Task AWrongToken_LooksExactlyLikeAnUnknownOne()
    {
        var (_, token, _) = await BookAsync("500 100 200");
        var wrong = (token[0] == 'A' ? "B" : "A") + token[1..];
        var unknown = new string('x', 22);

        var wrongApi = await _client.GetAsync($"/api/callbacks/{wrong}");
        var unknownApi = await _client.GetAsync($"/api/callbacks/{unknown}");
        var wrongPage = await _client.GetAsync($"/callback/{wrong}");
        var unknownPage = await _client.GetAsync($"/callback/{unknown}");

        Assert.Equal(HttpStatusCode.NotFound, wrongApi.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongPage.StatusCode);
        Assert.Equal(await unknownApi.Content.ReadAsStringAsync(), await wrongApi.Content.ReadAsStringAsync());
        Assert.Equal(await unknownPage.Content.ReadAsStringAsync(), await wrongPage.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync($"/api/callbacks/{wrong}")).StatusCode);
    }

    [Fact]
    public async Task LookupsByToken_AreRateLimitedPerAddress()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Callbacks:LookupsPerClient"] = "2" });
        factory.Clock.Now = SundayNoon;
        var client = Browser(factory);
        var (_, token, _) = await BookAsync("500 100 200", client);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/callback/{token}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/callbacks/{token}")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync($"/api/callbacks/{token}")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.DeleteAsync($"/api/callbacks/{token}")).StatusCode);
    }

    [Fact]
    public async Task References_AreReusedOnceABookingIsClosed_AndAFullSpaceFailsClearly_InsteadOfHanging()
    {
        var store = _factory.Services.GetRequiredService<CallbackStore>();
        store.References = new ReferenceRange(100_000, 3);
        var booked = new List<(string Reference, string Token, string StatusUrl)>();
        for (var i = 0; i < 3; i++)
            booked.Add(await BookAsync($"500 100 20{i}"));
        Assert.Equal(["100000", "100001", "100002"], booked.Select(b => b.Reference).Order().ToArray());

        var full = await _client.SendAsync(Post("/api/callbacks", Json("""{ "phone": "500 100 209", "consent": true }""")))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.Equal("application/problem+json", ContentType(full)?.MediaType);
        Assert.Contains("spróbuj ponownie", (await JsonAsync(full)).GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync($"/api/callbacks/{booked[1].Token}")).StatusCode);
        var next = await BookAsync("500 100 209");
        Assert.Equal(booked[1].Reference, next.Reference);
        // The closed booking keeps its reference; its page still opens with its own token.
        var closed = await JsonAsync(await _client.GetAsync($"/api/callbacks/{booked[1].Token}"));
        Assert.Equal(("canceled", booked[1].Reference), (closed.GetProperty("status").GetString(), closed.GetProperty("reference").GetString()));
    }
}
