using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>The console's dashboard after a morning of calls made through the real webhooks.</summary>
public class DashboardTests : IAsyncLifetime
{
    private const string ApiKey = "dashboard-key";
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    private readonly RecordingTwilioCalls _rest = new();
    private HotlineFactory _factory = null!;
    private TwilioRequests _twilio = null!;
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey },
            services: s => s.AddSingleton<ITwilioCalls>(_rest), backend: Backend);
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        _twilio = new TwilioRequests(_api);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>A caller who presses <paramref name="keys"/> one after another; returns the last TwiML.</summary>
    private async Task<(string CallSid, System.Xml.Linq.XDocument Twiml)> CallAsync(string from, params string[] keys)
    {
        var callSid = TwilioRequests.NewCallSid();
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, from));
        foreach (var key in keys)
            twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: key));
        return (callSid, twiml);
    }

    private static JsonElement Department(JsonElement dashboard, string id) =>
        dashboard.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == id);

    [Fact]
    public async Task AfterAFewCalls_TheDashboardShowsTodaysFigures_CallsPerHour_AndTheWaits()
    {
        // Only Anna works this morning, so the second caller has to wait.
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
            if (agent.GetProperty("id").GetString() != "orders.anna")
                await _api.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" });

        var (answered, _) = await CallAsync("+48500100201", "1", "1");
        var (abandons, _) = await CallAsync("+48500100202", "1", "1");
        var connect = await _twilio.TwimlAsync((await _rest.RedirectOfAsync(answered)).PathAndQuery, TwilioRequests.Gathered(answered));

        // Anna answers 90 s after the caller joined and talks for 95 s; the other caller gives up meanwhile.
        _factory.Clock.Advance(TimeSpan.FromSeconds(185));
        var dialed = TwilioRequests.Gathered(answered);
        dialed["DialCallStatus"] = "completed";
        dialed["DialCallDuration"] = "95";
        await _twilio.TwimlAsync(new Uri(connect.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery, dialed);
        var hangUp = TwilioRequests.Gathered(abandons);
        hangUp["CallStatus"] = "completed";
        await _twilio.TwimlAsync("/voice/status", hangUp);

        // A complaint still waiting, and two callbacks booked from the returns menu, one of which got through.
        await CallAsync("+48500100203", "3");
        var bookings = _factory.Services.GetRequiredService<Ivr.Api.Callbacks.CallbackBookings>();
        var returns = _factory.Services.GetRequiredService<Ivr.Api.Menus.MenuCatalog>().Current.Departments["returns"];
        await bookings.BookAsync("+48500100204", returns, "pl-PL", "menu", null, null);
        var connected = await bookings.BookAsync("+48500100205", returns, "pl-PL", "menu", null, null);
        using (var db = _factory.OpenDatabase())
            db.Execute("UPDATE callbacks SET status = 'connected', connected_at = booked_at, ended_at = booked_at WHERE reference = @Reference",
                new { connected.Reference });
        _factory.Clock.Advance(TimeSpan.FromSeconds(30));

        var dashboard = await _api.GetFromJsonAsync<JsonElement>("/admin/api/dashboard");

        var orders = Department(dashboard, "orders");
        Assert.Equal("the orders team", orders.GetProperty("title").GetString());
        Assert.Equal(2, orders.GetProperty("calls").GetInt32());
        Assert.Equal(1, orders.GetProperty("answered").GetInt32());
        Assert.Equal(0, orders.GetProperty("answeredWithinServiceLevel").GetInt32());
        Assert.Equal(90, orders.GetProperty("averageWaitSeconds").GetDouble());
        Assert.Equal(1, orders.GetProperty("abandoned").GetInt32());
        Assert.Equal(0.5, orders.GetProperty("abandonmentRate").GetDouble());
        Assert.Equal(95, orders.GetProperty("averageHandleSeconds").GetDouble());
        var hours = orders.GetProperty("callsPerHour").EnumerateArray().ToList();
        Assert.Equal(24, hours.Count);
        Assert.Equal(("10:00", 2), (hours[10].GetProperty("hour").GetString(), hours[10].GetProperty("calls").GetInt32()));
        Assert.Equal(2, hours.Sum(h => h.GetProperty("calls").GetInt32()));
        var waits = orders.GetProperty("waitDistribution").EnumerateArray()
            .ToDictionary(b => b.GetProperty("label").GetString()!, b => b.GetProperty("answered").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["0–20 s"] = 0, ["20–60 s"] = 0, ["1–2 min"] = 1, ["2–5 min"] = 0, ["5+ min"] = 0 }, waits);

        var complaints = Department(dashboard, "complaints");
        Assert.Equal(1, complaints.GetProperty("waitingNow").GetInt32());
        Assert.Equal(30, complaints.GetProperty("longestWaitSeconds").GetDouble());
        Assert.Equal(1, complaints.GetProperty("calls").GetInt32());

        var callbacks = Department(dashboard, "returns").GetProperty("callbacks");
        Assert.Equal((2, 1, 0), (callbacks.GetProperty("booked").GetInt32(), callbacks.GetProperty("connected").GetInt32(), callbacks.GetProperty("failed").GetInt32()));
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T23:00:00Z"), dashboard.GetProperty("dayStart").GetDateTimeOffset());
    }

    [Fact]
    public async Task YesterdaysCalls_DoNotCountToday()
    {
        await CallAsync("+48500100201", "1", "1");
        _factory.Clock.Advance(TimeSpan.FromDays(1));

        var orders = Department(await _api.GetFromJsonAsync<JsonElement>("/admin/api/dashboard"), "orders");

        Assert.Equal(0, orders.GetProperty("calls").GetInt32());
        Assert.All(orders.GetProperty("callsPerHour").EnumerateArray(), h => Assert.Equal(0, h.GetProperty("calls").GetInt32()));
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class DashboardTestsOnPostgres : DashboardTests
{
    protected override Backend Backend => Backend.Postgres;
}
