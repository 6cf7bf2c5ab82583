using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api;
using Ivr.Api.Callbacks;
using Ivr.Api.Twilio;
using Ivr.Simulator;
using Microsoft.Extensions.Options;
using static RunParts;

// A simulated busy hour of the orders team through the real service (Kestrel on loopback, a SQLite file) and the
// switchboard standing in for Twilio, on virtual time. Prints what the service reports in /api/stats next to the
// ground truth the switchboard recorded for the same calls (the ratio shows how true the service's figures are).
// With --callbacks SHARE, that share of callers take the callback offered when the wait is long; the run goes on
// after the hour until every callback has been put through or given up. With --faults LIST the switchboard loses,
// repeats, reorders and delays webhooks and fails its REST API (see SwitchboardFaults.Parse; "all" turns every one
// on), and the run ends with the table of invariants the hotline must keep. With --process (implied by a kill fault,
// e.g. --faults kill=1200..1230) the service runs as its own process (dotnet Ivr.Api.dll) on a simulated clock
// --speed times real time that the switchboard shares, reaching the switchboard's REST API over HTTP, so that it can
// be killed with SIGKILL mid-hour and started again on the same database. With --instances N (N > 1, implies
// --process) N service processes share one database (PostgreSQL with --postgres "Host=...": a fresh database is
// created on that server for the run), webhooks and API requests go through a load balancer (each to the next
// instance, a refused one to the one after), and a kill fault kills the first instance only.
var perHour = Option("--calls-per-hour", 100);
var talkSeconds = Option("--talk", 90);
var patienceSeconds = Option("--patience", 240);
var seed = Option("--seed", 7);
var callbackShare = Share("--callbacks", 0);
var noAnswerShare = Share("--no-answer", 0.1);
var retryDelaySeconds = args.Contains("--retry-delay") ? Option("--retry-delay", 300) : (int?)null;
if (callbackShare is null || noAnswerShare is null)
{
    Console.Error.WriteLine("--callbacks and --no-answer take a share between 0 and 1, e.g. --callbacks 0.5");
    return 1;
}
var start = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero); // 9:00 in Warsaw, a Wednesday
SwitchboardFaults faults;
try
{
    faults = args.Contains("--faults") ? SwitchboardFaults.Parse(Text("--faults"), start, seed) : SwitchboardFaults.None;
}
catch (FormatException error)
{
    Console.Error.WriteLine($"--faults: {error.Message}");
    return 1;
}
var instances = Option("--instances", 1);
if (instances is < 1 or > 8)
{
    Console.Error.WriteLine("--instances takes the number of service processes, 1 to 8 (default 1)");
    return 1;
}
var postgres = args.Contains("--postgres") ? Text("--postgres") : null;
if (instances > 1 && postgres is null)
{
    Console.Error.WriteLine("--instances N needs a shared database: add --postgres \"Host=...;Username=...\" (a PostgreSQL server where it may create a database)");
    return 1;
}
var asProcess = args.Contains("--process") || faults.Kills.Count > 0 || instances > 1;
var speed = Option("--speed", 25);
if (speed is < 1 or > 1000)
{
    Console.Error.WriteLine("--speed takes simulated seconds per real second, 1 to 1000 (default 25)");
    return 1;
}
const string AccountSid = "AC0be0c0be0c0be0c0be0c0be0c0be0c0b";
const string AuthToken = "busy-hour-token";
const string ApiKey = "busy-hour-key";
// Callers still on the line this long after 9:00 hang up; callbacks still open then are left open.
var cap = TimeSpan.FromHours(3);

var instanceUrls = Enumerable.Range(0, instances).Select(_ => new Uri($"http://127.0.0.1:{FreePort()}")).ToList();
// One instance: it is the public URL. Several: the public URL is the load balancer's, reached only through it.
var baseUrl = instances == 1 ? instanceUrls[0].OriginalString.TrimEnd('/') : "http://hotline.test";
var workDirectory = Directory.CreateTempSubdirectory("ivr-busy-hour-");
var clock = new VirtualClock(start);
Switchboard board = null!;
// With the service in its own process, both sides compute simulated time from the wall clock: start at the origin,
// far enough ahead that the service is up before the first caller (set again if it is not).
var origin = DateTimeOffset.UtcNow.AddSeconds(15);
DateTimeOffset PacedNow() => start + (DateTimeOffset.UtcNow - origin) * speed;

var settings = new Dictionary<string, string?>
{
    ["ConnectionStrings:Ivr"] = postgres is null
        ? $"Data Source={Path.Combine(workDirectory.FullName, "busy-hour.db")}"
        : await CreateDatabaseAsync(postgres),
    ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
    ["Ivr:PublicBaseUrl"] = baseUrl,
    ["Twilio:AccountSid"] = AccountSid,
    ["Twilio:AuthToken"] = AuthToken,
    ["Twilio:PhoneNumber"] = "+48221234567",
    ["Admin:ApiKey"] = ApiKey,
    // Wall-clock stamps on the service's log lines, to line them up with the calls kept for reading (calls.txt).
    ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
    ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
};
if (retryDelaySeconds is { } retryDelay)
    settings["Callbacks:RetryDelaySeconds"] = retryDelay.ToString(CultureInfo.InvariantCulture);
var callbackSettings = new CallbackOptions();
if (retryDelaySeconds is { } delay)
    callbackSettings.RetryDelaySeconds = delay;

WebApplication? app = null;
ServiceProcess? service = null;
List<ServiceProcess> services = [];
SwitchboardListener? restListener = null;
if (asProcess)
{
    var restPort = FreePort();
    settings["Twilio:ApiBaseUrl"] = $"http://127.0.0.1:{restPort}";
    settings["Simulation:ClockStart"] = start.ToString("O", CultureInfo.InvariantCulture);
    settings["Simulation:ClockOrigin"] = origin.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    settings["Simulation:ClockSpeed"] = speed.ToString(CultureInfo.InvariantCulture);
    services = instanceUrls.Select((url, index) => new ServiceProcess(Path.Combine(AppContext.BaseDirectory, "Ivr.Api.dll"), url, settings,
        Path.Combine(workDirectory.FullName, instances == 1 ? "service.log" : $"service-{index + 1}.log"))).ToList();
    service = services[0];
    // The REST API listens before the switchboard exists, as the in-process handler looks its board up late.
    await Task.WhenAll(services.Select(s => s.StartAsync()));
    // A service up after the origin would meet the first minutes' callers all at once: start it again, further ahead.
    for (var lead = 30; DateTimeOffset.UtcNow > origin.AddSeconds(-2) && lead <= 120; lead *= 2)
    {
        Console.Error.WriteLine($"the service took too long to start; starting it again with the clock's origin {lead} s ahead");
        await Task.WhenAll(services.Select(s => s.StopAsync()));
        origin = DateTimeOffset.UtcNow.AddSeconds(lead);
        settings["Simulation:ClockOrigin"] = origin.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        await Task.WhenAll(services.Select(s => s.StartAsync()));
    }
    restListener = new SwitchboardListener(() => board, restPort);
}
else
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
    builder.WebHost.UseUrls(baseUrl);
    builder.Logging.ClearProviders();
    builder.Configuration.AddInMemoryCollection(settings);
    builder.AddHotline();
    builder.Services.AddSingleton<TimeProvider>(clock);
    // The service's own REST client, behind its circuit breaker, talks to the switchboard instead of Twilio.
    builder.Services.AddHttpClient<TwilioCallsClient>()
        .ConfigurePrimaryHttpMessageHandler(() => Switchboard.RestHandlerOf(() => board));
    app = builder.Build();
    if (!await app.PrepareHotlineAsync())
        return 1;
    await app.StartAsync();
    callbackSettings = app.Services.GetRequiredService<IOptions<CallbackOptions>>().Value;
}

// Every caller presses 1 (order status) and 1 (the team). Past the menu the only keys asked for are the callback
// offer (on joining and in every hold update while the wait is long) and then the number to confirm: a caller who
// takes it presses 1 and 1; one who does not stays silent at the first offer, and a scripted caller keeps waiting
// silently at the later ones. Whether a caller takes it is drawn from a stream of its own, so that arrivals,
// patience and talk times are the same whatever the share, and a caller who takes it at 0.3 takes it at 0.5 too.
var choices = Seeded(seed, 1);
var customerSeeds = Seeded(seed, 2);
var arrivals = Draw.PoissonArrivals(seed, perHour, TimeSpan.FromHours(1),
        _ => new ScriptedCaller(choices.NextDouble() < callbackShare ? ["1", "1", "1", "1"] : ["1", "1", "-"]))
    // Each caller has a number of their own: a booking is per number, and a number with one open is greeted with it.
    .Select((call, index) => call with { From = CallerNumber(index) })
    .ToList();
// Each try of a callback rings the customer's phone: not answered at all (--no-answer), or picked up after 5-20 s.
// Draws per customer, so that one customer's tries do not depend on when the others' happen.
var customerDraws = arrivals.ToDictionary(call => call.From, _ => new Random(customerSeeds.Next()));

// Several instances: webhooks (and the figures asked below) go through the load balancer.
using var webhooks = instances == 1 ? new HttpClient() : new HttpClient(new LoadBalancer(instanceUrls));
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
    Customers = CalledBack,
    Patience = Draw.Exponential(TimeSpan.FromSeconds(patienceSeconds)),
    Seed = seed,
    SettlePeriod = TimeSpan.FromMilliseconds(5),
    Faults = faults,
});

using var api = instances == 1 ? new HttpClient { BaseAddress = new Uri(baseUrl) }
    : new HttpClient(new LoadBalancer(instanceUrls)) { BaseAddress = new Uri(baseUrl) };
api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

var wall = Stopwatch.StartNew();
IReadOnlyList<CallRecord> calls;
bool settled;
List<(DateTimeOffset From, DateTimeOffset Until)> killed = [];
if (service is not null)
{
    // Each kill on the switchboard's clock: SIGKILL, then a new process on the same database at the restart moment.
    List<Task> kills = [];
    var killTimers = faults.Kills.Select(kill => clock.CreateTimer(_ => kills.Add(Task.Run(async () =>
    {
        var killedAt = clock.GetUtcNow();
        service.Kill();
        board.Inject("kill");
        while (PacedNow() < kill.RestartAt)
            await Task.Delay(5);
        await service.StartAsync();
        lock (killed)
            killed.Add((killedAt, PacedNow()));
    })), null, kill.At - start, Timeout.InfiniteTimeSpan)).ToList();
    calls = await board.RunPacedAsync(arrivals, PacedNow, cap, finished: async () =>
    {
        try
        {
            return (await OrdersAsync()).GetProperty("callbacks").GetProperty("openNow").GetInt32() == 0;
        }
        catch (HttpRequestException)
        {
            return false; // down
        }
    });
    await Task.WhenAll(kills);
    killTimers.ForEach(timer => timer.Dispose());
    settled = (await OrdersAsync()).GetProperty("callbacks").GetProperty("openNow").GetInt32() == 0;
}
else
{
    await board.RunAsync(arrivals, until: cap);
    settled = await SettleCallbacksAsync(start + cap);
    // Ends whatever is still on the line at the cap (nothing, when the callbacks settled).
    calls = await board.RunAsync([], until: TimeSpan.Zero);
}
wall.Stop();

var orders = await OrdersAsync();

var truth = HourTruth.Of(calls, board.Creates, settled);

Console.WriteLine($"busy hour: {arrivals.Count} calls in one hour to orders (3 agents, talk ~ exp {talkSeconds} s, " +
                  $"patience ~ exp {patienceSeconds} s, seed {seed}); {clock.GetUtcNow() - start:hh\\:mm\\:ss} " +
                  $"virtual in {wall.Elapsed.TotalSeconds:F1} s real; application errors: {calls.Count(c => c.HadApplicationError)}" +
                  (service is null ? "" : $"; service as {(instances == 1 ? "a process" : $"{instances} processes behind a load balancer")}, " +
                                          $"clock {speed}x real time") + (postgres is null ? "; SQLite" : "; PostgreSQL"));
Console.WriteLine($"callbacks: {Format(callbackShare)} of callers take the offer; customers answer after 5-20 s, " +
                  $"{Format(noAnswerShare)} of tries not answered; {callbackSettings.MaxAttempts} tries {callbackSettings.RetryDelaySeconds} s apart; " +
                  (settled ? "all settled" : $"still open at the cap: {orders.GetProperty("callbacks").GetProperty("openNow").GetInt32()}"));
Console.WriteLine($"{"figure",-34} {"service",10} {"truth",10} {"ratio",7}");
Table(orders, truth.Queue, "");
Table(orders.GetProperty("callbacks"), truth.Callbacks, "callbacks.");
Console.WriteLine($"{"callbacks.tries answered",-34} {"",10} {truth.TriesAnswered,10}");
Console.WriteLine($"{"announcements",-34} {orders.GetProperty("announcements").GetInt32(),10}");
Console.WriteLine($"{"announcement mean error (s)",-34} {Format(Nullable(orders.GetProperty("announcementMeanErrorSeconds"))),10}");
Console.WriteLine($"{"answered within promise",-34} {Format(Nullable(orders.GetProperty("answeredWithinPromise"))),10}");

// What callers got, to set side by side with a run at another share (same seed): the same callers arrive, so the
// difference is what the callbacks made. On the line: those who stayed in the queue (answered or abandoned).
Console.WriteLine("callers (truth):");
Console.WriteLine($"  stayed on the line {truth.Answered + truth.Abandoned}: answered {truth.Answered}, abandoned {truth.Abandoned}; " +
                  $"left the queue for a callback {truth.LeftForCallback}");
Console.WriteLine($"  on the line: service level {Format(truth.Queue["serviceLevel"])}, mean wait to an agent {Format(truth.Queue["averageSpeedOfAnswerSeconds"])} s, " +
                  $"mean time in the queue (abandoned too) {Format(truth.TimeInQueue.Count > 0 ? truth.TimeInQueue.Average() : null)} s");
Console.WriteLine($"  reached an agent {truth.Answered + truth.CalledBack} of {arrivals.Count}: on the line {truth.Answered}, called back {truth.CalledBack}");

// The invariants, with or without faults: the same promises hold on a good day.
var bookings = await api.GetFromJsonAsync<JsonElement>("/admin/api/callbacks?limit=1000");
var invariants = new HourInvariants
{
    Outages = faults.RestOutages,
    // With several instances the hotline itself was never down: no call may fail for the one that was killed.
    ServiceDown = instances == 1 ? killed : [],
    Calls = calls,
    Webhooks = board.WebhookAnswers,
    Creates = board.Creates,
    AgentsByQueue = new Dictionary<string, IReadOnlyList<string>> { ["orders"] = board.Options.Agents.Keys.ToList() },
    ServiceFigures = HourInvariants.FiguresOf(orders),
    ServiceBookings = HourInvariants.BookingsOf(bookings),
    MaxAttempts = callbackSettings.MaxAttempts,
}.Check();
Console.WriteLine($"faults: {faults.Describe(start)}; injected: " +
                  (board.Injected.Count == 0 ? "none" : string.Join(", ", board.Injected.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))));
Console.Write(HourInvariants.Table(invariants));

foreach (var (from, until) in killed)
    Console.WriteLine($"{(instances == 1 ? "service" : "instance 1 of " + instances)} down (killed, then answering again): {from:HH:mm:ss} to {until:HH:mm:ss}");
var figuresAgree = true;
if (instances > 1)
{
    // Every instance reports the same figures: they come from the one database.
    foreach (var url in instanceUrls)
    {
        using var direct = new HttpClient { BaseAddress = url };
        direct.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        var stats = await direct.GetFromJsonAsync<JsonElement>("/api/stats");
        var own = stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
        var same = new[] { "offered", "answered", "abandoned" }.All(name => own.GetProperty(name).GetDouble() == orders.GetProperty(name).GetDouble())
                   && own.GetProperty("callbacks").GetProperty("connected").GetDouble() == orders.GetProperty("callbacks").GetProperty("connected").GetDouble();
        figuresAgree &= same;
        Console.WriteLine($"figures on {url}: offered {own.GetProperty("offered")}, answered {own.GetProperty("answered")}, " +
                          $"abandoned {own.GetProperty("abandoned")}, callbacks connected {own.GetProperty("callbacks").GetProperty("connected")}" +
                          (same ? "" : " (DIFFERENT)"));
    }
}
if (app is not null)
    await app.StopAsync();
foreach (var running in services)
    await running.DisposeAsync();
if (restListener is not null)
    await restListener.DisposeAsync();
if ((invariants.All(i => i.Held) && figuresAgree) || service is null)
    workDirectory.Delete(recursive: true);
else
{
    // Every call as the switchboard saw it, on the simulated clock, to read beside the service's log.
    await File.WriteAllLinesAsync(Path.Combine(workDirectory.FullName, "calls.txt"), calls.SelectMany(call =>
        call.Events.Select(e => (At: call.StartedAt + e.At, What: e.Describe()))
            .Append((At: call.StartedAt + call.VirtualDuration, What: $"ended: {call.EndReason} ({call.Status})"))
            .Select(e => (e.At, Line: $"{e.At:HH:mm:ss.fff} {call.CallSid} {call.Direction} {e.What}")))
        .OrderBy(e => e.At).Select(e => e.Line));
    Console.WriteLine($"kept for reading: {workDirectory.FullName} (the database, the service's log with wall-clock UTC stamps, " +
                      $"the clock's origin {origin:HH:mm:ss.fff} UTC at {speed}x, and every call in calls.txt)");
}
return calls.Any(c => c.HadApplicationError) ? 2 : invariants.All(i => i.Held) && figuresAgree ? 0 : 3;

// Moves virtual time on after the callers have hung up, settling the service's work at each step, until no call is
// live and no callback is open (true), or the cap (false).
async Task<bool> SettleCallbacksAsync(DateTimeOffset until)
{
    while (true)
    {
        await board.SettleAsync();
        if (board.Calls.All(c => c.IsCompleted) && (await OrdersAsync()).GetProperty("callbacks").GetProperty("openNow").GetInt32() == 0)
            return true;
        var next = clock.NextDue;
        // The service's background rounds set their next timer when they finish; give a running one a moment.
        for (var wait = 0; next is null && wait < 100; wait++)
        {
            await Task.Delay(10);
            await board.SettleAsync();
            next = clock.NextDue;
        }
        if (next is null || next > until)
            return false;
        clock.AdvanceTo(next.Value);
    }
}

async Task<JsonElement> OrdersAsync()
{
    var stats = await api.GetFromJsonAsync<JsonElement>("/api/stats");
    return stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
}

SimulatedCustomer CalledBack(string number)
{
    if (!customerDraws.TryGetValue(number, out var random))
        return SimulatedCustomer.NeverAnswers;
    var answers = random.NextDouble() >= noAnswerShare;
    var after = TimeSpan.FromSeconds(5 + 15 * random.NextDouble());
    return answers ? SimulatedCustomer.Answering(after, new ScriptedCaller([])) : SimulatedCustomer.NeverAnswers;
}

string Text(string name)
{
    var index = Array.IndexOf(args, name);
    return index + 1 < args.Length ? args[index + 1] : "";
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

double? Share(string name, double fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0)
        return fallback;
    return index + 1 < args.Length && double.TryParse(args[index + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
           && value is >= 0 and <= 1 ? value : null;
}
