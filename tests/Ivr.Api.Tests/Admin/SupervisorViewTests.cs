using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// The supervisor's views after a morning of calls made through the real webhooks: every figure is compared with
/// the calls that made it.
/// </summary>
public sealed class SupervisorViewTests : IAsyncLifetime
{
    private const string ApiKey = "supervisor-key";
    private readonly RecordingTwilioCalls _rest = new();
    private readonly string _menuFile = Path.Combine(Path.GetTempPath(), $"ivr-alerts-{Guid.NewGuid():N}.yaml");
    private HotlineFactory _factory = null!;
    private TwilioRequests _twilio = null!;
    private HttpClient _api = null!;
    private string _answered = "";
    private string _abandoned = "";

    public async Task InitializeAsync()
    {
        // The sample menu with alert thresholds.
        var sample = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        await File.WriteAllTextAsync(_menuFile, sample.Replace("  on_fail: operator\n",
            "  on_fail: operator\n  alerts: { service_level_below: 80, abandoned_above: 40 }\n", StringComparison.Ordinal));
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey, ["Ivr:MenuFile"] = _menuFile },
            services: s => s.AddSingleton<ITwilioCalls>(_rest));
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        _twilio = new TwilioRequests(_api);
        await MorningAsync();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        File.Delete(_menuFile);
    }

    private async Task<(string CallSid, System.Xml.Linq.XDocument Twiml)> CallAsync(string from, params string[] keys)
    {
        var callSid = TwilioRequests.NewCallSid();
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, from));
        foreach (var key in keys)
            twiml = await _twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: key));
        return (callSid, twiml);
    }

    // Wednesday 10:00: only Anna works. The first orders caller waits 90 s for her and talks 95 s, the second hangs
    // up after 185 s; then a complaint joins its queue and has waited 30 s when the views are read.
    private async Task MorningAsync()
    {
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
            if (agent.GetProperty("id").GetString() != "orders.anna")
                await _api.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" });

        (_answered, _) = await CallAsync("+48500100201", "1", "1");
        (_abandoned, _) = await CallAsync("+48500100202", "1", "1");
        var connect = await _twilio.TwimlAsync((await _rest.RedirectOfAsync(_answered)).PathAndQuery, TwilioRequests.Gathered(_answered));
        _factory.Clock.Advance(TimeSpan.FromSeconds(185));
        var dialed = TwilioRequests.Gathered(_answered);
        dialed["DialCallStatus"] = "completed";
        dialed["DialCallDuration"] = "95";
        await _twilio.TwimlAsync(new Uri(connect.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery, dialed);
        var hangUp = TwilioRequests.Gathered(_abandoned);
        hangUp["CallStatus"] = "completed";
        await _twilio.TwimlAsync("/voice/status", hangUp);
        await CallAsync("+48500100203", "3");
        _factory.Clock.Advance(TimeSpan.FromSeconds(30));
    }

    private static JsonElement Department(JsonElement view, string id) =>
        view.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == id);

    [Fact]
    public async Task TheWall_ShowsWhoWaitsNow_WithTheirWaitAndPlace_AndTheAgents()
    {
        var wall = await _api.GetFromJsonAsync<JsonElement>("/admin/api/wall");

        var complaints = Department(wall, "complaints");
        var waiting = complaints.GetProperty("waiting").EnumerateArray().ToList();
        Assert.Equal((1, 30.0, "pl-PL", false), (waiting.Single().GetProperty("place").GetInt32(),
            waiting.Single().GetProperty("waitSeconds").GetDouble(), waiting.Single().GetProperty("language").GetString(),
            waiting.Single().GetProperty("callback").GetBoolean()));
        Assert.Equal(30, complaints.GetProperty("longestWaitSeconds").GetDouble());
        var orders = Department(wall, "orders");
        Assert.Empty(orders.GetProperty("waiting").EnumerateArray());
        // Anna answered 90 s after the caller joined: not within 20 s, and the other caller gave up: 0 of 2.
        Assert.Equal(0, orders.GetProperty("serviceLevel").GetDouble());
        var agents = (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray().Where(a => a.GetProperty("department").GetString() == "orders").ToList();
        Assert.Equal(agents.Count, orders.GetProperty("agentsFree").GetInt32() + orders.GetProperty("agentsInWrapUp").GetInt32()
            + orders.GetProperty("agentsAway").GetInt32() + orders.GetProperty("agentsTalking").GetInt32() + orders.GetProperty("agentsRinging").GetInt32());
        Assert.Equal(agents.Count(a => a.GetProperty("status").GetString() == "away"), orders.GetProperty("agentsAway").GetInt32());
    }

    [Fact]
    public async Task TheFigures_PerHourAndPerDay_AreThoseOfTheCalls_AndYesterdayKeepsThem()
    {
        var today = await _api.GetFromJsonAsync<JsonElement>("/admin/api/figures?range=today&department=orders");
        Assert.Equal("hour", today.GetProperty("by").GetString());
        var rows = today.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(24, rows.Count);
        var ten = rows[10];
        Assert.Equal("2026-11-25 10:00", ten.GetProperty("period").GetString());
        Assert.Equal((2, 1, 1), (ten.GetProperty("offered").GetInt32(), ten.GetProperty("answered").GetInt32(), ten.GetProperty("abandoned").GetInt32()));
        Assert.Equal(90, ten.GetProperty("averageWaitSeconds").GetDouble());
        Assert.Equal(0, ten.GetProperty("serviceLevel").GetDouble());
        Assert.Equal(2, rows.Sum(r => r.GetProperty("offered").GetInt32()));
        Assert.Equal(2, today.GetProperty("total").GetProperty("offered").GetInt32());

        var all = await _api.GetFromJsonAsync<JsonElement>("/admin/api/figures?range=today");
        Assert.Equal((3, 1, 1), (all.GetProperty("total").GetProperty("offered").GetInt32(),
            all.GetProperty("total").GetProperty("answered").GetInt32(), all.GetProperty("total").GetProperty("abandoned").GetInt32()));

        _factory.Clock.Advance(TimeSpan.FromDays(1));
        var yesterday = await _api.GetFromJsonAsync<JsonElement>("/admin/api/figures?range=yesterday&by=day");
        Assert.Equal("2026-11-25", yesterday.GetProperty("rows").EnumerateArray().Single().GetProperty("period").GetString());
        Assert.Equal(3, yesterday.GetProperty("rows")[0].GetProperty("offered").GetInt32());
        var week = await _api.GetFromJsonAsync<JsonElement>("/admin/api/figures?range=7d");
        Assert.Equal("day", week.GetProperty("by").GetString());
        Assert.Equal(7, week.GetProperty("rows").GetArrayLength());
        Assert.Equal([0, 0, 0, 0, 0, 3, 0], week.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("offered").GetInt32()));
        var custom = await _api.GetFromJsonAsync<JsonElement>("/admin/api/figures?from=2026-11-24&to=2026-11-25&by=day");
        Assert.Equal(["2026-11-24", "2026-11-25"], custom.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("period").GetString()));
        Assert.Equal(90, custom.GetProperty("total").GetProperty("averageWaitSeconds").GetDouble());

        var csv = await _api.GetStringAsync("/admin/api/figures.csv?range=yesterday&by=day");
        Assert.Equal(["period,offered,answered,abandoned,average_wait_seconds,service_level", "2026-11-25,3,1,1,90,0", "total,3,1,1,90,0"],
            csv.TrimEnd().Split("\r\n"));
        using var bad = await _api.GetAsync("/admin/api/figures?range=week");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task TheCallSearch_FindsByNumberAndOutcome_ShowsTheWholePath_AndExportsCsv()
    {
        var byNumber = await _api.GetFromJsonAsync<JsonElement>("/admin/api/calls?number=500%20100%20202");
        var abandoned = byNumber.GetProperty("calls").EnumerateArray().Single();
        Assert.Equal((_abandoned, "orders", "abandoned"), (abandoned.GetProperty("callSid").GetString(),
            abandoned.GetProperty("department").GetString(), abandoned.GetProperty("outcome").GetString()));

        var answered = (await _api.GetFromJsonAsync<JsonElement>("/admin/api/calls?outcome=answered&from=2026-11-25&to=2026-11-25&department=orders"))
            .GetProperty("calls").EnumerateArray().Single();
        Assert.Equal(_answered, answered.GetProperty("callSid").GetString());
        Assert.Equal(90, answered.GetProperty("waitSeconds").GetDouble());
        Assert.Equal(95, answered.GetProperty("talkSeconds").GetInt32());
        Assert.Equal("orders.anna", answered.GetProperty("agent").GetString());
        Assert.Empty((await _api.GetFromJsonAsync<JsonElement>("/admin/api/calls?from=2026-11-26")).GetProperty("calls").EnumerateArray());
        Assert.Equal(3, (await _api.GetFromJsonAsync<JsonElement>("/admin/api/calls")).GetProperty("calls").GetArrayLength());

        var path = (await _api.GetFromJsonAsync<JsonElement>($"/admin/api/calls/{_answered}")).EnumerateArray()
            .Select(s => s.GetProperty("what").GetString()!).ToList();
        Assert.Contains(path, s => s.Contains("(1)"));
        Assert.Contains("joined the orders queue", path);
        Assert.Contains("orders.anna answered after 90 s, talked 95 s", path);
        Assert.Contains(path, s => s.StartsWith("place 1", StringComparison.Ordinal));

        var csv = (await _api.GetStringAsync("/admin/api/calls.csv?outcome=abandoned")).TrimEnd().Split("\r\n");
        Assert.Equal("started_at,call_sid,caller,department,outcome,wait_seconds,talk_seconds,duration_seconds,agent", csv[0]);
        Assert.StartsWith($"2026-11-25 10:00:00,{_abandoned},+48500100202,orders,abandoned,", csv[1]);
        Assert.Equal(2, csv.Length);
    }

    [Fact]
    public async Task TheDashboard_RaisesTheAlertsOfTheMenuFile_WhenTodayCrossesThem()
    {
        var dashboard = await _api.GetFromJsonAsync<JsonElement>("/admin/api/dashboard");

        var alerts = dashboard.GetProperty("alerts").EnumerateArray()
            .Select(a => (a.GetProperty("department").GetString(), a.GetProperty("kind").GetString(), a.GetProperty("percent").GetDouble()))
            .ToList();
        // Orders: 0 of 2 within 20 s (under 80%), 1 of 2 hung up (over 40%); complaints has no ended call yet.
        Assert.Equal([("orders", "service-level", 0.0), ("orders", "abandoned", 50.0)], alerts);
    }

    [Fact]
    public async Task SettingAnAgentAway_FromTheBoard_IsAudited_AndShown()
    {
        using var response = await _api.PutAsJsonAsync("/admin/api/agents/orders.anna/status", new { status = "away" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var board = (await _api.GetFromJsonAsync<JsonElement>("/admin/api/agents")).EnumerateArray().ToList();
        Assert.Equal("away", board.Single(a => a.GetProperty("id").GetString() == "orders.anna").GetProperty("state").GetString());
        var audit = (await _api.GetFromJsonAsync<JsonElement>("/admin/api/audit")).EnumerateArray().First();
        Assert.Equal(("api-key", "agent-away", "orders.anna"), (audit.GetProperty("actor").GetString(),
            audit.GetProperty("action").GetString(), audit.GetProperty("subject").GetString()));
        using var unknown = await _api.PutAsJsonAsync("/admin/api/agents/orders.nobody/status", new { status = "away" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
