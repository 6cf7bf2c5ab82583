using System.Diagnostics;
using System.Net;
using Ivr.Api;
using Ivr.Simulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Webhook throughput and latency of the real service (Kestrel on loopback, SQLite file, signature checks on)
// against a baseline endpoint in the same process that only reads the form and returns constant TwiML.
var options = BenchOptions.Parse(args);
var workDirectory = Directory.CreateTempSubdirectory("ivr-bench-");
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.ClearProviders();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Ivr"] = $"Data Source={Path.Combine(workDirectory.FullName, "bench.db")}",
    ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
});
builder.AddHotline();
var app = builder.Build();
const string ConstantTwiml =
    """<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf speech" action="/bench/baseline" numDigits="1" timeout="5"><Say language="pl-PL">Status zamówienia: wciśnij 1.</Say></Gather><Redirect>/bench/baseline</Redirect></Response>""";
app.MapPost("/bench/baseline", async (HttpRequest request) =>
{
    await request.ReadFormAsync();
    return Results.Text(ConstantTwiml, "text/xml; charset=utf-8");
});
if (!await app.PrepareHotlineAsync())
    return 1;
await app.StartAsync();
var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Connections,
    PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
}) { BaseAddress = new Uri(baseUrl) };

Console.WriteLine($"webhook bench: {options.Connections} connections, {options.Seconds} s per run, {options.Rounds} rounds, " +
                  $"{Environment.ProcessorCount} cores, server {baseUrl}");
Console.WriteLine($"{"run",-10} {"requests",9} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"calls",7} {"errors",6}");

var baseline = new List<RunResult>();
var hotline = new List<RunResult>();
// Warm-up: the JIT's tiered compilation settles on both paths before anything is measured.
await RunAsync(new Caller(http, baseUrl, useBaseline: true), TimeSpan.FromSeconds(5), options.Connections);
await RunAsync(new Caller(http, baseUrl, useBaseline: false), TimeSpan.FromSeconds(5), options.Connections);
for (var round = 1; round <= options.Rounds; round++)
{
    // Alternating runs share the machine's noise evenly between the two.
    baseline.Add(Print("baseline", await RunAsync(new Caller(http, baseUrl, useBaseline: true), TimeSpan.FromSeconds(options.Seconds), options.Connections)));
    hotline.Add(Print("hotline", await RunAsync(new Caller(http, baseUrl, useBaseline: false), TimeSpan.FromSeconds(options.Seconds), options.Connections)));
}

Console.WriteLine();
Console.WriteLine($"steady load: {options.Rate} webhooks/s over {options.Connections} connections");
var pacedBaseline = Print("baseline", await RunAsync(new Caller(http, baseUrl, useBaseline: true), TimeSpan.FromSeconds(options.Seconds), options.Connections, options.Rate));
var pacedHotline = Print("hotline", await RunAsync(new Caller(http, baseUrl, useBaseline: false), TimeSpan.FromSeconds(options.Seconds), options.Connections, options.Rate));

var baselineRate = baseline.Average(r => r.RequestsPerSecond);
var hotlineRate = hotline.Average(r => r.RequestsPerSecond);
Console.WriteLine();
Console.WriteLine($"baseline mean {baselineRate:F0} req/s, p99 {baseline.Average(r => r.P99):F2} ms");
Console.WriteLine($"hotline  mean {hotlineRate:F0} req/s, p99 {hotline.Average(r => r.P99):F2} ms, p50 {hotline.Average(r => r.P50):F2} ms");
var ratios = baseline.Zip(hotline, (b, h) => h.RequestsPerSecond / b.RequestsPerSecond).Order().ToList();
Console.WriteLine($"ratio hotline/baseline throughput: {hotlineRate / baselineRate:F2} (per round: {string.Join(", ", ratios.Select(r => r.ToString("F2")))})");
Console.WriteLine($"steady {options.Rate}/s: hotline p50 {pacedHotline.P50:F2} ms, p99 {pacedHotline.P99:F2} ms; baseline p50 {pacedBaseline.P50:F2} ms, p99 {pacedBaseline.P99:F2} ms");

await app.StopAsync();
workDirectory.Delete(recursive: true);
return hotline.Sum(r => r.Errors) + baseline.Sum(r => r.Errors) + pacedHotline.Errors + pacedBaseline.Errors > 0 ? 2 : 0;

static RunResult Print(string name, RunResult result)
{
    Console.WriteLine($"{name,-10} {result.Requests,9} {result.RequestsPerSecond,9:F0} {result.P50,8:F2} {result.P99,8:F2} {result.Calls,7} {result.Errors,6}");
    return result;
}

// Saturation when rate is null (each connection sends as fast as answers come); else a steady total rate
// spread over the connections, the way webhooks of many calls arrive.
static async Task<RunResult> RunAsync(Caller caller, TimeSpan duration, int connections, double? rate = null)
{
    var stopwatch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
    {
        var latencies = new List<double>(100_000);
        var calls = 0;
        var errors = 0;
        var pacer = rate is { } perSecond
            ? new Pacer(TimeSpan.FromSeconds(connections / perSecond), TimeSpan.FromSeconds(worker / perSecond))
            : null;
        while (stopwatch.Elapsed < duration)
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

internal sealed record BenchOptions(int Connections, int Seconds, int Rounds, int Rate)
{
    public static BenchOptions Parse(string[] args)
    {
        int Value(string name, int fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
        }
        return new BenchOptions(Value("--connections", 32), Value("--seconds", 10), Value("--rounds", 3), Value("--rate", 1000));
    }
}
