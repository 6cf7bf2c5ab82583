using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// Whole busy periods through the switchboard (the simulator standing in for Twilio: queues, the REST API, agents'
/// phones) and the real service, on virtual time: the service's clock is the switchboard's.
/// </summary>
public sealed class QueueEndToEndTests
{
    private const string ApiKey = SwitchboardWorld.ApiKey;
    private const string Anna = SwitchboardWorld.Anna;
    private const string Piotr = SwitchboardWorld.Piotr;
    private const string Katarzyna = SwitchboardWorld.Katarzyna;

    private static SwitchboardWorld Build(IReadOnlyDictionary<string, SimulatedAgent> agents, Func<Random, TimeSpan> patience) =>
        SwitchboardWorld.Build(agents, patience);

    // Callers who press 1 (order status) and 1 (talk to the orders team), one every 20 s, and let a callback
    // offer pass.
    private static IEnumerable<IncomingCall> Callers(int count) =>
        Enumerable.Range(0, count).Select(i => new IncomingCall(TimeSpan.FromSeconds(20 * i), new ScriptedCaller(["1", "1", "-"]))
        {
            From = $"+4850010{i:D4}",
        });

    [Fact]
    public async Task ThirtyCallersAndThreeAgents_EveryCallerIsAnsweredInArrivalOrder_OrRecordedAsAbandoned()
    {
        var talk = TimeSpan.FromSeconds(90);
        await using var world = Build(new Dictionary<string, SimulatedAgent>
        {
            [Anna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
            [Piotr] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
            [Katarzyna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
        }, Draw.Exponential(TimeSpan.FromMinutes(4)));

        var calls = await world.Board.RunAsync(Callers(30), until: TimeSpan.FromHours(2));

        Assert.Equal(30, calls.Count);
        Assert.All(calls, call => Assert.False(call.HadApplicationError, call.Transcript()));
        var answered = calls.Where(c => c.AnsweredAt is not null).ToList();
        var abandoned = calls.Where(c => c.Abandoned).ToList();
        Assert.Equal(30, answered.Count + abandoned.Count);
        Assert.NotEmpty(answered);

        // First come, first served: the service handed callers to agents in the order they joined its queue.
        using var db = world.Factory.OpenDatabase();
        var offered = db.Query<long>(
            "SELECT offered_at FROM queue_entries WHERE state = 'answered' ORDER BY enqueued_at, id").ToList();
        Assert.Equal(offered.Order(), offered);

        // The service saw the same calls: nobody lost, nobody still waiting, and its figures agree.
        var states = db.Query<(string State, long Count)>("SELECT state, COUNT(*) FROM queue_entries GROUP BY state").ToDictionary(r => r.State, r => r.Count);
        Assert.Equal(answered.Count, states.GetValueOrDefault("answered"));
        Assert.Equal(abandoned.Count, states.GetValueOrDefault("abandoned"));
        Assert.Equal(30, states.Values.Sum());
        var stats = await world.Api.GetFromJsonAsync<JsonElement>("/api/stats");
        var orders = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
        Assert.Equal(answered.Count, orders.GetProperty("answered").GetInt32());
        Assert.Equal(90, orders.GetProperty("averageHandleSeconds").GetDouble(), 0);
        Assert.True(orders.GetProperty("announcements").GetInt32() >= 30);
    }

    [Fact]
    public async Task AnAgentWhoDoesNotAnswer_IsSetAside_AndTheOthersServeEveryone()
    {
        await using var world = Build(new Dictionary<string, SimulatedAgent>
        {
            [Anna] = SimulatedAgent.NoAnswer,
            [Piotr] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(40)),
            [Katarzyna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(40)),
        }, Draw.Fixed(TimeSpan.FromHours(1)));

        var calls = await world.Board.RunAsync(Callers(6), until: TimeSpan.FromHours(1));

        Assert.All(calls, call => Assert.NotNull(call.AnsweredAt));
        // The caller offered to Anna rang her in vain and was put through to someone else. (What they were told in
        // between may be cut short by the next redirect, as on Twilio, so the dials are what is checked.)
        var offeredTwice = calls.Where(c => c.Events.OfType<Dialed>().Count() >= 2).ToList();
        Assert.NotEmpty(offeredTwice);
        Assert.All(offeredTwice, call => Assert.Equal(Anna, call.Events.OfType<Dialed>().First().Targets.Single().Address));
        var agents = await world.Api.GetFromJsonAsync<JsonElement>("/api/agents");
        var anna = agents.EnumerateArray().Single(a => a.GetProperty("id").GetString() == "orders.anna");
        Assert.False(anna.GetProperty("onDuty").GetBoolean());
        using var db = world.Factory.OpenDatabase();
        Assert.Equal(0L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_entries WHERE state = 'answered' AND agent_id = 'orders.anna'"));
    }

    [Fact]
    public async Task AnAgentWhoIsAway_GetsNoCalls()
    {
        await using var world = Build(new Dictionary<string, SimulatedAgent>
        {
            [Anna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30)),
            [Piotr] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30)),
            [Katarzyna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30)),
        }, Draw.Fixed(TimeSpan.FromHours(1)));
        using (var away = await world.Api.PutAsJsonAsync("/api/agents/orders.piotr/status", new { status = "away" }))
            away.EnsureSuccessStatusCode();

        var calls = await world.Board.RunAsync(Callers(5), until: TimeSpan.FromHours(1));

        Assert.All(calls, call => Assert.NotNull(call.AnsweredAt));
        using var db = world.Factory.OpenDatabase();
        Assert.Equal(0L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_entries WHERE agent_id = 'orders.piotr'"));
    }
}

public sealed class LocalModeTests
{
    [Fact]
    public void TheServiceInLocalMode_LooksForTheRestApiWhereThePhoneCommandServesIt()
    {
        var local = new TwilioOptions();
        Assert.True(local.IsLocalMode);
        Assert.Equal(SwitchboardListener.LocalPort, new Uri(local.EffectiveApiBaseUrl).Port);

        var configured = new TwilioOptions { ApiBaseUrl = "http://127.0.0.1:6001" };
        Assert.Equal("http://127.0.0.1:6001", configured.EffectiveApiBaseUrl);
        var twilio = new TwilioOptions { AccountSid = "AC" + new string('1', 32), AuthToken = "token" };
        Assert.Equal(TwilioOptions.TwilioApiBaseUrl, twilio.EffectiveApiBaseUrl);
    }
}
