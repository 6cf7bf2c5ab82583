using System.Diagnostics;
using System.Globalization;
using Ivr.Bench.Wait;
using Ivr.Flows.Waiting;

// Wait-estimation bench (docs/wait-estimation.md): simulates scenarios A-H, feeds the service's WaitEstimator
// with rates a RateLearner learns online from the simulated events, and scores it against the baselines.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.WriteLine("""
        usage: dotnet run -c Release --project bench/Ivr.Bench.Wait -- [options]
          --reps N             independent replications per scenario (default 20)
          --hours H            scored hours per replication (default 1000)
          --warmup H           hours simulated before scoring starts (default 4; the learner starts cold at 0)
          --scenarios ABCDEFGH which scenarios to run
          --seed N             base seed (default 1)
          --prior-handle S     the learner's typical handle time, seconds (default 240)
          --prior-patience S   the learner's typical patience, seconds (default 300)
          --half-life H        the learner's long-memory half-life, hours (default 24)
          --recent-half-life H the learner's drift-watch half-life, hours (default 2)
        """);
    return 1;
}

var scenarios = Scenario.All.Where(s => options.Scenarios.Contains(s.Id)).ToList();
Console.WriteLine($"Wait estimation bench: {options.Replications} replications x {options.Hours} h scored " +
    $"(+{options.WarmupHours} h warm-up) per scenario, seed {options.Seed}, {Environment.ProcessorCount} cores");
Console.WriteLine($"Learner: cold start, typical handle {options.PriorHandle} s, patience {options.PriorPatience} s, " +
    $"worth 5 observations, " +
    $"half-life {options.HalfLifeHours} h, drift watch {options.RecentHalfLifeHours} h");

var clock = Stopwatch.StartNew();
var runs = new Simulation[scenarios.Count, options.Replications];
Parallel.For(0, scenarios.Count * options.Replications, job =>
{
    var (s, r) = (job / options.Replications, job % options.Replications);
    var learner = RateLearner.Cold(options.PriorHandle, options.PriorPatience,
        halfLife: TimeSpan.FromHours(options.HalfLifeHours), recentHalfLife: TimeSpan.FromHours(options.RecentHalfLifeHours));
    var seed = options.Seed * 1_000_003 + Scenario.All.ToList().IndexOf(scenarios[s]) * 1000 + r;
    runs[s, r] = new Simulation(scenarios[s], seed, options.WarmupHours * 3600, options.Hours * 3600, learner).Run();
});
Console.WriteLine($"Simulated in {clock.Elapsed.TotalSeconds:F0} s");

var verdicts = new List<(Scenario, Targets.Verdict, Targets.Verdict)>();
for (var s = 0; s < scenarios.Count; s++)
{
    var replications = Enumerable.Range(0, options.Replications).Select(r => runs[s, r]).ToList();
    var scenario = scenarios[s];
    Console.WriteLine();
    Console.WriteLine($"## {scenario.Id}: {scenario.Model}");
    var onArrival = replications.Select(r => r.OnArrival).ToList();
    var inQueue = replications.Select(r => r.InQueue).ToList();
    Report.Table(scenario, "on arrival", onArrival);
    Report.Table(scenario, "in queue, every 60 s", inQueue);
    verdicts.Add((scenario, Targets.Check(scenario, onArrival), Targets.Check(scenario, inQueue)));
}

Console.WriteLine();
Report.Summary(verdicts);
return 0;

sealed record BenchOptions(int Replications, double Hours, double WarmupHours, string Scenarios, int Seed,
    double PriorHandle, double PriorPatience, double HalfLifeHours, double RecentHalfLifeHours)
{
    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions(20, 1000, 4, "ABCDEFGH", 1, 240, 300, 24, 2);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--reps" => options with { Replications = (int)Number() },
                "--hours" => options with { Hours = Number() },
                "--warmup" => options with { WarmupHours = Number() },
                "--scenarios" => options with { Scenarios = Next().ToUpperInvariant() },
                "--seed" => options with { Seed = (int)Number() },
                "--prior-handle" => options with { PriorHandle = Number() },
                "--prior-patience" => options with { PriorPatience = Number() },
                "--half-life" => options with { HalfLifeHours = Number() },
                "--recent-half-life" => options with { RecentHalfLifeHours = Number() },
                _ => null!,
            };
            if (options is null)
                return null;
        }
        return options;
    }
}
