using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Simulator;

namespace Ivr.Api.Tests;

/// <summary>
/// Half an hour of callers through the real service while the switchboard loses, repeats, reorders and delays
/// webhooks and its REST API fails in turn with 5xx, 429, timeouts and refused connections. Run once for the class;
/// each promise the hotline makes is its own test.
/// </summary>
public sealed class ChaosHour : IAsyncLifetime
{
    public const string Faults =
        "lose-status=0.1,lose-action=0.1,duplicate=0.1,reorder=0.2,late=0.1,late-by=10," +
        "rest-5xx=240..480,rest-429=600..720,rest-timeout=900..1020,rest-refused=1200..1320";

    private SwitchboardWorld? _world;

    public IReadOnlyList<Invariant> Results { get; private set; } = [];
    public IReadOnlyDictionary<string, int> Injected { get; private set; } = new Dictionary<string, int>();
    public int Calls { get; private set; }
    public TimeSpan Took { get; private set; }

    public string Report => $"{Calls} calls in {Took.TotalSeconds:0.0} s; injected: " +
                            string.Join(", ", Injected.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}")) + "\n" +
                            HourInvariants.Table(Results);

    public Invariant Result(string startOfName) => Results.Single(r => r.Name.StartsWith(startOfName, StringComparison.Ordinal));

    public async Task InitializeAsync()
    {
        var talk = Draw.Exponential(TimeSpan.FromSeconds(60));
        var agents = new Dictionary<string, SimulatedAgent>
        {
            [SwitchboardWorld.Anna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
            [SwitchboardWorld.Piotr] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
            [SwitchboardWorld.Katarzyna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
        };
        // Every third caller takes the callback offered; every fifth customer lets the callback ring out.
        var arrivals = Draw.PoissonArrivals(seed: 11, perHour: 80, TimeSpan.FromMinutes(30), _ => new ScriptedCaller([]))
            .Select((call, i) => call with
            {
                From = Number(i),
                Caller = new ScriptedCaller(i % 3 == 0 ? ["1", "1", "1", "1"] : ["1", "1", "-"]),
            }).ToList();
        var customers = arrivals.Select((call, i) => (call.From, i)).ToDictionary(c => c.From,
            c => c.i % 5 == 0 ? SimulatedCustomer.NeverAnswers : SimulatedCustomer.Answering(TimeSpan.FromSeconds(8), new ScriptedCaller([])));

        _world = SwitchboardWorld.Build(agents, Draw.Exponential(TimeSpan.FromMinutes(3)),
            number => customers.GetValueOrDefault(number, SimulatedCustomer.NeverAnswers),
            new Dictionary<string, string?> { ["Callbacks:RetryDelaySeconds"] = "120" },
            faults: SwitchboardFaults.Parse(Faults, SwitchboardWorld.Opening, seed: 5));
        var world = _world;

        var wall = Stopwatch.StartNew();
        await world.Board.RunAsync(arrivals, until: TimeSpan.FromHours(2));
        await SettleCallbacksAsync(world, world.Clock.GetUtcNow() + TimeSpan.FromHours(1));
        var calls = await world.Board.RunAsync([], until: TimeSpan.Zero);
        Took = wall.Elapsed;

        var stats = await world.Api.GetFromJsonAsync<JsonElement>("/api/stats");
        var orders = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
        using var db = world.Factory.OpenDatabase();
        var bookings = db.Query<(string Number, string Status)>("SELECT number, status FROM callbacks ORDER BY id")
            .GroupBy(b => b.Number).ToDictionary(g => g.Key, g => g.Last().Status);
        Results = new HourInvariants
        {
            Outages = world.Board.Options.Faults.RestOutages,
            Calls = calls,
            Webhooks = world.Board.WebhookAnswers,
            Creates = world.Board.Creates,
            AgentsByQueue = new Dictionary<string, IReadOnlyList<string>> { ["orders"] = agents.Keys.ToList() },
            ServiceFigures = HourInvariants.FiguresOf(orders),
            ServiceBookings = bookings,
        }.Check();
        Injected = world.Board.Injected;
        Calls = calls.Count;
    }

    public async Task DisposeAsync()
    {
        if (_world is not null)
            await _world.DisposeAsync();
    }

    private static string Number(int index) => "+4850" + index.ToString("D7", CultureInfo.InvariantCulture);

    // After the callers have hung up, moves time on until no callback is open or the limit passes.
    private static async Task SettleCallbacksAsync(SwitchboardWorld world, DateTimeOffset limit)
    {
        while (true)
        {
            await world.Board.SettleAsync();
            using (var db = world.Factory.OpenDatabase())
            {
                var open = db.QuerySingle<long>("SELECT COUNT(*) FROM callbacks WHERE status IN ('pending', 'dialing', 'answered')");
                if (open == 0 && world.Board.Calls.All(c => c.IsCompleted))
                    return;
            }
            var next = world.Clock.NextDue;
            // The service's background rounds set their next timer when they finish; give a running one a moment.
            for (var wait = 0; next is null && wait < 100; wait++)
            {
                await world.Board.SettleAsync();
                next = world.Clock.NextDue;
            }
            if (next is null || next > limit)
                return;
            world.Clock.AdvanceTo(next.Value);
        }
    }
}

/// <summary>The promises the hotline keeps under every fault at once, each checked over the chaos hour.</summary>
public sealed class ChaosHourTests(ChaosHour hour) : IClassFixture<ChaosHour>
{
    [Fact]
    public void TheHourRan_WithEveryFaultInjected()
    {
        Assert.True(hour.Calls > 30, hour.Report);
        foreach (var fault in new[] { "lose-status", "lose-action", "duplicate", "reorder", "late", "rest-5xx", "rest-429", "rest-timeout", "rest-refused" })
            Assert.True(hour.Injected.GetValueOrDefault(fault) > 0, $"{fault} never happened\n{hour.Report}");
    }

    [Fact]
    public void EveryCaller_ReachedAnAgent_GaveUp_OrGotTheirCallback() =>
        Assert.True(hour.Result("every caller").Held, hour.Report);

    [Fact]
    public void NobodyWaited_WhileAnAgentOfTheirDepartmentWasFree() =>
        Assert.True(hour.Result("nobody waited").Held, hour.Report);

    [Fact]
    public void NoAgent_WasOfferedTwoCallsAtOnce() =>
        Assert.True(hour.Result("no agent").Held, hour.Report);

    [Fact]
    public void NoCustomer_WasDialledTwiceForOneTry() =>
        Assert.True(hour.Result("no customer").Held, hour.Report);

    [Fact]
    public void NoBooking_WasLost() =>
        Assert.True(hour.Result("no booking").Held, hour.Report);

    [Fact]
    public void EveryWebhook_WasAnsweredWithTwiml() =>
        Assert.True(hour.Result("every webhook").Held, hour.Report);

    [Fact]
    public void TheServicesFigures_MatchTheSwitchboards() =>
        Assert.True(hour.Result("the service's figures").Held, hour.Report);
}
