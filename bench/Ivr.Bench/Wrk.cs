using System.Diagnostics;
using System.Globalization;
using Ivr.Simulator;

namespace Ivr.Bench;

/// <summary>One run's figures; latencies in milliseconds. Errors: answers other than a 200 with a Gather, and socket errors.</summary>
internal sealed record WrkResult(long Requests, double RequestsPerSecond, double P50, double P99, long Errors);

/// <summary>
/// Runs wrk, the external load generator, with new-call.lua. Several URLs (instances sharing one database) are driven
/// at once by one wrk each, the connections split evenly; their requests add up and the slower percentiles count.
/// </summary>
internal sealed class Wrk(string path, string script)
{
    private int _run;

    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(folder => Path.Combine(folder, "wrk"))
            .FirstOrDefault(File.Exists);

    public async Task<WrkResult> RunAsync(IReadOnlyList<string> urls, int connections, TimeSpan duration)
    {
        // The machine's two cores: wrk gets two threads in all, however many processes share them.
        var threads = Math.Max(1, 2 / urls.Count);
        var runs = urls.Select(url => RunOneAsync(url, Math.Max(threads, connections / urls.Count), threads, duration)).ToList();
        var results = await Task.WhenAll(runs);
        return new WrkResult(
            results.Sum(r => r.Requests), results.Sum(r => r.RequestsPerSecond),
            results.Max(r => r.P50), results.Max(r => r.P99), results.Sum(r => r.Errors));
    }

    private async Task<WrkResult> RunOneAsync(string url, int connections, int threads, TimeSpan duration)
    {
        // A run number of its own keeps every CallSid fresh, across runs on one database too.
        var run = Interlocked.Increment(ref _run);
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{(int)duration.TotalSeconds}s", "--timeout", "10s", "-s", script, url,
                     "--", url, SimulatorOptions.DefaultAuthToken, run.ToString(CultureInfo.InvariantCulture),
                 })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"wrk gave no result (exit {process.ExitCode}): {await output}{await error}");
        var values = line["result ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('='))
            .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture));
        return new WrkResult(
            values["requests"], values["requests"] / (values["duration_us"] / 1e6),
            values["p50_us"] / 1000.0, values["p99_us"] / 1000.0, values["unexpected"] + values["socket_errors"]);
    }
}

/// <summary>Watches the size of a SQLite database's write-ahead log while runs go on (the largest seen).</summary>
internal sealed class LogWatch(string database)
{
    public long PeakBytes { get; private set; }

    public long DatabaseBytes => File.Exists(database) ? new FileInfo(database).Length : 0;

    public IDisposable Sample()
    {
        var stop = new CancellationTokenSource();
        var log = database + "-wal";
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var info = new FileInfo(log);
                if (info.Exists)
                    PeakBytes = Math.Max(PeakBytes, info.Length);
                await Task.Delay(100, CancellationToken.None);
            }
        });
        return new Stop(stop);
    }

    private sealed class Stop(CancellationTokenSource sampling) : IDisposable
    {
        public void Dispose() => sampling.Cancel();
    }
}
