using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// Stands in for Twilio's REST API: records the redirects the distributor asks for and the calls it looks up. Calls
/// are live unless a test says they ended (<see cref="End"/>) or makes their redirects fail (<see cref="Refuse"/>).
/// </summary>
public sealed class RecordingTwilioCalls : ITwilioCalls
{
    private readonly ConcurrentDictionary<string, TwilioCall> _ended = new();
    private readonly ConcurrentDictionary<string, Func<Exception>> _refusals = new();

    public ConcurrentQueue<(string CallSid, UpdateCallRequest Request)> Updates { get; } = new();

    /// <summary>Beats on every create and redirect, for tests that wait for the background rounds.</summary>
    public Pulse Asked { get; } = new();
    public ConcurrentQueue<string> Fetches { get; } = new();

    /// <summary>The call has ended at Twilio: redirects are refused as Twilio refuses them, and a fetch tells its end.</summary>
    public void End(string callSid, DateTimeOffset at, string status = "completed") =>
        _ended[callSid] = new TwilioCall { Sid = callSid, Status = status, EndTime = at };

    /// <summary>Every redirect of the call fails with what <paramref name="failure"/> makes.</summary>
    public void Refuse(string callSid, Func<Exception> failure) => _refusals[callSid] = failure;

    /// <summary>Twilio takes the call's redirects again.</summary>
    public void Unrefuse(string callSid) => _refusals.TryRemove(callSid, out _);

    /// <summary>Callbacks placed (only when <see cref="PlacesCalls"/>; otherwise a create is a mistake of the test).</summary>
    public ConcurrentQueue<CreateCallRequest> Creates { get; } = new();
    public bool PlacesCalls { get; set; }

    /// <summary>While set, Twilio answers a create only when the task this makes completes (a slow API).</summary>
    public Func<Task>? CreateAnswered { get; set; }

    public async Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken cancellationToken)
    {
        if (!PlacesCalls)
            throw new NotSupportedException("No outbound calls in these tests.");
        Creates.Enqueue(request);
        Asked.Beat();
        if (CreateAnswered is { } answered)
            await answered().WaitAsync(cancellationToken);
        return new TwilioCall { Sid = TwilioRequests.NewCallSid(), Status = "queued" };
    }

    /// <summary>Twilio carries out each redirect (it calls the webhook this gets) before the answer is lost or refused.</summary>
    public Func<string, UpdateCallRequest, Task>? CarriedOut { get; set; }

    public async Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken cancellationToken)
    {
        Updates.Enqueue((callSid, request));
        Asked.Beat();
        if (CarriedOut is { } carriedOut)
            await carriedOut(callSid, request);
        if (_refusals.TryGetValue(callSid, out var failure))
            throw failure();
        if (_ended.ContainsKey(callSid))
            throw new TwilioApiException(400, 21220, "Call is not in-progress. Cannot redirect.", null);
        return new TwilioCall { Sid = callSid, Status = "in-progress" };
    }

    /// <summary>While set, every lookup of a call fails with what it makes (Twilio cannot be reached).</summary>
    public Func<Exception>? FetchFailure { get; set; }

    public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken cancellationToken)
    {
        Fetches.Enqueue(callSid);
        if (FetchFailure is { } failure)
            return Task.FromException<TwilioCall>(failure());
        return Task.FromResult(_ended.TryGetValue(callSid, out var ended) ? ended : new TwilioCall { Sid = callSid, Status = "in-progress" });
    }

    public async Task<Uri> RedirectOfAsync(string callSid)
    {
        await Asked.UntilAsync(() => Updates.Any(u => u.CallSid == callSid), $"call {callSid} to be redirected to an agent");
        return Updates.First(u => u.CallSid == callSid).Request.Url!;
    }
}

public class QueueDistributionTests : IAsyncLifetime
{
    private const string ApiKey = "test-key";
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    private readonly RecordingTwilioCalls _rest = new();
    private HotlineFactory _factory = null!;
    private TwilioRequests _twilio = null!;
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey },
            services: s => s.AddSingleton<ITwilioCalls>(_rest), backend: Backend);
        var client = _factory.CreateClient();
        _twilio = new TwilioRequests(client);
        _api = client;
        _api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>A caller who walks into the orders queue: incoming, "1" (order status), "1" (talk to the team).</summary>
    private async Task<string> QueueCallerAsync(string from = "+48500100200")
    {
        var callSid = TwilioRequests.NewCallSid();
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, from));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        Assert.Equal("orders", twiml.Descendants("Enqueue").Single().Value);
        return callSid;
    }

    private static string Local(Uri url) => url.PathAndQuery;

    [Fact]
    public async Task AWaitingCaller_IsRedirectedToAFreeAgent_WhoHearsAWhisper_AndTheCallIsCounted()
    {
        var callSid = await QueueCallerAsync();
        var redirect = await _rest.RedirectOfAsync(callSid);
        Assert.StartsWith($"{HotlineFactory.PublicBaseUrl}/voice/queue/orders/connect?entry=", redirect.ToString());

        var connect = await _twilio.TwimlAsync(Local(redirect), TwilioRequests.Gathered(callSid));
        var dial = connect.Descendants("Dial").Single();
        var number = dial.Element("Number")!;
        Assert.Matches(@"^\+4822123450\d$", number.Value.Trim());
        var whisperUrl = new Uri(number.Attribute("url")!.Value);
        var whisper = await _twilio.TwimlAsync(Local(whisperUrl), TwilioRequests.Gathered(TwilioRequests.NewCallSid()));
        Assert.StartsWith("Dział zamówień. Klient czekał mniej niż minutę. Numer 4 8 5 0 0 1 0 0 2 0 0", TwilioRequests.Spoken(whisper).Single());

        var dialed = TwilioRequests.Gathered(callSid);
        dialed["DialCallStatus"] = "completed";
        dialed["DialCallDuration"] = "95";
        var after = await _twilio.TwimlAsync(Local(new Uri(dial.Attribute("action")!.Value)), dialed);
        Assert.NotNull(after.Root!.Element("Hangup"));

        var stats = await _api.GetFromJsonAsync<JsonElement>("/api/stats");
        var orders = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
        Assert.Equal(1, orders.GetProperty("answered").GetInt32());
        Assert.Equal(95, orders.GetProperty("averageHandleSeconds").GetDouble());
        Assert.Equal(0, orders.GetProperty("waitingNow").GetInt32());
        Assert.Equal(1, orders.GetProperty("announcements").GetInt32());
        Assert.Equal(1.0, orders.GetProperty("answeredWithinPromise").GetDouble());
    }

    [Fact]
    public async Task AnAgentWhoDoesNotAnswer_IsSetAside_AndTheCallerKeepsTheirPlace()
    {
        var callSid = await QueueCallerAsync();
        var first = await _twilio.TwimlAsync(Local(await _rest.RedirectOfAsync(callSid)), TwilioRequests.Gathered(callSid));
        var dial = first.Descendants("Dial").Single();
        var firstAgent = dial.Elements().First().Value.Trim();

        var missed = TwilioRequests.Gathered(callSid);
        missed["DialCallStatus"] = "no-answer";
        var back = await _twilio.TwimlAsync(Local(new Uri(dial.Attribute("action")!.Value)), missed);
        Assert.Equal("Przepraszamy, konsultant nie może teraz odebrać. Wracasz na swoje miejsce w kolejce.", TwilioRequests.Spoken(back).Single());
        Assert.Equal("orders", back.Descendants("Enqueue").Single().Value);

        // Offered again, to someone else: the first agent is away for a while.
        await _rest.Asked.UntilAsync(() => _rest.Updates.Count(u => u.CallSid == callSid) >= 2, "the second offer");
        var second = _rest.Updates.Where(u => u.CallSid == callSid).ElementAt(1).Request.Url!;
        var again = await _twilio.TwimlAsync(Local(second), TwilioRequests.Gathered(callSid));
        Assert.NotEqual(firstAgent, again.Descendants("Dial").Single().Elements().First().Value.Trim());

        var agents = await _api.GetFromJsonAsync<JsonElement>("/api/agents");
        var missedAgent = agents.EnumerateArray().Single(a => a.GetProperty("address").GetString() == firstAgent);
        Assert.False(missedAgent.GetProperty("onDuty").GetBoolean());
    }

    [Fact]
    public async Task CallersAreOffered_InTheOrderTheyArrived()
    {
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
            await _api.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" });
        var callers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            callers.Add(await QueueCallerAsync());
            _factory.Clock.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.Empty(_rest.Updates);

        using var response = await _api.PutAsJsonAsync("/api/agents/orders.anna/status", new { status = "available" });
        response.EnsureSuccessStatusCode();
        Assert.Equal(callers[0], (await FirstUpdateAsync()).CallSid);
        Assert.Single(_rest.Updates);
    }

    [Fact]
    public async Task WithAFreeAgent_TheCallerIsToldTheyAreConnectedRightAway()
    {
        var callSid = TwilioRequests.NewCallSid();
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));

        var sayBeforeEnqueue = twiml.Root!.Element("Enqueue")!.ElementsBeforeSelf("Say").Last().Value;
        Assert.Equal("Konsultant odbierze za chwilę.", sayBeforeEnqueue);
    }

    [Fact]
    public async Task WhenAllAgentsAreBusy_TheCallerHearsAPromiseInMinutes_AndTheirPlace_AndItIsStored()
    {
        // One agent on duty: the first caller takes them, the next ones wait.
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
            if (agent.GetProperty("id").GetString() != "orders.anna")
                await _api.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" });
        var first = await QueueCallerAsync();
        await _rest.RedirectOfAsync(first);
        await QueueCallerAsync();

        var callSid = TwilioRequests.NewCallSid();
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        var said = TwilioRequests.Spoken(twiml);

        // One agent, 240 s typical handle time, two callers to go before this one: the 90% quantile is about 16 minutes.
        Assert.Contains(said, s => System.Text.RegularExpressions.Regex.IsMatch(s, @"^Przewidywany czas oczekiwania: mniej niż \d+ minut\.$"));
        Assert.Contains("Liczba osób przed Tobą w kolejce: 1.", said);
        using var db = _factory.OpenDatabase();
        var stored = db.QuerySingle<(long Position, long OnDuty, double Estimate, double Promise)>(
            "SELECT position, agents_on_duty, estimate_seconds, promise_seconds FROM announcements WHERE call_sid = @callSid", new { callSid });
        Assert.Equal((2L, 1L), (stored.Position, stored.OnDuty));
        Assert.True(stored.Promise > stored.Estimate && stored.Estimate > 240, $"estimate {stored.Estimate}, promise {stored.Promise}");

        // A minute later the hold music stops for an update from the caller's place; right after joining it does not.
        var hold = TwilioRequests.Gathered(callSid);
        hold["QueueTime"] = "0";
        Assert.DoesNotContain(TwilioRequests.Spoken(await _twilio.TwimlAsync("/voice/queue/orders/wait", hold)), s => s.StartsWith("Przewidywany"));
        hold["QueueTime"] = "60";
        var update = TwilioRequests.Spoken(await _twilio.TwimlAsync("/voice/queue/orders/wait", hold));
        Assert.StartsWith("Przewidywany czas oczekiwania: mniej niż", update[0]);
        Assert.Equal(2L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM announcements WHERE call_sid = @callSid", new { callSid }));
    }

    private async Task<(string CallSid, UpdateCallRequest Request)> FirstUpdateAsync()
    {
        await _rest.Asked.UntilAsync(() => !_rest.Updates.IsEmpty, "a redirect");
        return _rest.Updates.First();
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong", HttpStatusCode.Unauthorized)]
    [InlineData(ApiKey, HttpStatusCode.OK)]
    public async Task TheAgentApi_WantsTheApiKey(string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/agents");
        using var client = _factory.CreateClient();
        if (key is not null)
            request.Headers.Add(ApiKeyFilter.HeaderName, key);
        using var response = await client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task AStatusThatIsNotAvailableOrAway_IsRefusedWithAFieldMessage()
    {
        using var response = await _api.PutAsJsonAsync("/api/agents/orders.anna/status", new { status = "sleeping" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("available", await response.Content.ReadAsStringAsync());
        using var unknown = await _api.PutAsJsonAsync("/api/agents/orders.nobody/status", new { status = "away" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}

public sealed class ClosedApiTests
{
    [Fact]
    public async Task WithoutAConfiguredKey_NobodyGetsIn()
    {
        await using var factory = new HotlineFactory();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, "anything");
        using var response = await client.GetAsync("/api/agents");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Admin:ApiKey", await response.Content.ReadAsStringAsync());
    }
}

public sealed class StraightIntoALineTests
{
    [Fact]
    public async Task AStartMenuThatRoutes_TellsANewCallerTheWait_StoresIt_AndOffersThemToAnAgent()
    {
        // The greeting goes straight into the orders line (the main menu is left unreached, a warning only).
        using var folder = new MenuFolder(MenuFolder.Sample.Replace(
            "to improve our service.\"\n    next: main", "to improve our service.\"\n    route: orders"));
        var rest = new RecordingTwilioCalls();
        await using var factory = new HotlineFactory(settings: new() { ["Ivr:MenuFile"] = folder.FilePath, ["Admin:ApiKey"] = MenuFolder.ApiKey },
            services: s => s.AddSingleton<ITwilioCalls>(rest));
        var twilio = new TwilioRequests(factory.CreateClient());
        var callSid = TwilioRequests.NewCallSid();

        var twiml = await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));

        Assert.Equal("orders", twiml.Descendants("Enqueue").Single().Value);
        Assert.Equal("Konsultant odbierze za chwilę.", twiml.Root!.Element("Enqueue")!.ElementsBeforeSelf("Say").Last().Value);
        using var db = factory.OpenDatabase();
        Assert.Equal(1L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM announcements WHERE call_sid = @callSid", new { callSid }));
        Assert.StartsWith($"{HotlineFactory.PublicBaseUrl}/voice/queue/orders/connect?entry=", (await rest.RedirectOfAsync(callSid)).ToString());
    }
}

public sealed class QueueRestartTests
{
    [Fact]
    public async Task AfterARestart_CallersStillWaitingAreConnectedInTheirOrder()
    {
        const string key = "restart-key";
        var database = Path.Combine(Path.GetTempPath(), $"ivr-queue-restart-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string?> { ["Admin:ApiKey"] = key };
        var callers = new List<string>();
        var before = new RecordingTwilioCalls();
        await using (var first = new HotlineFactory(database, settings, s => s.AddSingleton<ITwilioCalls>(before)))
        {
            var client = first.CreateClient();
            client.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, key);
            foreach (var agent in (await client.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
                await client.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" });
            var twilio = new TwilioRequests(client);
            for (var i = 0; i < 3; i++)
            {
                var callSid = TwilioRequests.NewCallSid();
                var twiml = await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
                twiml = await twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
                await twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
                callers.Add(callSid);
                first.Clock.Advance(TimeSpan.FromSeconds(3));
            }
        }
        Assert.Empty(before.Updates);

        var after = new RecordingTwilioCalls();
        await using var second = new HotlineFactory(database, settings, s => s.AddSingleton<ITwilioCalls>(after));
        var api = second.CreateClient();
        api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, key);
        await api.PutAsJsonAsync("/api/agents/orders.anna/status", new { status = "available" });
        await api.PutAsJsonAsync("/api/agents/orders.piotr/status", new { status = "available" });

        await after.RedirectOfAsync(callers[0]);
        await after.RedirectOfAsync(callers[1]);
        Assert.Equal(callers.Take(2), after.Updates.Select(u => u.CallSid).Take(2));
        Assert.Equal(2, after.Updates.Count);
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class QueueDistributionTestsOnPostgres : QueueDistributionTests
{
    protected override Backend Backend => Backend.Postgres;
}
