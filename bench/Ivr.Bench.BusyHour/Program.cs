using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ivr.Api;
using Ivr.Api.Twilio;
using Ivr.Simulator;

// A simulated busy hour of the orders team through the real service (Kestrel on loopback, a SQLite file) and the
// switchboard standing in for Twilio, on virtual time. Prints what the service reports in /api/stats next to the
// ground truth the switchboard recorded for the same calls (the ratio shows how true the service's figures are).
var perHour = Option("--calls-per-hour", 100);
var talkSeconds = Option("--talk", 90);
var patienceSeconds = Option("--patience", 240);
var seed = Option("--seed", 7);
const string AccountSid = "AC0be0c0be0c0be0c0be0c0be0c0be0c0b";
const string AuthToken = "busy-hour-token";
const string ApiKey = "busy-hour-key";

var port = FreePort();
var baseUrl = $"http://127.0.0.1:{port}";
var workDirectory = Directory.CreateTempSubdirectory("ivr-busy-hour-");
var clock = new VirtualClock(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero)); // 9:00 in Warsaw, a Wednesday
Switchboard board = null!;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseUrls(baseUrl);
builder.Logging.ClearProviders();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Ivr"] = $"Data Source={Path.Combine(workDirectory.FullName, "busy-hour.db")}",
    ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
    ["Ivr:PublicBaseUrl"] = baseUrl,
    ["Twilio:AccountSid"] = AccountSid,
    ["Twilio:AuthToken"] = AuthToken,
    ["Twilio:PhoneNumber"] = "+48221234567",
    ["Admin:ApiKey"] = ApiKey,
});
builder.AddHotline();
builder.Services.AddSingleton<TimeProvider>(clock);
builder.Services.AddHttpClient<ITwilioCalls, TwilioRestClient>()
    .ConfigurePrimaryHttpMessageHandler(() => Switchboard.RestHandlerOf(() => board));
var app = builder.Build();
if (!await app.PrepareHotlineAsync())
    return 1;
await app.StartAsync();

using var webhooks = new HttpClient();
var talk = Draw.Exponential(TimeSpan.FromSeconds(talkSeconds));
board = new Switchboard(webhooks, clock, new SwitchboardOptions
{
    AccountSid = AccountSid,
    AuthToken = AuthToken,
    VoiceUrl = new Uri($"{baseUrl}/voice/incoming"),
    StatusCallbackUrl = new Uri($"{baseUrl}/voice/status"),
    Agents = new Dictionary<string, SimulatedAgent>
    {
        ["+48221234501"] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
        ["+48221234502"] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
        ["sip:katarzyna@sklep-przykladowy.sip.twilio.com"] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
    },
    Patience = Draw.Exponential(TimeSpan.FromSeconds(patienceSeconds)),
    Seed = seed,
    SettlePeriod = TimeSpan.FromMilliseconds(5),
});

var arrivals = Draw.PoissonArrivals(seed, perHour, TimeSpan.FromHours(1), _ => new ScriptedCaller(["1", "1"]));
var wall = Stopwatch.StartNew();
var calls = await board.RunAsync(arrivals, until: TimeSpan.FromHours(3));
wall.Stop();

using var api = new HttpClient { BaseAddress = new Uri(baseUrl) };
api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
var stats = await api.GetFromJsonAsync<JsonElement>("/api/stats");
var orders = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");

// Ground truth per call: joined the queue when the request that routed it was answered; answered when the
// agent picked up; abandoned when it hung up in the queue.
var queued = calls.Where(c => c.Requests.Any(r => r.Url.Contains("/voice/queue/"))).ToList();
var answered = queued.Where(c => c.AnsweredAt is not null).ToList();
var waits = answered.Select(c => (c.AnsweredAt!.Value - JoinedAt(c)).TotalSeconds).ToList();
var truth = new Dictionary<string, double?>
{
    ["offered"] = queued.Count,
    ["answered"] = answered.Count,
    ["abandoned"] = queued.Count(c => c.Abandoned),
    ["averageSpeedOfAnswerSeconds"] = waits.Count > 0 ? waits.Average() : null,
    ["serviceLevel"] = queued.Count > 0 ? (double)waits.Count(w => w <= 20) / (answered.Count + queued.Count(c => c.Abandoned)) : null,
    ["averageHandleSeconds"] = answered.Count > 0 ? answered.Average(c => c.HandleTime.TotalSeconds) : null,
};

Console.WriteLine($"busy hour: {arrivals.Count} calls in one hour to orders (3 agents, talk ~ exp {talkSeconds} s, " +
                  $"patience ~ exp {patienceSeconds} s, seed {seed}); {clock.GetUtcNow() - new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero):hh\\:mm\\:ss} " +
                  $"virtual in {wall.Elapsed.TotalSeconds:F1} s real; application errors: {calls.Count(c => c.HadApplicationError)}");
Console.WriteLine($"{"figure",-30} {"service",10} {"truth",10} {"ratio",7}");
foreach (var (name, expected) in truth)
{
    var reported = orders.GetProperty(name).ValueKind == JsonValueKind.Null ? (double?)null : orders.GetProperty(name).GetDouble();
    var ratio = reported is { } r && expected is { } e && e != 0 ? (r / e).ToString("F3") : "-";
    Console.WriteLine($"{name,-30} {Format(reported),10} {Format(expected),10} {ratio,7}");
}
Console.WriteLine($"{"announcements",-30} {orders.GetProperty("announcements").GetInt32(),10}");
Console.WriteLine($"{"announcement mean error (s)",-30} {Format(Nullable(orders.GetProperty("announcementMeanErrorSeconds"))),10}");
Console.WriteLine($"{"answered within promise",-30} {Format(Nullable(orders.GetProperty("answeredWithinPromise"))),10}");

await app.StopAsync();
workDirectory.Delete(recursive: true);
return calls.Any(c => c.HadApplicationError) ? 2 : 0;

TimeSpan JoinedAt(CallRecord call) =>
    call.Requests.Last(r => r.Url.Contains("/voice/gather")).At;

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

static string Format(double? value) => value is { } v ? v.ToString("0.###") : "-";

static double? Nullable(JsonElement element) => element.ValueKind == JsonValueKind.Null ? null : element.GetDouble();

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
