using System.Collections.Concurrent;
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
/// A callback the customer answered: the end of their call may be reported before the agent's leg says they talked,
/// and a customer who talked is never called again; one who hung up before reaching an agent is.
/// </summary>
public class AnsweredTryTests : IAsyncLifetime
{
    private const string Customer = "+48500100200";
    private const string ApiKey = "test-key";
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    private readonly Creates _twilio = new();
    private HotlineFactory _factory = null!;
    private TwilioRequests _requests = null!;

    private sealed class Creates : ITwilioCalls
    {
        public ConcurrentQueue<CreateCallRequest> Requests { get; } = new();
        public Pulse Asked { get; } = new();

        public Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct)
        {
            Requests.Enqueue(request);
            Asked.Beat();
            return Task.FromResult(new TwilioCall { Sid = "CA" + Guid.NewGuid().ToString("N"), Status = "queued" });
        }

        public Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct) =>
            Task.FromResult(new TwilioCall { Sid = callSid, Status = "in-progress" });

        public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct) =>
            Task.FromResult(new TwilioCall { Sid = callSid, Status = "in-progress" });
    }

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey }, services: s => s.AddSingleton<ITwilioCalls>(_twilio), backend: Backend);
        _requests = new TwilioRequests(_factory.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private Task DispatchAsync() => _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);

    // Booked, placed, and answered by the customer: returns the booking, the call and the TwiML they were given.
    private async Task<(string Reference, string CallSid, XDocument Answer, CreateCallRequest Create)> AnsweredAsync()
    {
        var booking = await _factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            Customer, _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);
        await DispatchAsync();
        await _twilio.Asked.UntilAsync(() => !_twilio.Requests.IsEmpty, "the callback to be placed");
        var create = Assert.Single(_twilio.Requests);
        var callSid = "CA" + new string('5', 32);
        var answered = TwilioRequests.Gathered(callSid);
        var answer = await _requests.TwimlAsync(create.Url!.PathAndQuery, answered);
        return (booking.Reference, callSid, answer, create);
    }

    private async Task ReportAsync(string pathAndQuery, Dictionary<string, string> form)
    {
        using var response = await _requests.PostAsync(pathAndQuery, form);
        response.EnsureSuccessStatusCode();
    }

    private (string Status, int Attempts, long BusyAgents) State(string reference)
    {
        using var db = _factory.OpenDatabase();
        var (status, attempts) = db.QuerySingle<(string, int)>("SELECT status, attempts FROM callbacks WHERE reference = @reference", new { reference });
        return (status, attempts, db.ExecuteScalar<long>("SELECT COUNT(*) FROM agents WHERE busy_call_sid IS NOT NULL"));
    }

    [Fact]
    public async Task TheCallsEnd_ReportedBeforeTheAgentsLeg_DoesNotCallTheCustomerAgain()
    {
        var (reference, callSid, answer, create) = await AnsweredAsync();
        var dialedUrl = new Uri(answer.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery;

        var ended = TwilioRequests.Gathered(callSid);
        ended["CallStatus"] = "completed";
        await ReportAsync(create.StatusCallback!.PathAndQuery, ended);
        _factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await DispatchAsync();
        Assert.Equal(("answered", 1, 1L), State(reference));

        var dialed = TwilioRequests.Gathered(callSid);
        dialed["DialCallStatus"] = "completed";
        dialed["DialCallDuration"] = "120";
        await ReportAsync(dialedUrl, dialed);
        _factory.Clock.Advance(TimeSpan.FromMinutes(10));
        await DispatchAsync();

        Assert.Equal(("connected", 1, 0L), State(reference));
        Assert.Single(_twilio.Requests);
    }

    [Fact]
    public async Task AnAgentsMissedRing_ReportedTwice_PutsTheCustomerInLineOnce()
    {
        var (_, callSid, answer, _) = await AnsweredAsync();
        var dialedUrl = new Uri(answer.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery;
        var missed = TwilioRequests.Gathered(callSid);
        missed["DialCallStatus"] = "no-answer";

        var first = await _requests.TwimlAsync(dialedUrl, missed);
        var again = await _requests.TwimlAsync(dialedUrl, missed);

        Assert.Equal("orders", first.Descendants("Enqueue").Single().Value);
        Assert.Equal("orders", again.Descendants("Enqueue").Single().Value);
        using var db = _factory.OpenDatabase();
        Assert.Equal(1L, db.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM queue_entries WHERE call_sid = @callSid AND state IN ('waiting', 'offered')", new { callSid }));
    }

    [Fact]
    public async Task ACustomerWhoHangsUpBeforeReachingAnAgent_IsCalledAgainLater_AndTheAgentIsFreed()
    {
        var (reference, callSid, _, create) = await AnsweredAsync();

        var ended = TwilioRequests.Gathered(callSid);
        ended["CallStatus"] = "completed";
        await ReportAsync(create.StatusCallback!.PathAndQuery, ended);
        _factory.Clock.Advance(CallbackDispatcher.AnsweredGrace + TimeSpan.FromSeconds(1));
        await DispatchAsync();

        Assert.Equal(("pending", 1, 0L), State(reference));
        using var db = _factory.OpenDatabase();
        Assert.Equal("hung-up", db.QuerySingle<string>("SELECT last_result FROM callbacks WHERE reference = @reference", new { reference }));
    }
    [Fact]
    public async Task AConversationWhoseAgentLegReportIsLost_IsConnected_AndTheAgentIsFreeAfterWrapUp()
    {
        var (reference, callSid, answer, create) = await AnsweredAsync();
        var whisper = new Uri(answer.Descendants("Sip").Concat(answer.Descendants("Number")).Concat(answer.Descendants("Client"))
            .Single().Attribute("url")!.Value).PathAndQuery;
        var agentLeg = TwilioRequests.Gathered("CA" + new string('6', 32));
        agentLeg["ParentCallSid"] = callSid;
        await ReportAsync(whisper, agentLeg);
        _factory.Clock.Advance(TimeSpan.FromSeconds(90));

        // They talked, then the customer hung up; the dial action that would say so never arrives.
        var ended = TwilioRequests.Gathered(callSid);
        ended["CallStatus"] = "completed";
        await ReportAsync(create.StatusCallback!.PathAndQuery, ended);

        // Connected at once, and the agent goes to wrap-up rather than being held until the try is given up.
        Assert.Equal(("connected", 1, 0L), State(reference));
        using (var db = _factory.OpenDatabase())
            Assert.Equal(1L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM agents WHERE free_at > @now",
                new { now = _factory.Clock.GetUtcNow().ToUnixTimeMilliseconds() }));
        _factory.Clock.Advance(TimeSpan.FromMinutes(10));
        await DispatchAsync();
        Assert.Equal(("connected", 1, 0L), State(reference));
        Assert.Single(_twilio.Requests);
    }
    [Fact]
    public async Task ACustomerCalledBack_WhoWaitsInLine_IsACallbackInTheFigures_NotAnotherCallOffered()
    {
        var (_, callSid, answer, _) = await AnsweredAsync();
        var dialedUrl = new Uri(answer.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery;
        var missed = TwilioRequests.Gathered(callSid);
        missed["DialCallStatus"] = "no-answer";
        await ReportAsync(dialedUrl, missed);

        // They are in the line (waiting, or offered to another agent by now), yet nobody called the hotline today:
        // the figures count one callback placed, not a call offered.
        using var api = _factory.CreateClient();
        api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        var stats = await api.GetFromJsonAsync<JsonElement>("/api/stats");
        var orders = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
        using (var db = _factory.OpenDatabase())
            Assert.Equal(1L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_entries WHERE call_sid = @callSid", new { callSid }));
        Assert.Equal(0, orders.GetProperty("offered").GetInt32());
        Assert.Equal(1, orders.GetProperty("callbacks").GetProperty("placed").GetInt32());
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class AnsweredTryTestsOnPostgres : AnsweredTryTests
{
    protected override Backend Backend => Backend.Postgres;
}
