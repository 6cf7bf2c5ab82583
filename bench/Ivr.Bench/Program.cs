using Ivr.Api.Persistence;
using Ivr.Bench;

// Webhook throughput and latency of the real service against a baseline that only reads the form and returns
// constant TwiML. Each server runs in a process of its own (this program started again with --serve), on loopback,
// and wrk, a process of its own too, sends the load: new-call webhooks as Twilio sends them (new-call.lua), signed,
// a fresh CallSid and caller each. The hotline runs once per Data:Synchronous setting asked for (--synchronous
// normal,full), each on its own SQLite file; with --postgres "Host=...;Database=..." (an empty database) two more
// instances share that database and wrk drives both at once, half the connections each.
var options = BenchOptions.Parse(args);
if (options.Serve is { } role)
    return await Servers.ServeAsync(role, options);
if (Wrk.Find() is not { } wrkPath)
{
    Console.Error.WriteLine("wrk is not installed: apt-get install wrk (the bench uses it as the load generator).");
    return 1;
}

var workDirectory = Directory.CreateTempSubdirectory("ivr-bench-");
var servers = new List<ServerProcess>();
try
{
    var baseline = ServerProcess.Start("baseline", ["--serve", "baseline"]);
    servers.Add(baseline);
    await baseline.ListeningAsync(TimeSpan.FromSeconds(60));
    var targets = new List<Target> { new("baseline", [baseline.Url + "/bench/baseline"], null) };
    foreach (var synchronous in options.Synchronous)
    {
        var name = $"sqlite {synchronous.ToString().ToLowerInvariant()}";
        var database = Path.Combine(workDirectory.FullName, $"bench-{synchronous.ToString().ToLowerInvariant()}.db");
        var server = ServerProcess.Start($"hotline {name}", ["--serve", "hotline", "--database", database, "--synchronous", synchronous.ToString()]);
        servers.Add(server);
        await server.ListeningAsync(TimeSpan.FromSeconds(60));
        targets.Add(new Target(name, [server.Url + "/voice/incoming"], new LogWatch(database)));
    }
    if (options.Postgres is { } postgres)
    {
        // One after the other: the first creates the schema, the second finds it done.
        var urls = new List<string>();
        for (var instance = 1; instance <= 2; instance++)
        {
            var server = ServerProcess.Start($"hotline postgres {instance}", ["--serve", "hotline", "--database", postgres, "--synchronous", "normal"]);
            servers.Add(server);
            await server.ListeningAsync(TimeSpan.FromSeconds(60));
            urls.Add(server.Url + "/voice/incoming");
        }
        targets.Add(new Target("postgres x2", urls, null));
    }

    Console.WriteLine($"webhook bench: new-call webhooks (signed, a fresh CallSid each) from wrk, {options.Connections} connections, " +
                      $"{options.Seconds} s per run, {options.Rounds} rounds, {Environment.ProcessorCount} cores; each server in a process of its own");
    Console.WriteLine($"{"run",-14} {"requests",9} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"errors",6} {"ratio",6}");

    var wrk = new Wrk(wrkPath, Path.Combine(AppContext.BaseDirectory, "new-call.lua"));
    // Warm-up: the JIT's tiered compilation settles on every server before anything is measured.
    foreach (var target in targets)
        await wrk.RunAsync(target.Urls, options.Connections, TimeSpan.FromSeconds(5));

    var results = targets.ToDictionary(t => t.Name, _ => new List<WrkResult>());
    for (var round = 1; round <= options.Rounds; round++)
    {
        // Alternating runs share the machine's noise evenly between them.
        double? baselineRate = null;
        foreach (var target in targets)
        {
            using var sampling = target.Log?.Sample();
            var result = await wrk.RunAsync(target.Urls, options.Connections, TimeSpan.FromSeconds(options.Seconds));
            results[target.Name].Add(result);
            baselineRate ??= result.RequestsPerSecond;
            Console.WriteLine($"{target.Name,-14} {result.Requests,9} {result.RequestsPerSecond,9:F0} {result.P50,8:F2} {result.P99,8:F2} " +
                              $"{result.Errors,6} {result.RequestsPerSecond / baselineRate,6:F2}");
        }
    }

    Console.WriteLine();
    var baselineRuns = results["baseline"];
    var baselineMean = baselineRuns.Average(r => r.RequestsPerSecond);
    foreach (var target in targets)
    {
        var runs = results[target.Name];
        var ratios = baselineRuns.Zip(runs, (b, h) => h.RequestsPerSecond / b.RequestsPerSecond).Order().Select(r => r.ToString("F2"));
        Console.WriteLine($"{target.Name,-14} mean {runs.Average(r => r.RequestsPerSecond),7:F0} req/s, p50 {runs.Average(r => r.P50):F2} ms, " +
                          $"p99 {runs.Average(r => r.P99):F2} ms; ratio to baseline {runs.Average(r => r.RequestsPerSecond) / baselineMean:F2} " +
                          $"(per round: {string.Join(", ", ratios)})");
    }

    // Steady load must keep SQLite's write-ahead log bounded, not only the database.
    var unbounded = false;
    foreach (var target in targets.Where(t => t.Log is not null))
    {
        var log = target.Log!;
        unbounded |= log.PeakBytes > options.MaxLogMegabytes * 1024L * 1024;
        Console.WriteLine($"{target.Name,-14} write-ahead log at most {log.PeakBytes / 1048576.0:F1} MB during the runs " +
                          $"(bound {options.MaxLogMegabytes} MB), database {log.DatabaseBytes / 1048576.0:F1} MB");
    }
    foreach (var server in servers.Where(s => s.LogLines > 0))
        Console.WriteLine($"{server.Name} wrote {server.LogLines} log lines after it started listening");

    var errors = results.Values.Sum(runs => runs.Sum(r => r.Errors));
    return errors > 0 ? 2 : unbounded ? 3 : 0;
}
finally
{
    foreach (var server in servers)
        await server.StopAsync();
    workDirectory.Delete(recursive: true);
}

/// <summary>What one run drives: the baseline, one hotline, or several instances at once (the connections split among them).</summary>
internal sealed record Target(string Name, IReadOnlyList<string> Urls, LogWatch? Log);

internal sealed record BenchOptions(
    int Connections, int Seconds, int Rounds, IReadOnlyList<SynchronousMode> Synchronous, int MaxLogMegabytes,
    string? Serve, string? Database, string? Postgres)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Text(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }
        int Value(string name, int fallback) => int.TryParse(Text(name), out var value) ? value : fallback;
        var synchronous = (Text("--synchronous") ?? "normal")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(mode => Enum.Parse<SynchronousMode>(mode, ignoreCase: true))
            .Distinct()
            .ToList();
        return new BenchOptions(Value("--connections", 32), Value("--seconds", 10), Value("--rounds", 3), synchronous,
            Value("--max-log-mb", 128), Text("--serve"), Text("--database"), Text("--postgres"));
    }
}
