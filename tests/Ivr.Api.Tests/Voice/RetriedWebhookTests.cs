using Dapper;
using Ivr.Api.Shop;
using Ivr.Api.Twilio;
using Ivr.Api.Voice;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests.Voice;

/// <summary>
/// Twilio rides over an instance that restarts: every URL given to Twilio carries the connection overrides, so Twilio
/// retries a refused or failed webhook; the retry, which carries the first delivery's idempotency token, is applied once.
/// </summary>
public sealed class RetriedWebhookTests : IAsyncLifetime
{
    private const string Fragment = "#" + ConnectionOverrides.Default;
    private readonly RecordingTwilioCalls _rest = new();
    private HotlineFactory _factory = null!;
    private TwilioRequests _twilio = null!;

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { [ConnectionOverrides.Key] = ConnectionOverrides.Default },
            services: s => s.AddSingleton<ITwilioCalls>(_rest));
        _twilio = new TwilioRequests(_factory.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task EveryUrlGivenToTwilio_CarriesTheOverrides_AndWebhooksSignedAsTwilioSignsThemAreTaken()
    {
        var callSid = TwilioRequests.NewCallSid();
        var menu = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var gather = menu.Descendants("Gather").Single().Attribute("action")!.Value;
        Assert.Equal($"{HotlineFactory.PublicBaseUrl}/voice/gather?step=1{Fragment}", gather);
        Assert.All(menu.Descendants("Redirect"), redirect => Assert.EndsWith(Fragment, redirect.Value));

        // Orders, then "talk to the team": the caller waits in the queue.
        var orders = await _twilio.TwimlAsync(TwilioRequests.GatherAction(menu), TwilioRequests.Gathered(callSid, digits: "1"));
        var queued = await _twilio.TwimlAsync(TwilioRequests.GatherAction(orders), TwilioRequests.Gathered(callSid, digits: "1"));
        var enqueue = queued.Descendants("Enqueue").Single();
        Assert.EndsWith(Fragment, enqueue.Attribute("waitUrl")!.Value);
        Assert.EndsWith(Fragment, enqueue.Attribute("action")!.Value);

        // The REST redirect to a free agent, and what it dials: the agent's whisper and the dial's action.
        var redirect = await _rest.RedirectOfAsync(callSid);
        Assert.EndsWith(Fragment, redirect.OriginalString);
        var connect = await _twilio.TwimlAsync(redirect.OriginalString[HotlineFactory.PublicBaseUrl.Length..], TwilioRequests.Gathered(callSid));
        var dial = connect.Descendants("Dial").Single();
        Assert.EndsWith(Fragment, dial.Attribute("action")!.Value);
        Assert.EndsWith(Fragment, dial.Element("Number")!.Attribute("url")!.Value);
    }

    [Fact]
    public async Task TheOrderLookupsRedirectsAndActions_CarryTheOverrides()
    {
        var shop = new FakeShop(TimeProvider.System);
        await using var factory = new HotlineFactory(settings: new()
        {
            [ConnectionOverrides.Key] = ConnectionOverrides.Default,
            ["Shop:BaseUrl"] = "https://shop.test/hotline-api",
            ["Shop:ApiKey"] = "shop-secret",
        }, services: s => s.AddHttpClient<ShopClient>().ConfigurePrimaryHttpMessageHandler(() => new SharedHandler(shop)));
        var twilio = new TwilioRequests(factory.CreateClient());
        var callSid = TwilioRequests.NewCallSid();

        // Order status (1), then the status from the shop (2): to the lookup, then the filler, and the redirect that
        // polls for the orders.
        var menu = await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, FakeShop.TwoOrdersCaller));
        var orders = await twilio.TwimlAsync(TwilioRequests.GatherAction(menu), TwilioRequests.Gathered(callSid, digits: "1"));
        var toLookup = await twilio.TwimlAsync(TwilioRequests.GatherAction(orders), TwilioRequests.Gathered(callSid, digits: "2"));
        var begin = toLookup.Descendants("Redirect").Single().Value;
        Assert.EndsWith(Fragment, begin);
        var filler = await twilio.TwimlAsync(begin[HotlineFactory.PublicBaseUrl.Length..], TwilioRequests.Gathered(callSid));
        var poll = filler.Descendants("Redirect").Single().Value;
        Assert.Contains("/voice/lookup/order/list", poll);
        Assert.EndsWith(Fragment, poll);

        // Two open orders: the caller is asked for the number (after pauses that poll again while the shop has not
        // answered), and its answer comes back to a URL with the overrides too.
        var ask = await twilio.TwimlAsync(poll[HotlineFactory.PublicBaseUrl.Length..], TwilioRequests.Gathered(callSid));
        for (var pauses = 0; !ask.Descendants("Gather").Any() && pauses < 60; pauses++)
        {
            poll = ask.Descendants("Redirect").Single().Value;
            Assert.EndsWith(Fragment, poll);
            ask = await twilio.TwimlAsync(poll[HotlineFactory.PublicBaseUrl.Length..], TwilioRequests.Gathered(callSid));
        }
        Assert.EndsWith(Fragment, ask.Descendants("Gather").Single().Attribute("action")!.Value);
        Assert.All(ask.Descendants("Redirect"), redirect => Assert.EndsWith(Fragment, redirect.Value));
    }

    [Fact]
    public async Task AWebhookSignedWithTheFragment_IsRefused_BecauseTwilioSignsTheUrlWithoutIt()
    {
        var callSid = TwilioRequests.NewCallSid();
        var form = TwilioRequests.IncomingCall(callSid);
        var signedWithFragment = Ivr.Api.Tests.Voice.TwilioSignatureTests.Compute(TwilioOptions.LocalAuthToken, $"{HotlineFactory.PublicBaseUrl}/voice/incoming{Fragment}",
            form.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));

        using var refused = await _twilio.PostAsync("/voice/incoming", form, signedWithFragment);
        using var taken = await _twilio.PostAsync($"/voice/incoming{Fragment}", form);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, taken.StatusCode);
    }

    [Fact]
    public async Task AWebhookDeliveredTwiceWithOneToken_ChangesTheCallOnce_AndGetsTheSameTwimlBothTimes()
    {
        var callSid = TwilioRequests.NewCallSid();
        var menu = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var orders = await _twilio.TwimlAsync(TwilioRequests.GatherAction(menu), TwilioRequests.Gathered(callSid, digits: "1"));
        var join = TwilioRequests.GatherAction(orders);

        // "Talk to the team", delivered, then retried by Twilio with the same token (the first answer was lost).
        _twilio.Headers[WebhookReplays.HeaderName] = "idem-" + callSid;
        using var db = _factory.OpenDatabase();
        (long Entries, long Events, long Announcements) Counts() => (
            db.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_entries WHERE call_sid = @callSid", new { callSid }),
            db.ExecuteScalar<long>("SELECT COUNT(*) FROM call_events WHERE call_sid = @callSid", new { callSid }),
            db.ExecuteScalar<long>("SELECT COUNT(*) FROM announcements WHERE call_sid = @callSid", new { callSid }));
        using var first = await _twilio.PostAsync(join, TwilioRequests.Gathered(callSid, digits: "1"));
        var afterFirst = Counts();
        using var retried = await _twilio.PostAsync(join, TwilioRequests.Gathered(callSid, digits: "1"));

        Assert.Equal(System.Net.HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retried.Content.ReadAsStringAsync());
        Assert.StartsWith("text/xml", retried.Content.Headers.ContentType?.ToString());
        Assert.Equal(1, afterFirst.Entries);
        Assert.Equal(afterFirst, Counts());

        // Another delivery (a new token) is another webhook, applied as such.
        _twilio.Headers[WebhookReplays.HeaderName] = "idem-other-" + callSid;
        using var status = await _twilio.PostAsync("/voice/status", new Dictionary<string, string>(TwilioRequests.Gathered(callSid)) { ["CallStatus"] = "completed" });
        Assert.Equal(System.Net.HttpStatusCode.OK, status.StatusCode);
        Assert.NotNull(db.ExecuteScalar<long?>("SELECT ended_at FROM calls WHERE call_sid = @callSid", new { callSid }));
    }

    [Fact]
    public async Task TwoDeliveriesOfANewCallAtOnce_StartTheCallOnce_AndBothGetTheSameTwiml()
    {
        var callSid = TwilioRequests.NewCallSid();
        _twilio.Headers[WebhookReplays.HeaderName] = "twice-" + callSid;

        // Twilio gave up on the first delivery and sent it again while the first was still being answered.
        var deliveries = await Task.WhenAll(
            _twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid)),
            _twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid)));

        var bodies = new List<string>();
        foreach (var delivery in deliveries)
        {
            using (delivery)
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, delivery.StatusCode);
                bodies.Add(await delivery.Content.ReadAsStringAsync());
            }
        }
        Assert.Contains("<Gather", bodies[0]);
        Assert.Equal(bodies[0], bodies[1]);
        using var db = _factory.OpenDatabase();
        Assert.Equal(1, db.ExecuteScalar<long>("SELECT COUNT(*) FROM call_events WHERE call_sid = @callSid", new { callSid }));
        Assert.Equal(bodies[0], db.ExecuteScalar<string>("SELECT body FROM webhook_replies WHERE token = @token", new { token = "twice-" + callSid }));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task TheFirstWebhookOfACallerWithABooking_AskedTwice_AsksAboutTheBookingTwiceAlike_AndStoresNoCall(Backend backend)
    {
        // On SQLite the booking is looked up in the step's write, on PostgreSQL before it: the caller hears the same.
        await using var factory = new HotlineFactory(settings: new() { [ConnectionOverrides.Key] = ConnectionOverrides.Default },
            services: s => s.AddSingleton<ITwilioCalls>(_rest), backend: backend);
        var twilio = new TwilioRequests(factory.CreateClient());
        var now = factory.Clock.GetUtcNow();
        var (booked, _) = await factory.Services.GetRequiredService<Ivr.Api.Callbacks.CallbackStore>().BookAsync(
            new Ivr.Api.Callbacks.NewCallback("+48500100200", "orders", "pl-PL", "web", null, now, now.AddDays(1), now.AddDays(1)), now);
        var callSid = TwilioRequests.NewCallSid();
        twilio.Headers[WebhookReplays.HeaderName] = "offer-" + callSid;

        using var first = await twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        using var retried = await twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));

        var offer = await first.Content.ReadAsStringAsync();
        Assert.Contains("Masz zamówione oddzwonienie", offer);
        Assert.Contains($"/voice/callbacks/returning?callback={booked.Id}", offer);
        Assert.Equal(offer, await retried.Content.ReadAsStringAsync());
        // The caller has not answered yet: the call is not in the menus, only the question is kept with the token.
        using var db = factory.OpenDatabase();
        Assert.Equal(0, db.ExecuteScalar<long>("SELECT COUNT(*) FROM calls WHERE call_sid = @callSid", new { callSid }));
        Assert.Equal(offer, db.ExecuteScalar<string>("SELECT body FROM webhook_replies WHERE token = @token", new { token = "offer-" + callSid }));
    }

    [Fact]
    public async Task TheEndOfACall_DeliveredTwice_IsRecordedOnce_AndKeptWithItsToken()
    {
        var callSid = TwilioRequests.NewCallSid();
        await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        _twilio.Headers[WebhookReplays.HeaderName] = "end-" + callSid;
        var ended = new Dictionary<string, string>(TwilioRequests.Gathered(callSid)) { ["CallStatus"] = "completed", ["CallDuration"] = "42" };

        using var first = await _twilio.PostAsync("/voice/status", ended);
        using var retried = await _twilio.PostAsync("/voice/status", ended);

        Assert.Equal(System.Net.HttpStatusCode.OK, retried.StatusCode);
        var answer = await first.Content.ReadAsStringAsync();
        Assert.Equal(answer, await retried.Content.ReadAsStringAsync());
        using var db = _factory.OpenDatabase();
        Assert.Equal(1, db.ExecuteScalar<long>("SELECT COUNT(*) FROM call_events WHERE call_sid = @callSid AND trigger = 'status'", new { callSid }));
        Assert.Equal(42, db.ExecuteScalar<long>("SELECT duration_seconds FROM calls WHERE call_sid = @callSid", new { callSid }));
        Assert.Equal(answer, db.ExecuteScalar<string>("SELECT body FROM webhook_replies WHERE token = @token", new { token = "end-" + callSid }));
    }

    [Fact]
    public async Task ARetryArrivingWhileTheFirstDeliveryIsStillAnswered_GetsThatAnswer_AndAnAbandonedOneIsTakenOver()
    {
        var callSid = TwilioRequests.NewCallSid();
        var now = HotlineFactory.WednesdayMorning.ToUnixTimeMilliseconds();
        using var db = _factory.OpenDatabase();
        // Another instance took the first delivery and is still working on it.
        db.Execute("INSERT INTO webhook_replies (token, path, claimed_at, expires_at) VALUES ('busy', '/voice/incoming', @now, @later)",
            new { now, later = now + 600_000 });
        _twilio.Headers[WebhookReplays.HeaderName] = "busy";
        var retry = _twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        db.Execute("UPDATE webhook_replies SET status = 200, content_type = 'text/xml; charset=utf-8', body = '<Response><Say>first</Say></Response>' WHERE token = 'busy'");
        using (var answered = await retry)
            Assert.Equal("<Response><Say>first</Say></Response>", await answered.Content.ReadAsStringAsync());
        Assert.Equal(0, db.ExecuteScalar<long>("SELECT COUNT(*) FROM calls WHERE call_sid = @callSid", new { callSid }));

        // An instance that died holding a claim: after a while a retry is applied as a first delivery.
        db.Execute("INSERT INTO webhook_replies (token, path, claimed_at, expires_at) VALUES ('dead', '/voice/incoming', @then, @later)",
            new { then = now - (long)WebhookReplays.AbandonedAfter.TotalMilliseconds - 1, later = now + 600_000 });
        _twilio.Headers[WebhookReplays.HeaderName] = "dead";
        using var takenOver = await _twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        Assert.Equal(System.Net.HttpStatusCode.OK, takenOver.StatusCode);
        Assert.Equal(1, db.ExecuteScalar<long>("SELECT COUNT(*) FROM calls WHERE call_sid = @callSid", new { callSid }));
        Assert.NotNull(db.ExecuteScalar<string?>("SELECT body FROM webhook_replies WHERE token = 'dead'"));
    }

    [Fact]
    public async Task RepliesToTwilio_AreForgottenAfterTenMinutes()
    {
        _twilio.Headers[WebhookReplays.HeaderName] = "old";
        using (await _twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid())))
        {
        }
        _factory.Clock.Advance(WebhookReplays.KeptFor + TimeSpan.FromMinutes(1));
        _twilio.Headers[WebhookReplays.HeaderName] = "new";
        using (await _twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid())))
        {
        }

        using var db = _factory.OpenDatabase();
        Assert.Equal(["new"], db.Query<string>("SELECT token FROM webhook_replies"));
    }

    [Theory]
    [InlineData("rc=9", "rc (retries) must be 0 to 5")]
    [InlineData("ct=2000&rp=ct,sometimes", "rp (what is retried)")]
    [InlineData("timeout=5", "'timeout' is not one of Twilio's connection overrides")]
    [InlineData("tt=60000", "the total time of all tries must be 100 to 15000 ms")]
    public void AnInvalidSetting_IsRefusedAtStart_NamingTheKey(string value, string problem)
    {
        var result = new ConnectionOverrides.Validation().Validate(null, new TwilioOptions { ConnectionOverrides = value });

        Assert.True(result.Failed);
        Assert.Contains($"{ConnectionOverrides.Key} is '{value}'", result.FailureMessage);
        Assert.Contains(problem, result.FailureMessage);
    }

    [Theory]
    [InlineData(ConnectionOverrides.Default)]
    [InlineData("off")]
    [InlineData("")]
    [InlineData("ct=1000&rt=3000&tt=9000&rc=2&rp=all&e=dublin&sni=y")]
    public void ValidSettings_AreTaken(string value) =>
        Assert.False(new ConnectionOverrides.Validation().Validate(null, new TwilioOptions { ConnectionOverrides = value }).Failed);
}
