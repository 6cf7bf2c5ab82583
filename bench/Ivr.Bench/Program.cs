using System.Diagnostics;
using System.Net;
using Ivr.Api;
using Ivr.Api.Persistence;
using Ivr.Simulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Webhook throughput and latency of the real service against a baseline that only reads the form and returns
// constant TwiML. Each server runs in a process of its own (this program started again with --serve), on loopback;
// this process only generates the load and measures, so the load never shares a process with what is measured.
// The hotline runs once per Data:Synchronous setting asked for (--synchronous normal,full), each on its own database,
// and once more on PostgreSQL when given an empty database there (--postgres "Host=...;Database=...").
var options = BenchOptions.Parse(args);
if (options.Serve is { } role)
    return await Servers.ServeAsync(role, options);

var workDirectory = Directory.CreateTempSubdirectory("ivr-bench-");
var servers = new List<ServerProcess>();
try
{
    var baselineServer = ServerProcess.Start("baseline", ["--serve", "baseline"]);
    servers.Add(baselineServer);
    var hotlines = new List<(string Name, ServerProcess Server)>();
    foreach (var synchronous in options.Synchronous)
    {
        var database = Path.Combine(workDirectory.FullName, $"bench-{synchronous.ToString().ToLowerInvariant()}.db");
        var server = ServerProcess.Start($"hotline {synchronous}", ["--serve", "hotline", "--database", database, "--synchronous", synchronous.ToString()]);
        servers.Add(server);
        hotlines.Add(($"{synchronous.ToString().ToLowerInvariant()}", server));
    }
    if (options.Postgres is { } postgres)
    {
        var server = ServerProcess.Start("hotline postgres", ["--serve", "hotline", "--database", postgres, "--synchronous", "normal"]);
        servers.Add(server);
        hotlines.Add(("postgres", server));
    }
    foreach (var server in servers)
        await server.ListeningAsync(TimeSpan.FromSeconds(60));

    using var http = new HttpClient(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = options.Connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    }) { Timeout = TimeSpan.FromSeconds(30) };

    Console.WriteLine($"webhook bench: {options.Connections} connections, {options.Seconds} s per run (at most {options.MaxRequests} requests), " +
                      $"{options.Rounds} rounds, {Environment.ProcessorCount} cores; baseline and hotline ({string.Join(", ", hotlines.Select(h => h.Name))}) " +
                      "each in a process of their own, load from this one");
    Console.WriteLine($"{"run",-16} {"requests",9} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"calls",7} {"errors",6}");

    var baselineCaller = new Caller(http, baselineServer.Url, useBaseline: true);
    var hotlineCallers = hotlines.Select(h => (h.Name, Caller: new Caller(http, h.Server.Url, useBaseline: false))).ToList();
    // Warm-up: the JIT's tiered compilation settles on every server before anything is measured.
    await RunAsync(baselineCaller, TimeSpan.FromSeconds(5), options);
    foreach (var (_, caller) in hotlineCallers)
        await RunAsync(caller, TimeSpan.FromSeconds(5), options);

    var baseline = new List<RunResult>();
    var hotline = hotlineCallers.ToDictionary(h => h.Name, _ => new List<RunResult>());
    for (var round = 1; round <= options.Rounds; round++)
    {
        // Alternating runs share the machine's noise evenly between them.
        baseline.Add(Print("baseline", await RunAsync(baselineCaller, TimeSpan.FromSeconds(options.Seconds), options)));
        foreach (var (name, caller) in hotlineCallers)
            hotline[name].Add(Print($"hotline {name}", await RunAsync(caller, TimeSpan.FromSeconds(options.Seconds), options)));
    }

    Console.WriteLine();
    Console.WriteLine($"steady load: {options.Rate} webhooks/s over {options.Connections} connections");
    var pacedBaseline = Print("baseline", await RunAsync(baselineCaller, TimeSpan.FromSeconds(options.Seconds), options, options.Rate));
    var paced = new Dictionary<string, RunResult>();
    foreach (var (name, caller) in hotlineCallers)
        paced[name] = Print($"hotline {name}", await RunAsync(caller, TimeSpan.FromSeconds(options.Seconds), options, options.Rate));

    var baselineRate = baseline.Average(r => r.RequestsPerSecond);
    Console.WriteLine();
    Console.WriteLine($"baseline        mean {baselineRate:F0} req/s, p99 {baseline.Average(r => r.P99):F2} ms; " +
                      $"steady p50 {pacedBaseline.P50:F2} ms, p99 {pacedBaseline.P99:F2} ms");
    foreach (var (name, runs) in hotline)
    {
        var ratios = baseline.Zip(runs, (b, h) => h.RequestsPerSecond / b.RequestsPerSecond).Order().ToList();
        Console.WriteLine($"hotline {name,-7} mean {runs.Average(r => r.RequestsPerSecond):F0} req/s, p50 {runs.Average(r => r.P50):F2} ms, " +
                          $"p99 {runs.Average(r => r.P99):F2} ms; ratio to baseline {runs.Average(r => r.RequestsPerSecond) / baselineRate:F2} " +
                          $"(per round: {string.Join(", ", ratios.Select(r => r.ToString("F2")))}); " +
                          $"steady {options.Rate}/s p50 {paced[name].P50:F2} ms, p99 {paced[name].P99:F2} ms");
    }
    var errors = baseline.Sum(r => r.Errors) + pacedBaseline.Errors + hotline.Values.Sum(runs => runs.Sum(r => r.Errors)) + paced.Values.Sum(r => r.Errors);
    return errors > 0 ? 2 : 0;
}
finally
{
    foreach (var server in servers)
        await server.StopAsync();
    workDirectory.Delete(recursive: true);
}

static RunResult Print(string name, RunResult result)
{
    Console.WriteLine($"{name,-10} {result.Requests,9} {result.RequestsPerSecond,9:F0} {result.P50,8:F2} {result.P99,8:F2} {result.Calls,7} {result.Errors,6}");
    return result;
}

// Saturation when rate is null (each connection sends as fast as answers come); else a steady total rate
// spread over the connections, the way webhooks of many calls arrive.
static async Task<RunResult> RunAsync(Caller caller, TimeSpan duration, BenchOptions options, double? rate = null)
{
    var connections = options.Connections;
    var stopwatch = Stopwatch.StartNew();
    var sent = 0L;
    var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
    {
        var latencies = new List<double>(100_000);
        var calls = 0;
        var errors = 0;
        var pacer = rate is { } perSecond
            ? new Pacer(TimeSpan.FromSeconds(connections / perSecond), TimeSpan.FromSeconds(worker / perSecond))
            : null;
        // Bounded in time and in count: a run ends at its duration or after MaxRequests calls' webhooks.
        while (stopwatch.Elapsed < duration && Interlocked.Add(ref sent, 6) <= options.MaxRequests)
        {
            if (await caller.CallAsync(latencies, pacer))
                calls++;
            else
                errors++;
        }
        return (latencies, calls, errors);
    })).ToList();
    var results = await Task.WhenAll(workers);
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var all = results.SelectMany(r => r.latencies).Order().ToArray();
    return new RunResult(all.Length, all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99),
        results.Sum(r => r.calls), results.Sum(r => r.errors));
}

static double Percentile(double[] sorted, double quantile) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

internal sealed record RunResult(int Requests, double RequestsPerSecond, double P50, double P99, int Calls, int Errors);

/// <summary>
/// One simulated caller walking the sample menu the way Twilio would: incoming, then a key at each Gather
/// (English, then the order-status path), until the call is queued or ends; then the status callback.
/// The baseline caller sends the same forms, signed the same way, to the constant endpoint.
/// </summary>
internal sealed class Caller(HttpClient http, string baseUrl, bool useBaseline)
{
    private static readonly string[] Keys = ["9", "1", "1", "1"];

    public async Task<bool> CallAsync(List<double> latencies, Pacer? pacer)
    {
        var callSid = "CA" + Guid.NewGuid().ToString("N");
        var url = baseUrl + (useBaseline ? "/bench/baseline" : "/voice/incoming");
        for (var request = 0; request <= Keys.Length; request++)
        {
            var form = Form(callSid, request == 0 ? null : Keys[request - 1]);
            if (pacer is not null)
                await pacer.WaitAsync();
            var started = Stopwatch.GetTimestamp();
            var twiml = await PostAsync(url, form);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (twiml is null)
                return false;
            var action = GatherAction(twiml);
            if (action is null || request == Keys.Length)
                break;
            url = action.StartsWith('/') ? baseUrl + action : action;
        }
        var status = Form(callSid, null);
        status["CallStatus"] = "completed";
        status["CallDuration"] = "42";
        if (pacer is not null)
            await pacer.WaitAsync();
        var statusStarted = Stopwatch.GetTimestamp();
        var ok = await PostAsync(baseUrl + (useBaseline ? "/bench/baseline" : "/voice/status"), status) is not null;
        latencies.Add(Stopwatch.GetElapsedTime(statusStarted).TotalMilliseconds);
        return ok;
    }

    private static Dictionary<string, string> Form(string callSid, string? digits)
    {
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = "AC00000000000000000000000000000000", ["ApiVersion"] = "2010-04-01",
            ["CallSid"] = callSid, ["CallStatus"] = "in-progress", ["Called"] = "+48221000000",
            ["Caller"] = "+48500100200", ["Direction"] = "inbound", ["From"] = "+48500100200",
            ["To"] = "+48221000000", ["FromCountry"] = "PL", ["ToCountry"] = "PL",
        };
        if (digits is not null)
            form["Digits"] = digits;
        return form;
    }

    private async Task<string?> PostAsync(string url, Dictionary<string, string> form)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        message.Headers.Add("X-Twilio-Signature", RequestSigner.Sign(SimulatorOptions.DefaultAuthToken, url, form));
        using var response = await http.SendAsync(message);
        if (response.StatusCode != HttpStatusCode.OK)
            return null;
        var body = await response.Content.ReadAsStringAsync();
        return body.Contains("<Response", StringComparison.Ordinal) ? body : null;
    }

    // The load generator stays cheap and equal for both runs: a string search, not an XML parse
    // (the TwiML itself is checked by the tests).
    private static string? GatherAction(string twiml)
    {
        var gather = twiml.IndexOf("<Gather", StringComparison.Ordinal);
        if (gather < 0)
            return null;
        var start = twiml.IndexOf("action=\"", gather, StringComparison.Ordinal);
        if (start < 0)
            return null;
        start += "action=\"".Length;
        return System.Net.WebUtility.HtmlDecode(twiml[start..twiml.IndexOf('"', start)]);
    }
}

/// <summary>Sends one request every <c>interval</c> on a fixed schedule (late requests are not made up later).</summary>
internal sealed class Pacer(TimeSpan interval, TimeSpan offset)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private TimeSpan _next = offset;

    public async Task WaitAsync()
    {
        var elapsed = Stopwatch.GetElapsedTime(_start);
        if (_next > elapsed)
            await Task.Delay(_next - elapsed);
        else
            _next = elapsed;
        _next += interval;
    }
}

internal sealed record BenchOptions(
    int Connections, int Seconds, int Rounds, int Rate, long MaxRequests, IReadOnlyList<SynchronousMode> Synchronous,
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
        var synchronous = (Text("--synchronous") ?? "normal,full")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(mode => Enum.Parse<SynchronousMode>(mode, ignoreCase: true))
            .Distinct()
            .ToList();
        return new BenchOptions(Value("--connections", 32), Value("--seconds", 10), Value("--rounds", 3), Value("--rate", 1000),
            Value("--max-requests", 2_000_000), synchronous, Text("--serve"), Text("--database"), Text("--postgres"));
    }
}

/// <summary>The two servers the bench measures, each run in a process of its own by <c>--serve</c>.</summary>
internal static class Servers
{
    private const string ConstantTwiml =
        """<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf speech" action="/bench/baseline" numDigits="1" timeout="5"><Say language="pl-PL">Status zamówienia: wciśnij 1.</Say></Gather><Redirect>/bench/baseline</Redirect></Response>""";

    public static async Task<int> ServeAsync(string role, BenchOptions options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app;
        if (role == "hotline")
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ivr"] = Database.IsPostgresConnectionString(options.Database) ? options.Database : $"Data Source={options.Database}",
                ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
                [Database.SynchronousKey] = options.Synchronous.Single().ToString(),
            });
            builder.AddHotline();
            app = builder.Build();
            if (!await app.PrepareHotlineAsync())
                return 1;
        }
        else
        {
            app = builder.Build();
            app.MapPost("/bench/baseline", async (HttpRequest request) =>
            {
                await request.ReadFormAsync();
                return Results.Text(ConstantTwiml, "text/xml; charset=utf-8");
            });
        }
        await app.StartAsync();
        Console.WriteLine($"listening {app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}");
        // The bench closes this process's input when it is done; a bench that dies closes it too.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        return 0;
    }
}

/// <summary>A server this bench started (this program again, with <c>--serve</c>); stopped by closing its input.</summary>
internal sealed class ServerProcess(string name, Process process)
{
    public string Url { get; private set; } = "";

    public static ServerProcess Start(string name, string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        // Run as `dotnet Ivr.Bench.dll`, the host needs the assembly; run as the apphost, it does not.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(Servers).Assembly.Location);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return new ServerProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start"));
    }

    public async Task ListeningAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cancellation.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                Url = line["listening ".Length..];
                return;
            }
        }
        throw new InvalidOperationException($"{name} (process {process.Id}) ended before it listened");
    }

    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            process.StandardInput.Close();
            using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
    }
}
