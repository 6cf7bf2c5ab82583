using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// Callbacks through the switchboard and the real service on virtual time: placed when their place in line comes
/// up, answered by the customer and put through to an agent, retried when nobody answers.
/// </summary>
public sealed class CallbackEndToEndTests
{
    private const string Customer = "+48500100200";

    private static readonly Dictionary<string, SimulatedAgent> ThreeAgents = new()
    {
        [SwitchboardWorld.Anna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)),
        [SwitchboardWorld.Piotr] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)),
        [SwitchboardWorld.Katarzyna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)),
    };

    private static Task<CallbackBooking> BookAsync(SwitchboardWorld world, string number) =>
        world.Factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            number, world.Factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);

    private static string StatusOf(SwitchboardWorld world, string reference)
    {
        using var db = world.Factory.OpenDatabase();
        return db.QuerySingle<string>("SELECT status FROM callbacks WHERE reference = @reference", new { reference });
    }

    // Moves virtual time on (settling the service's work at each step) until the condition holds.
    private static async Task RunUntilAsync(SwitchboardWorld world, Func<bool> done, TimeSpan limit)
    {
        var deadline = world.Clock.GetUtcNow() + limit;
        var timerSet = new Pulse();
        world.Clock.TimerSet += timerSet.Beat;
        while (true)
        {
            await world.Board.SettleAsync();
            if (done())
                return;
            var next = world.Clock.NextDue;
            if (next is null)
            {
                // The service's background rounds set their next timer when they finish: await a running one.
                await timerSet.UntilAsync(() => world.Clock.NextDue is not null, "a background round to set its next timer");
                await world.Board.SettleAsync();
                next = world.Clock.NextDue;
            }
            if (next is null || next > deadline)
            {
                using var db = world.Factory.OpenDatabase();
                var state = string.Join("; ", db.Query<(string, int, string?, long, long?)>(
                    "SELECT status, attempts, last_result, due_at, claimed_at FROM callbacks"));
                Assert.Fail($"the condition did not come true in time (at {world.Clock.GetUtcNow():HH:mm:ss}, next {next:HH:mm:ss}): {state}");
            }
            world.Clock.AdvanceTo(next!.Value);
        }
    }

    [Fact]
    public async Task AFormBooking_IsPlaced_AnsweredByTheCustomer_AndPutThroughToAnAgentWithAWhisper()
    {
        await using var world = SwitchboardWorld.Build(ThreeAgents, Draw.Fixed(TimeSpan.FromHours(1)),
            customers: number => number == Customer
                ? SimulatedCustomer.Answering(TimeSpan.FromSeconds(5), new ScriptedCaller([]))
                : SimulatedCustomer.NeverAnswers);

        var booking = await BookAsync(world, Customer);
        await RunUntilAsync(world, () => StatusOf(world, booking.Reference) == "connected", TimeSpan.FromMinutes(10));
        await world.Board.SettleAsync();

        var call = await Assert.Single(world.Board.Calls);
        Assert.Equal("outbound-api", call.Direction);
        var reference = string.Join(" ", booking.Reference.ToCharArray());
        Assert.Contains($"Dzień dobry, tu Sklep Przykładowy. Oddzwaniamy w sprawie zgłoszenia numer {reference}: dział zamówień.", call.Spoken);
        var whisper = Assert.Single(call.Events.OfType<Whispered>());
        Assert.StartsWith("Oddzwonienie: dział zamówień. Klient czekał", whisper.Text);
        Assert.EndsWith("Numer 5 0 0 1 0 0 2 0 0.", whisper.Text);
        Assert.NotNull(call.AnsweredAt);

        var stats = await world.Api.GetFromJsonAsync<JsonElement>("/api/stats");
        var orders = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
        var callbacks = orders.GetProperty("callbacks");
        Assert.Equal(1, callbacks.GetProperty("booked").GetInt32());
        Assert.Equal(1, callbacks.GetProperty("placed").GetInt32());
        Assert.Equal(1, callbacks.GetProperty("connected").GetInt32());
        Assert.InRange(callbacks.GetProperty("averageMinutesToConnect").GetDouble(), 0.01, 2);
    }

    [Fact]
    public async Task ACustomerWhoNeverAnswers_IsTriedAgainAfterTheDelay_ThenTheCallbackFails_AndAgentsAreFreedEachTime()
    {
        await using var world = SwitchboardWorld.Build(ThreeAgents, Draw.Fixed(TimeSpan.FromHours(1)),
            customers: _ => SimulatedCustomer.NeverAnswers,
            settings: new() { ["Callbacks:RetryDelaySeconds"] = "300", ["Callbacks:MaxAttempts"] = "3" });

        var booking = await BookAsync(world, Customer);
        await RunUntilAsync(world, () => StatusOf(world, booking.Reference) == "failed", TimeSpan.FromHours(1));
        await world.Board.SettleAsync();

        var tries = world.Board.Calls.Select(c => c.Result).OrderBy(c => c.StartedAt).ToList();
        Assert.Equal(3, tries.Count);
        Assert.All(tries.Zip(tries.Skip(1)), pair => Assert.True(pair.Second.StartedAt - pair.First.StartedAt >= TimeSpan.FromSeconds(300)));
        using var db = world.Factory.OpenDatabase();
        Assert.Equal(0L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM agents WHERE busy_call_sid IS NOT NULL"));
        Assert.Equal(["no-answer", "no-answer", "no-answer"],
            db.Query<string>("SELECT result FROM callback_attempts ORDER BY attempt").ToList());
        Assert.Equal(3, db.ExecuteScalar<int>("SELECT attempts FROM callbacks"));
    }

    [Fact]
    public async Task ACallerWhoBooksACallbackInTheQueue_KeepsTheirPlaceAheadOfLaterCallers()
    {
        var agents = new Dictionary<string, SimulatedAgent>
        {
            [SwitchboardWorld.Anna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(10)),
        };
        const string booker = "+48500100001";
        await using var world = SwitchboardWorld.Build(agents, Draw.Fixed(TimeSpan.FromHours(2)),
            customers: number => number == booker
                ? SimulatedCustomer.Answering(TimeSpan.FromSeconds(5), new ScriptedCaller([]))
                : SimulatedCustomer.NeverAnswers);
        foreach (var away in new[] { "orders.piotr", "orders.katarzyna" })
            using (var response = await world.Api.PutAsJsonAsync($"/api/agents/{away}/status", new { status = "away" }))
                response.EnsureSuccessStatusCode();

        // The first caller gets Anna; the second presses 1 for a callback as they join (and confirms their number);
        // the third, who came later, waits on the line.
        var calls = await world.Board.RunAsync(
        [
            new IncomingCall(TimeSpan.Zero, new ScriptedCaller(["1", "1"])) { From = "+48500100000" },
            new IncomingCall(TimeSpan.FromSeconds(20), new ScriptedCaller(["1", "1", "1", "1"])) { From = booker },
            new IncomingCall(TimeSpan.FromSeconds(40), new ScriptedCaller(["1", "1", "-"])) { From = "+48500100002" },
        ], until: TimeSpan.FromHours(1));

        using var db = world.Factory.OpenDatabase();
        var callback = db.QuerySingle<(long RequestedAt, string Status, string Source, int Attempts, string? LastResult)>(
            "SELECT requested_at, status, source, attempts, last_result FROM callbacks");
        Assert.True(callback.Status == "connected", $"{callback} {string.Join(" | ", calls.Select(c => c.Transcript()))}");
        Assert.Equal("queue", callback.Source);
        var bookerJoined = db.QuerySingle<long>(
            "SELECT q.enqueued_at FROM queue_entries q JOIN calls c ON c.call_sid = q.call_sid WHERE c.caller = @booker AND q.state = 'callback'",
            new { booker });
        Assert.Equal(bookerJoined, callback.RequestedAt);

        var claimed = db.QuerySingle<long>("SELECT claimed_at FROM callback_attempts");
        var thirdOffered = db.QuerySingle<long>(
            "SELECT q.offered_at FROM queue_entries q JOIN calls c ON c.call_sid = q.call_sid WHERE c.caller = '+48500100002' AND q.state = 'answered'");
        Assert.True(claimed < thirdOffered, "the callback was placed before the later caller was put through");
        Assert.Contains(calls, c => c.Direction == "inbound" && c.Spoken.Any(s => s.StartsWith("Dziękujemy, oddzwonimy. Numer zgłoszenia")));
    }
}
