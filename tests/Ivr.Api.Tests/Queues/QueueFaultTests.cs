using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// Off the happy path: calls that ended without the service hearing of it, Twilio failing for a while, and webhooks
/// that come twice, late or out of order. No department stalls, and an agent follows only the call that holds them.
/// </summary>
public class QueueFaultTests : IAsyncLifetime
{
    private const string ApiKey = "test-key";
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    private const string Anna = "orders.anna";
    private const string Piotr = "orders.piotr";
    private readonly RecordingTwilioCalls _rest = new();
    private HotlineFactory _factory = null!;
    private TwilioRequests _twilio = null!;
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey },
            services: s => s.AddSingleton<ITwilioCalls>(_rest), backend: Backend);
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        _twilio = new TwilioRequests(_api);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private DateTimeOffset Now => _factory.Clock.GetUtcNow();

    /// <summary>Only the given agents of orders are on duty (none: everybody away).</summary>
    private async Task OnDutyAsync(params string[] agents)
    {
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
        {
            var id = agent.GetProperty("id").GetString()!;
            using var response = await _api.PutAsJsonAsync($"/api/agents/{id}/status",
                new { status = agents.Contains(id) ? "available" : "away" });
            response.EnsureSuccessStatusCode();
        }
    }

    private int _callers;

    /// <summary>A caller who walks into the orders queue: incoming, "1" (order status), "1" (talk to the team).</summary>
    private async Task<string> QueueCallerAsync()
    {
        var callSid = TwilioRequests.NewCallSid();
        // Each caller has a number of their own: one that called a moment ago would first be offered its last matter.
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, $"+485001{Interlocked.Increment(ref _callers):D5}"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        Assert.Equal("orders", twiml.Descendants("Enqueue").Single().Value);
        return callSid;
    }

    private Task DistributeAsync() => _factory.Services.GetRequiredService<QueueDistributor>().DistributeAsync(CancellationToken.None);

    private Task SweepAsync() => _factory.Services.GetRequiredService<QueueSweeper>().SweepAsync(CancellationToken.None);

    /// <summary>The one callback placed, by this test's dispatch or by the background one (which may still be placing it).</summary>
    private async Task<CreateCallRequest> PlacedAsync()
    {
        await _rest.Asked.UntilAsync(() => !_rest.Creates.IsEmpty, "a callback to be placed");
        return Assert.Single(_rest.Creates);
    }

    private List<string> Redirected() => _rest.Updates.Select(u => u.CallSid).ToList();

    /// <summary>Twilio follows the last redirect of the call: the TwiML that dials the agent.</summary>
    private async Task<XElement> ConnectAsync(string callSid)
    {
        var redirect = _rest.Updates.Last(u => u.CallSid == callSid).Request.Url!;
        var connect = await _twilio.TwimlAsync(redirect.PathAndQuery, TwilioRequests.Gathered(callSid));
        return connect.Descendants("Dial").Single();
    }

    /// <summary>The agent picked up: Twilio asks for the whisper on the agent's leg before it bridges the two.</summary>
    private async Task AgentAnswersAsync(XElement dial)
    {
        var whisper = new Uri(dial.Elements().Single().Attribute("url")!.Value);
        await _twilio.TwimlAsync(whisper.PathAndQuery, TwilioRequests.Gathered(TwilioRequests.NewCallSid()));
    }

    private Task<XDocument> DialedAsync(XElement dial, string callSid, string status, int talked = 0)
    {
        var form = TwilioRequests.Gathered(callSid);
        form["DialCallStatus"] = status;
        form["DialCallSid"] = TwilioRequests.NewCallSid();
        form["DialCallDuration"] = talked.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return _twilio.TwimlAsync(new Uri(dial.Attribute("action")!.Value).PathAndQuery, form);
    }

    private async Task StatusAsync(string callSid, string status = "completed", int duration = 0)
    {
        var form = TwilioRequests.Gathered(callSid);
        form["CallStatus"] = status;
        form["CallDuration"] = duration.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await _twilio.PostAsync("/voice/status", form);
        response.EnsureSuccessStatusCode();
    }

    private string EntryState(string callSid)
    {
        using var db = _factory.OpenDatabase();
        return db.QuerySingle<string>("SELECT state FROM queue_entries WHERE call_sid = @callSid", new { callSid });
    }

    private (string? BusyWith, long? AwayUntil, long? FreeAt) Agent(string id)
    {
        using var db = _factory.OpenDatabase();
        return db.QuerySingle<(string?, long?, long?)>(
            "SELECT busy_call_sid, away_until, free_at FROM agents WHERE id = @id", new { id });
    }

    private async Task<JsonElement> OrdersStatsAsync()
    {
        var stats = await _api.GetFromJsonAsync<JsonElement>("/api/stats");
        return stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
    }

    // ---- Live figures: waiting means in the queue ----

    [Fact]
    public async Task AWaitAnnouncementThatCannotBeStored_LeavesNoCallerInLine_WhoHeardAnApologyInstead()
    {
        // The announcement is one of the step's side effects: when it cannot be stored, the step is not either.
        await OnDutyAsync(Anna);
        using (var db = _factory.OpenDatabase())
            db.Execute("DROP TABLE announcements");
        var callSid = TwilioRequests.NewCallSid();
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, "+48500199999"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));

        Assert.Empty(twiml.Descendants("Enqueue"));
        using var after = _factory.OpenDatabase();
        Assert.Equal(0L, after.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_entries WHERE call_sid = @callSid", new { callSid }));
        Assert.Equal("InMenu", after.ExecuteScalar<string>("SELECT phase FROM calls WHERE call_sid = @callSid", new { callSid }));
    }

    [Fact]
    public async Task CallersTalkingToAgents_AreAnsweredNotWaiting_AndAnAgentInWrapUpShowsAsSuch()
    {
        await OnDutyAsync(Anna, Piotr);
        var first = await QueueCallerAsync();
        var second = await QueueCallerAsync();
        await DistributeAsync();
        var firstDial = await ConnectAsync(first);
        var secondDial = await ConnectAsync(second);
        await AgentAnswersAsync(firstDial);
        await AgentAnswersAsync(secondDial);
        _factory.Clock.Advance(TimeSpan.FromSeconds(30));
        var third = await QueueCallerAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(40));

        // Two callers talking, one in line for 40 s.
        var talking = await OrdersStatsAsync();
        Assert.Equal(1, talking.GetProperty("waitingNow").GetInt32());
        Assert.Equal(40, talking.GetProperty("longestWaitSeconds").GetDouble());
        Assert.Equal(2, talking.GetProperty("answered").GetInt32());
        Assert.Equal(2, talking.GetProperty("agentsBusy").GetInt32());
        Assert.Equal(0, talking.GetProperty("agentsInWrapUp").GetInt32());

        // The first call ends: its agent takes their wrap-up, the answered count stays.
        await DialedAsync(firstDial, first, "completed", talked: 70);
        var wrapping = await OrdersStatsAsync();
        Assert.Equal(2, wrapping.GetProperty("answered").GetInt32());
        Assert.Equal(1, wrapping.GetProperty("agentsBusy").GetInt32());
        Assert.Equal(1, wrapping.GetProperty("agentsInWrapUp").GetInt32());
        Assert.Equal(1, wrapping.GetProperty("waitingNow").GetInt32());
        Assert.DoesNotContain(third, Redirected());
    }

    // ---- A department never stalls ----

    public static TheoryData<int, int> CallGone => new() { { 400, 21220 }, { 404, 20404 } };

    [Theory]
    [MemberData(nameof(CallGone))]
    public async Task ACallThatEndedUnheard_IsClosedAsLostWhenItsRedirectIsRefused_AndTheCallerBehindIsServed(int http, int code)
    {
        await OnDutyAsync();
        var gone = await QueueCallerAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var next = await QueueCallerAsync();
        // Its status callback and its Enqueue action were lost: only Twilio knows the caller hung up.
        _rest.Refuse(gone, () => new TwilioApiException(http, code, "Call is not in-progress. Cannot redirect.", null));

        await OnDutyAsync(Anna);
        await DistributeAsync();

        Assert.Contains(next, Redirected());
        Assert.Equal("lost", EntryState(gone));
        Assert.Equal(next, Agent(Anna).BusyWith);
        var orders = await OrdersStatsAsync();
        Assert.Equal(1, orders.GetProperty("lost").GetInt32());
        Assert.Equal(0, orders.GetProperty("abandoned").GetInt32());
        Assert.Equal(0, orders.GetProperty("answered").GetInt32());
        // The caller behind is ringing Anna: no longer waiting in line.
        Assert.Equal(0, orders.GetProperty("waitingNow").GetInt32());
    }

    public static TheoryData<string> PassingFailures => new() { "503", "timeout", "network" };

    [Theory]
    [MemberData(nameof(PassingFailures))]
    public async Task ARedirectThatFailsForAWhile_DoesNotHoldUpTheCallersBehind_AndTheCallerKeepsTheirPlace(string failure)
    {
        await OnDutyAsync();
        var stuck = await QueueCallerAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var next = await QueueCallerAsync();
        _rest.Refuse(stuck, () => failure switch
        {
            "503" => new TwilioApiException(503, 20500, "Service unavailable", null),
            "timeout" => new TimeoutException("Twilio did not answer POST within 10 s, 4 times."),
            _ => new HttpRequestException("Connection reset by peer"),
        });

        await OnDutyAsync(Anna, Piotr);
        await DistributeAsync();
        await DistributeAsync();

        Assert.Contains(next, Redirected());
        Assert.Equal("waiting", EntryState(stuck));

        // Twilio recovers: the first caller is offered again, still ahead of anyone who came later.
        _rest.Unrefuse(stuck);
        _factory.Clock.Advance(TimeSpan.FromSeconds(QueueDistributor.SetAsideAfterFailureSeconds + 1));
        await DistributeAsync();
        Assert.Equal("offered", EntryState(stuck));
    }

    [Fact]
    public async Task ARedirectThatReachedTheCall_ButWhoseAnswerWasLost_KeepsTheAgentForThatCaller_AndCountsTheConversation()
    {
        await OnDutyAsync();
        var first = await QueueCallerAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var next = await QueueCallerAsync();
        // Twilio redirects the call (it asks for the TwiML that dials Anna), but the REST answer never comes back.
        XElement? dial = null;
        _rest.CarriedOut = async (callSid, request) =>
        {
            if (callSid == first)
                dial = (await _twilio.TwimlAsync(request.Url!.PathAndQuery, TwilioRequests.Gathered(callSid))).Descendants("Dial").Single();
        };
        _rest.Refuse(first, () => new TimeoutException("Twilio did not answer POST within 10 s, 4 times."));

        await OnDutyAsync(Anna);
        await DistributeAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(QueueDistributor.SetAsideAfterFailureSeconds + 1));
        await DistributeAsync();

        // Anna's phone rings for the first caller: she is not offered the next one meanwhile.
        Assert.NotNull(dial);
        Assert.Equal("offered", EntryState(first));
        Assert.Equal(first, Agent(Anna).BusyWith);
        Assert.DoesNotContain(next, Redirected());
        await AgentAnswersAsync(dial);
        var after = await DialedAsync(dial, first, "completed", talked: 60);
        Assert.Single(after.Descendants("Hangup"));
        await StatusAsync(first, duration: 70);
        var orders = await OrdersStatsAsync();
        Assert.Equal(1, orders.GetProperty("answered").GetInt32());
        Assert.Equal(0, orders.GetProperty("abandoned").GetInt32());
    }

    [Fact]
    public async Task ACallbackBehindACallerSetAside_IsPlacedMeanwhile()
    {
        _rest.PlacesCalls = true;
        await OnDutyAsync();
        var stuck = await QueueCallerAsync();
        _rest.Refuse(stuck, () => new TwilioApiException(503, 20500, "Service unavailable", null));
        _factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var booking = await _factory.Services.GetRequiredService<CallbackBookings>().BookAsync("+48500100300",
            _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);

        await OnDutyAsync(Anna, Piotr);
        await DistributeAsync();
        Assert.Equal("waiting", EntryState(stuck));
        await _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);

        Assert.Equal("+48500100300", (await PlacedAsync()).To);
        using var db = _factory.OpenDatabase();
        Assert.Equal("dialing", db.QuerySingle<string>("SELECT status FROM callbacks WHERE reference = @Reference", new { booking.Reference }));
    }

    [Fact]
    public async Task TheSweep_SettlesAWaitingCallerWhoseCallEndedUnheard_AndLeavesTheLiveOnesBe()
    {
        await OnDutyAsync();
        var gone = await QueueCallerAsync();
        var live = await QueueCallerAsync();
        var hungUpAt = Now + TimeSpan.FromSeconds(40);
        _rest.End(gone, hungUpAt);

        _factory.Clock.Advance(TimeSpan.FromSeconds(new QueueOptions().SweepAfterSeconds - 1));
        await SweepAsync();
        Assert.Empty(_rest.Fetches);

        _factory.Clock.Advance(TimeSpan.FromSeconds(2));
        await SweepAsync();
        Assert.Equal(new[] { gone, live }.Order(), _rest.Fetches.Order());
        Assert.Equal("abandoned", EntryState(gone));
        Assert.Equal("waiting", EntryState(live));
        using (var db = _factory.OpenDatabase())
            Assert.Equal(hungUpAt.ToUnixTimeMilliseconds(),
                db.QuerySingle<long>("SELECT ended_at FROM queue_entries WHERE call_sid = @gone", new { gone }));

        // The live caller was just heard of: not asked about again until a sweep period has passed.
        await SweepAsync();
        Assert.Equal(2, _rest.Fetches.Count);
        var orders = await OrdersStatsAsync();
        Assert.Equal(1, orders.GetProperty("abandoned").GetInt32());
        Assert.Equal(1, orders.GetProperty("waitingNow").GetInt32());
    }

    [Fact]
    public async Task TheSweep_FreesAnAgentWhoseCallEndedUnheard_AfterTheirWrapUp_AndCountsTheConversation()
    {
        await OnDutyAsync(Anna);
        var talking = await QueueCallerAsync();
        await DistributeAsync();
        var dial = await ConnectAsync(talking);
        await AgentAnswersAsync(dial);
        var bridgedAt = Now;
        var next = await QueueCallerAsync();

        // They talk for three minutes; the status callback and the dial action are lost.
        var endedAt = bridgedAt + TimeSpan.FromMinutes(3);
        _rest.End(talking, endedAt);
        _factory.Clock.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(10));
        await SweepAsync();

        Assert.Equal("answered", EntryState(talking));
        var anna = Agent(Anna);
        Assert.Null(anna.BusyWith);
        Assert.Equal((endedAt + TimeSpan.FromSeconds(30)).ToUnixTimeMilliseconds(), anna.FreeAt);
        await DistributeAsync();
        Assert.DoesNotContain(next, Redirected());

        _factory.Clock.Advance(TimeSpan.FromSeconds(21));
        await DistributeAsync();
        Assert.Contains(next, Redirected());
        var orders = await OrdersStatsAsync();
        Assert.Equal(1, orders.GetProperty("answered").GetInt32());
        Assert.Equal(180, orders.GetProperty("averageHandleSeconds").GetDouble());
        Assert.Equal(0, orders.GetProperty("abandoned").GetInt32());
    }

    [Fact]
    public async Task AnOutageWhileTheSweepAsksAboutAnAgentsCall_DoesNotKeepTheAgentFromTheNextCaller_OnceTwilioAnswers()
    {
        await OnDutyAsync(Anna);
        var talking = await QueueCallerAsync();
        await DistributeAsync();
        await AgentAnswersAsync(await ConnectAsync(talking));
        var next = await QueueCallerAsync();

        // They talk for three minutes; the status callback and the dial action are lost, and when the sweep asks
        // about the call Twilio cannot be reached.
        var endedAt = Now + TimeSpan.FromMinutes(3);
        _rest.End(talking, endedAt);
        _rest.FetchFailure = () => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (api.twilio.com:443)");
        _factory.Clock.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(10));
        await SweepAsync();
        Assert.Equal(talking, Agent(Anna).BusyWith);

        // Twilio answers again a few seconds later: the next sweep asks again at once, not a sweep period later, and
        // the caller waiting behind is put through to Anna as soon as her wrap-up is over.
        _rest.FetchFailure = null;
        _factory.Clock.Advance(TimeSpan.FromSeconds(15));
        await SweepAsync();
        Assert.Equal("answered", EntryState(talking));
        Assert.Equal((null, (endedAt + TimeSpan.FromSeconds(30)).ToUnixTimeMilliseconds()), (Agent(Anna).BusyWith, Agent(Anna).FreeAt));
        _factory.Clock.Advance(TimeSpan.FromSeconds(10));
        await DistributeAsync();
        Assert.Contains(next, Redirected());
    }

    [Fact]
    public async Task TheSweep_FreesAnAgentHeldByACallNoEntryAccountsFor_OrByACallbackThatIsSettled()
    {
        await OnDutyAsync(Anna, Piotr);
        var leftover = TwilioRequests.NewCallSid();
        var endedAt = Now + TimeSpan.FromSeconds(10);
        _rest.End(leftover, endedAt);
        using (var db = _factory.OpenDatabase())
        {
            // What a lost write or an older version could leave behind.
            db.Execute("UPDATE agents SET busy_call_sid = @leftover, busy_since = @at WHERE id = @Anna",
                new { leftover, at = Now.ToUnixTimeMilliseconds(), Anna });
            db.Execute("UPDATE agents SET busy_call_sid = 'callback:4242', busy_since = @at WHERE id = @Piotr",
                new { at = Now.ToUnixTimeMilliseconds(), Piotr });
        }

        _factory.Clock.Advance(TimeSpan.FromSeconds(new QueueOptions().SweepAfterSeconds + 1));
        await SweepAsync();

        Assert.Equal((null, (endedAt + TimeSpan.FromSeconds(30)).ToUnixTimeMilliseconds()), (Agent(Anna).BusyWith, Agent(Anna).FreeAt));
        Assert.Null(Agent(Piotr).BusyWith);
    }

    [Fact]
    public async Task TheSweep_SettlesAnAnsweredCallbackWhoseCallEndedUnheard_SoItsAgentIsNotHeldForever()
    {
        _rest.PlacesCalls = true;
        await OnDutyAsync(Anna);
        var booking = await _factory.Services.GetRequiredService<CallbackBookings>().BookAsync("+48500100300",
            _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);
        await _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);
        var create = await PlacedAsync();
        var customer = TwilioRequests.NewCallSid();
        var answer = await _twilio.TwimlAsync(create.Url!.PathAndQuery, TwilioRequests.Gathered(customer));
        Assert.Single(answer.Descendants("Dial"));
        Assert.Equal("callback:", Agent(Anna).BusyWith?[..9]);

        // The customer hangs up before Anna answers; the status callback and the dial action are both lost.
        _rest.End(customer, Now + TimeSpan.FromSeconds(20));
        _factory.Clock.Advance(TimeSpan.FromSeconds(new QueueOptions().SweepAfterSeconds + 1));
        await SweepAsync();
        _factory.Clock.Advance(CallbackDispatcher.AnsweredGrace + TimeSpan.FromSeconds(1));
        await _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);

        Assert.Null(Agent(Anna).BusyWith);
        using var db = _factory.OpenDatabase();
        Assert.Equal(("pending", "hung-up"), db.QuerySingle<(string, string)>(
            "SELECT status, last_result FROM callbacks WHERE reference = @Reference", new { booking.Reference }));
    }

    // ---- Agents follow the leg that holds them ----

    [Fact]
    public async Task TheStatusBeforeTheDialAction_OfACallerWhoHungUpWhileTheAgentRang_DoesNotLetTheLateActionTouchTheAgentsNextCall()
    {
        await OnDutyAsync(Anna);
        var first = await QueueCallerAsync();
        await DistributeAsync();
        var dial = await ConnectAsync(first);

        // The caller hangs up while Anna's phone rings; Twilio posts the call's end first.
        await StatusAsync(first);
        Assert.Equal("abandoned", EntryState(first));
        var second = await QueueCallerAsync();
        await DistributeAsync();
        Assert.Equal(second, Agent(Anna).BusyWith);

        var late = await DialedAsync(dial, first, "no-answer");
        Assert.NotNull(late.Root!.Element("Hangup"));
        Assert.Equal((second, (long?)null), (Agent(Anna).BusyWith, Agent(Anna).AwayUntil));
        Assert.Equal("offered", EntryState(second));
        Assert.Equal("abandoned", EntryState(first));
    }

    [Fact]
    public async Task ARepeatedDialAction_DoesNotTakeTheCallerFromTheAgentTheyWereOfferedToNext()
    {
        await OnDutyAsync(Anna, Piotr);
        var caller = await QueueCallerAsync();
        await DistributeAsync();
        var dial = await ConnectAsync(caller);
        var missedBy = Agent(Anna).BusyWith == caller ? Anna : Piotr;
        var next = missedBy == Anna ? Piotr : Anna;

        await DialedAsync(dial, caller, "no-answer");
        await DistributeAsync();
        Assert.Equal(caller, Agent(next).BusyWith);

        // Twilio retries the same action (our first answer was slow): it is the same missed ring, not a new one.
        await DialedAsync(dial, caller, "no-answer");

        Assert.Equal("offered", EntryState(caller));
        Assert.Equal((caller, (long?)null), (Agent(next).BusyWith, Agent(next).AwayUntil));
        Assert.Equal(2, _rest.Updates.Count(u => u.CallSid == caller));
    }

    [Fact]
    public async Task ADialActionReportingMoreTalkThanTimeInLine_IsAnsweredWithoutAnApology_AndCountsNoNegativeWait()
    {
        await OnDutyAsync(Anna);
        var caller = await QueueCallerAsync();
        await DistributeAsync();
        var dial = await ConnectAsync(caller);
        _factory.Clock.Advance(TimeSpan.FromSeconds(10));

        // Ten seconds after the offer, a duration of a minute: clocks disagree, or the report is odd.
        var answer = await DialedAsync(dial, caller, "completed", talked: 60);

        Assert.Equal("Hangup", Assert.Single(answer.Root!.Elements()).Name.LocalName);
        var orders = await OrdersStatsAsync();
        Assert.Equal(1, orders.GetProperty("answered").GetInt32());
        Assert.True(orders.GetProperty("averageSpeedOfAnswerSeconds").GetDouble() >= 0);
    }

    [Fact]
    public async Task AStaleDialActionOfAnEarlierCaller_NeverFreesTheAgentFromTheCallTheyAreOnNow()
    {
        await OnDutyAsync(Anna);
        var first = await QueueCallerAsync();
        await DistributeAsync();
        var dial = await ConnectAsync(first);
        await AgentAnswersAsync(dial);
        _factory.Clock.Advance(TimeSpan.FromSeconds(95));
        await DialedAsync(dial, first, "completed", talked: 95);

        _factory.Clock.Advance(TimeSpan.FromSeconds(31));
        var second = await QueueCallerAsync();
        await DistributeAsync();
        Assert.Equal(second, Agent(Anna).BusyWith);

        // The first caller's dial action once more, late.
        await DialedAsync(dial, first, "completed", talked: 95);
        var third = await QueueCallerAsync();
        await DistributeAsync();

        Assert.Equal(second, Agent(Anna).BusyWith);
        Assert.DoesNotContain(third, Redirected());
        var orders = await OrdersStatsAsync();
        Assert.Equal(1, orders.GetProperty("answered").GetInt32());
        Assert.Equal(95, orders.GetProperty("averageHandleSeconds").GetDouble());
    }

    [Fact]
    public async Task TheCallsEnd_ReportedBeforeTheDialActionOfACallerWhoTalked_CountsThemAnswered_AndKeepsTheAgentsWrapUp()
    {
        await OnDutyAsync(Anna);
        var caller = await QueueCallerAsync();
        await DistributeAsync();
        var dial = await ConnectAsync(caller);
        await AgentAnswersAsync(dial);
        _factory.Clock.Advance(TimeSpan.FromSeconds(60));
        var next = await QueueCallerAsync();

        await StatusAsync(caller, duration: 130);

        Assert.Equal("answered", EntryState(caller));
        var orders = await OrdersStatsAsync();
        Assert.Equal((0, 1), (orders.GetProperty("abandoned").GetInt32(), orders.GetProperty("answered").GetInt32()));
        await DistributeAsync();
        Assert.DoesNotContain(next, Redirected());

        // Then the dial action, with the exact length of the conversation; it is the same conversation, counted once.
        _factory.Clock.Advance(TimeSpan.FromSeconds(1));
        await DialedAsync(dial, caller, "completed", talked: 61);
        orders = await OrdersStatsAsync();
        Assert.Equal((0, 1, 61.0), (orders.GetProperty("abandoned").GetInt32(), orders.GetProperty("answered").GetInt32(),
            orders.GetProperty("averageHandleSeconds").GetDouble()));

        _factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await DistributeAsync();
        Assert.Contains(next, Redirected());
    }

    // ---- A phone that rang out is asked about once its ring is over, not a sweep period later ----

    private string AttemptCallSid(string reference)
    {
        using var db = _factory.OpenDatabase();
        return db.QuerySingle<string>("SELECT attempt_call_sid FROM callbacks WHERE reference = @reference", new { reference });
    }

    [Fact]
    public async Task ADispatch_AskedForWhileTheBackgroundOneIsPlacingACall_ReturnsWithThatCallRecorded()
    {
        _rest.PlacesCalls = true;
        var twilioAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rest.CreateAnswered = () => twilioAnswers.Task;
        await OnDutyAsync(Anna);
        // The booking wakes the background dispatcher, which claims it and asks Twilio to call the customer.
        var booking = await _factory.Services.GetRequiredService<CallbackBookings>().BookAsync("+48500100300",
            _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);
        await PlacedAsync();

        var dispatch = _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);
        twilioAnswers.SetResult();
        await dispatch;

        // One dispatch at a time: this one returns only after the try in flight is recorded with Twilio's call.
        Assert.NotNull(AttemptCallSid(booking.Reference));
        Assert.Single(_rest.Creates);
    }

    [Fact]
    public async Task ACallbackTryThatRangOut_WithItsStatusLost_FreesItsAgentForTheCallerBehindSoonAfterTheRing()
    {
        _rest.PlacesCalls = true;
        await OnDutyAsync(Anna);
        var booking = await _factory.Services.GetRequiredService<CallbackBookings>().BookAsync("+48500100300",
            _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);
        await _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);
        await PlacedAsync();
        var customer = AttemptCallSid(booking.Reference);
        var placedAt = Now;
        var caller = await QueueCallerAsync();
        var ring = TimeSpan.FromSeconds(new CallbackOptions().RingSeconds);

        // While the customer's phone may still ring, Anna stays theirs.
        _factory.Clock.Advance(ring / 2);
        await SweepAsync();
        Assert.StartsWith("callback:", Agent(Anna).BusyWith);

        // Nobody answered; the status callback saying so was lost. Long before the sweep period, Twilio is asked.
        _rest.End(customer, placedAt + ring, "no-answer");
        _factory.Clock.Advance(ring / 2 + TimeSpan.FromSeconds(10));
        Assert.True(Now - placedAt < TimeSpan.FromSeconds(new QueueOptions().SweepAfterSeconds / 2));
        await SweepAsync();

        // Free, or already offered the caller behind by the background round.
        Assert.Contains(Agent(Anna).BusyWith, new[] { null, caller });
        using (var db = _factory.OpenDatabase())
            Assert.Equal(("pending", "no-answer", 1), db.QuerySingle<(string, string, int)>(
                "SELECT status, last_result, attempts FROM callbacks WHERE reference = @Reference", new { booking.Reference }));
        await DistributeAsync();
        Assert.Contains(caller, Redirected());
        // The try is settled once: the customer is not dialled again before the retry delay.
        Assert.Single(_rest.Creates);
    }

    [Fact]
    public async Task AnAgentsLegThatRangOut_WithTheDialActionAndTheStatusLost_FreesTheAgentSoonAfterTheRing()
    {
        await OnDutyAsync(Anna);
        var caller = await QueueCallerAsync();
        await DistributeAsync();
        await ConnectAsync(caller);
        var ringFrom = Now;
        var next = await QueueCallerAsync();
        var ring = TimeSpan.FromSeconds(new QueueOptions().RingSeconds);

        // Anna's phone rang out; the dial action was lost, so the call ended, and its status callback was lost as well.
        _rest.End(caller, ringFrom + ring + TimeSpan.FromSeconds(1));
        _factory.Clock.Advance(ring + TimeSpan.FromSeconds(10));
        await SweepAsync();

        Assert.Contains(Agent(Anna).BusyWith, new[] { null, next });
        Assert.Equal("abandoned", EntryState(caller));
        await DistributeAsync();
        Assert.Contains(next, Redirected());
    }

    // ---- A caller who hung up is counted abandoned, even when the distributor learned of it first ----

    [Fact]
    public async Task ACallerClosedAsLost_WhoseLateStatusSaysTheyHungUp_IsCountedAbandonedAtTheirHangUp()
    {
        await OnDutyAsync();
        var caller = await QueueCallerAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(40));
        var hungUpAt = Now;
        // The caller hangs up; the status callback is late, and the distributor offers them meanwhile: Twilio refuses.
        _rest.End(caller, hungUpAt);
        _factory.Clock.Advance(TimeSpan.FromSeconds(5));
        await OnDutyAsync(Anna);
        await DistributeAsync();
        Assert.Equal("lost", EntryState(caller));

        _factory.Clock.Advance(TimeSpan.FromSeconds(10));
        await StatusAsync(caller, duration: 40);

        Assert.Equal("abandoned", EntryState(caller));
        var orders = await OrdersStatsAsync();
        Assert.Equal((1, 0, 0), (orders.GetProperty("abandoned").GetInt32(), orders.GetProperty("lost").GetInt32(),
            orders.GetProperty("answered").GetInt32()));
        using var db = _factory.OpenDatabase();
        Assert.Equal(hungUpAt.ToUnixTimeMilliseconds(),
            db.QuerySingle<long>("SELECT ended_at FROM queue_entries WHERE call_sid = @caller", new { caller }));
        // Anna was never rung for them and stays free.
        Assert.Null(Agent(Anna).BusyWith);
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class QueueFaultTestsOnPostgres : QueueFaultTests
{
    protected override Backend Backend => Backend.Postgres;
}
