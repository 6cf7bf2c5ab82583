using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Ivr.Simulator.Tests;

public class SwitchboardTests
{
    private const string Agent = "+48221234501";

    private static (Switchboard Board, FakeHotline Hotline) World(
        IReadOnlyDictionary<string, SimulatedAgent> agents, Func<string, SimulatedCustomer>? customers = null,
        bool redirectInBackground = false, TimeSpan? settle = null, IEnumerable<string>? hotlineAgents = null)
    {
        var hotline = new FakeHotline(hotlineAgents ?? agents.Keys, redirectInBackground);
        var board = new Switchboard(new HttpClient(hotline), new VirtualClock(), new SwitchboardOptions
        {
            VoiceUrl = FakeHotline.VoiceUrl,
            StatusCallbackUrl = FakeHotline.StatusUrl,
            Agents = agents,
            Customers = customers ?? (_ => SimulatedCustomer.NeverAnswers),
            SettlePeriod = settle ?? TimeSpan.FromMilliseconds(5),
        });
        hotline.Rest = FakeHotline.RestClient(board);
        return (board, hotline);
    }

    private static IncomingCall Caller(TimeSpan? patience = null, TimeSpan at = default) =>
        new(at, new ScriptedCaller([])) { Patience = patience ?? TimeSpan.FromMinutes(10) };

    [Fact]
    public async Task QueuedCaller_RedirectedToAnsweringAgent_HearsWhisperTalksAndCompletes()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>
        {
            [Agent] = SimulatedAgent.Answering(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2)),
        });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        Assert.Equal(HttpStatusCode.OK, Assert.Single(hotline.RestAnswers).Status);
        Assert.Equal("redirected", call.Events.OfType<LeftQueue>().Single().Result);
        Assert.Empty(hotline.To("/voice/queue/sales/done")); // a REST redirect skips the Enqueue action
        var answered = call.Events.OfType<AgentAnswered>().Single();
        Assert.Equal(Agent, answered.Address);
        Assert.Equal(new Whispered(Agent, "Customer from the sales queue."), call.Events.OfType<Whispered>().Single() with { At = TimeSpan.Zero });

        var whisper = hotline.To("/voice/queue/sales/whisper").Single().Form;
        Assert.Equal(answered.DialCallSid, whisper["CallSid"]);
        Assert.Equal(call.CallSid, whisper["ParentCallSid"]);
        Assert.Equal("outbound-dial", whisper["Direction"]);

        var dialed = hotline.To("/voice/queue/sales/dialed").Single().Form;
        Assert.Equal("completed", dialed["DialCallStatus"]);
        Assert.Equal("120", dialed["DialCallDuration"]);
        Assert.Equal(answered.DialCallSid, dialed["DialCallSid"]);
        Assert.Equal(TimeSpan.FromMinutes(2), call.HandleTime);
        // The redirect arrived while the wait TwiML was on its way: Twilio drops that document.
        Assert.Equal(["Welcome.", "Connecting.", "Thank you."], call.Spoken);

        var status = hotline.To("/voice/status").Single().Form;
        Assert.Equal("completed", status["CallStatus"]);
        Assert.Equal(((long)Math.Ceiling(call.VirtualDuration.TotalSeconds)).ToString(), status["CallDuration"]);
        Assert.True(call.VirtualDuration > TimeSpan.FromSeconds(125), call.Transcript());
        Assert.Equal("hung up by TwiML", call.EndReason);
    }

    [Fact]
    public async Task AgentWhoDoesNotAnswer_GivesNoAnswerAfterTheDialTimeout()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent> { [Agent] = SimulatedAgent.NoAnswer });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        var dialed = hotline.To("/voice/queue/sales/dialed").Single().Form;
        Assert.Equal("no-answer", dialed["DialCallStatus"]);
        Assert.Equal("0", dialed["DialCallDuration"]);
        var ringing = call.Events.OfType<DialEnded>().Single().At - call.Events.OfType<Dialed>().Single().At;
        Assert.Equal(TimeSpan.FromSeconds(20), ringing);
        Assert.Empty(call.Events.OfType<AgentAnswered>());
        Assert.Contains("Nobody answered.", call.Spoken);
    }

    [Fact]
    public async Task BusyAgent_IsBusy_AndAnAddressNobodySimulates_Fails()
    {
        var (busy, busyHotline) = World(new Dictionary<string, SimulatedAgent> { [Agent] = SimulatedAgent.AlwaysBusy });
        var (unknown, unknownHotline) = World(new Dictionary<string, SimulatedAgent>(), hotlineAgents: ["+48220000000"]);

        await busy.RunAsync([Caller()]);
        await unknown.RunAsync([Caller()]);

        Assert.Equal("busy", busyHotline.To("/voice/queue/sales/dialed").Single().Form["DialCallStatus"]);
        Assert.Equal("failed", unknownHotline.To("/voice/queue/sales/dialed").Single().Form["DialCallStatus"]);
    }

    [Fact]
    public async Task CallerWhosePatienceRunsOut_HangsUp_EnqueueActionGetsHangup()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>());

        var call = Assert.Single(await board.RunAsync([Caller(patience: TimeSpan.FromSeconds(60))]));

        var waits = hotline.To("/voice/queue/sales/wait").Select(r => r.Form).ToList();
        Assert.Equal(3, waits.Count); // each round: 13 characters of speech and a 20-second pause
        Assert.Equal(["0", "20", "41"], waits.Select(w => w["QueueTime"]));
        Assert.All(waits, w => Assert.Equal("1", w["QueuePosition"]));
        Assert.All(waits, w => Assert.Equal("1", w["CurrentQueueSize"]));
        var done = hotline.To("/voice/queue/sales/done").Single().Form;
        Assert.Equal("hangup", done["QueueResult"]);
        Assert.Equal("60", done["QueueTime"]);
        Assert.Equal(waits[0]["QueueSid"], done["QueueSid"]);
        Assert.True(call.Abandoned);
        Assert.Equal(TimeSpan.FromSeconds(60), call.QueueWait);
        Assert.Equal("caller", call.Events.OfType<HungUp>().Single().By);
        Assert.Equal("completed", hotline.To("/voice/status").Single().Form["CallStatus"]);
    }

    [Fact]
    public async Task SecondCaller_WaitsBehindTheFirst_AndReportsPositionAndSize()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>());

        var calls = await board.RunAsync([Caller(TimeSpan.FromSeconds(30)), Caller(TimeSpan.FromSeconds(30), at: TimeSpan.FromSeconds(5))]);

        var second = hotline.To("/voice/queue/sales/wait").First(r => r.Form["CallSid"] == calls[1].CallSid).Form;
        Assert.Equal("2", second["QueuePosition"]);
        Assert.Equal("2", second["CurrentQueueSize"]);
        Assert.All(calls, c => Assert.True(c.Abandoned));
        Assert.Equal(TimeSpan.FromSeconds(5), calls[1].StartedAt - calls[0].StartedAt);
    }

    [Fact]
    public async Task RestRedirect_FromBackgroundWork_IsWaitedFor()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>
        {
            [Agent] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(40)),
        }, redirectInBackground: true, settle: TimeSpan.FromMilliseconds(30));

        var call = Assert.Single(await board.RunAsync([Caller()]));

        Assert.Equal("completed", hotline.To("/voice/queue/sales/dialed").Single().Form["DialCallStatus"]);
        // The redirect lands during the first wait round, before any virtual time passes.
        Assert.Single(hotline.To("/voice/queue/sales/wait"));
        Assert.Equal(TimeSpan.FromSeconds(40), call.HandleTime);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task Rest_WithoutTheRightCredentials_Answers401WithTwiliosErrorBody(string? token)
    {
        var (board, _) = World(new Dictionary<string, SimulatedAgent>());
        using var rest = token is null ? new HttpClient(board.CreateRestHandler()) : FakeHotline.RestClient(board, token);

        using var response = await rest.PostAsync(
            $"https://api.twilio.com/2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls/CA{new string('0', 32)}.json",
            new FormUrlEncodedContent([new("Url", "https://shop.example.com/x")]));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rest_UnknownCall_Answers404()
    {
        var (board, _) = World(new Dictionary<string, SimulatedAgent>());
        using var rest = FakeHotline.RestClient(board);

        using var response = await rest.PostAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls/CA{new string('0', 32)}.json",
            new FormUrlEncodedContent([new("Url", "https://shop.example.com/x")]));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(20404, error.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(404, error.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Rest_FetchCall_TellsALiveCallsStatus_AnEndedCallsFinalStatusAndEnd_AndAnUnknownCallIs404()
    {
        var (board, _) = World(new Dictionary<string, SimulatedAgent>());
        using var rest = FakeHotline.RestClient(board);
        var running = board.StartCall(Caller());
        await board.SettleAsync();
        board.Clock.Advance(TimeSpan.FromSeconds(1));
        await board.SettleAsync();
        var sid = Assert.Single(board.Waiting("sales"));
        var calls = $"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls";

        using (var live = JsonDocument.Parse(await rest.GetStringAsync($"{calls}/{sid}.json")))
        {
            Assert.Equal("in-progress", live.RootElement.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, live.RootElement.GetProperty("end_time").ValueKind);
        }
        Assert.True(board.HangUp(sid));
        await running;
        using (var ended = JsonDocument.Parse(await rest.GetStringAsync($"{calls}/{sid}.json")))
        {
            Assert.Equal("completed", ended.RootElement.GetProperty("status").GetString());
            Assert.NotEqual(JsonValueKind.Null, ended.RootElement.GetProperty("end_time").ValueKind);
        }
        using var unknown = await rest.GetAsync($"{calls}/CA{new string('0', 32)}.json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var error = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync());
        Assert.Equal(20404, error.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Rest_HangUpACallInQueue_EndsIt_AndAFinishedCallCannotBeRedirected()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>());
        using var rest = FakeHotline.RestClient(board);
        var running = board.StartCall(Caller());
        await board.SettleAsync();
        board.Clock.Advance(TimeSpan.FromSeconds(1)); // past the welcome
        await board.SettleAsync();
        var sid = Assert.Single(board.Waiting("sales"));
        var path = $"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls/{sid}.json";

        using var hangUp = await rest.PostAsync(path, new FormUrlEncodedContent([new("Status", "completed")]));
        var call = await running;
        using var redirect = await rest.PostAsync(path, new FormUrlEncodedContent([new("Url", "https://shop.example.com/x")]));

        Assert.Equal(HttpStatusCode.OK, hangUp.StatusCode);
        Assert.Equal("api", call.Events.OfType<HungUp>().Single().By);
        Assert.Equal("hung up through the REST API", call.EndReason);
        Assert.Empty(board.Waiting("sales"));
        Assert.Single(hotline.To("/voice/status"));
        Assert.Equal(HttpStatusCode.BadRequest, redirect.StatusCode);
        Assert.Contains("21220", await redirect.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rest_CreateCall_ToACustomerWhoAnswers_RunsTheTwimlWithProgressCallbacks()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>(),
            to => to == "+48600100200" ? SimulatedCustomer.Answering(TimeSpan.FromSeconds(8), new ScriptedCaller(["1"])) : SimulatedCustomer.NeverAnswers);
        using var rest = FakeHotline.RestClient(board);

        using var created = await rest.PostAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls.json", new FormUrlEncodedContent(
        [
            new("To", "+48600100200"), new("From", "+48221000000"), new("Url", FakeHotline.BaseUrl + "/voice/callback"),
            new("StatusCallback", FakeHotline.BaseUrl + "/voice/callback-status"),
            new("StatusCallbackEvent", "initiated"), new("StatusCallbackEvent", "answered"), new("Timeout", "30"),
        ]));
        var call = Assert.Single(await board.RunAsync([]));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal(call.CallSid, json.RootElement.GetProperty("sid").GetString());
        Assert.Equal("queued", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("outbound-api", json.RootElement.GetProperty("direction").GetString());
        Assert.Equal("+48600100200", json.RootElement.GetProperty("to").GetString());

        var webhook = hotline.To("/voice/callback").Single().Form;
        Assert.Equal("outbound-api", webhook["Direction"]);
        Assert.Equal("in-progress", webhook["CallStatus"]);
        Assert.Equal("1", hotline.To("/voice/callback-key").Single().Form["Digits"]);
        var progress = hotline.To("/voice/callback-status").Select(r => r.Form).ToList();
        Assert.Equal(["initiated", "in-progress", "completed"], progress.Select(p => p["CallStatus"]));
        Assert.Equal(["0", "1", "2"], progress.Select(p => p["SequenceNumber"]));
        Assert.Equal(TimeSpan.FromSeconds(8), call.Events.OfType<Requested>().First(r => r.Url.EndsWith("/voice/callback")).At);

        using var fetched = await rest.GetAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls/{call.CallSid}.json");
        using var after = JsonDocument.Parse(await fetched.Content.ReadAsStringAsync());
        Assert.Equal("completed", after.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Rest_CreateCall_ToACustomerWhoNeverAnswers_EndsNoAnswerAfterTheTimeout()
    {
        var (board, hotline) = World(new Dictionary<string, SimulatedAgent>());
        using var rest = FakeHotline.RestClient(board);

        using var created = await rest.PostAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls.json", new FormUrlEncodedContent(
        [
            new("To", "+48600999999"), new("From", "+48221000000"), new("Url", FakeHotline.BaseUrl + "/voice/callback"),
            new("StatusCallback", FakeHotline.BaseUrl + "/voice/callback-status"), new("Timeout", "25"),
        ]));
        var call = Assert.Single(await board.RunAsync([]));

        Assert.Equal("no-answer", call.Status);
        Assert.Equal(TimeSpan.FromSeconds(25), call.VirtualDuration);
        Assert.Empty(hotline.To("/voice/callback"));
        var status = hotline.To("/voice/callback-status").Single().Form;
        Assert.Equal("no-answer", status["CallStatus"]);
        Assert.Equal("0", status["CallDuration"]);
    }

    [Fact]
    public async Task AnHourOfCalls_RunsInSecondsOfRealTime_AndRepeatsForTheSameSeed()
    {
        async Task<(IReadOnlyList<CallRecord> Calls, VirtualClock Clock, DateTimeOffset Start)> RunHourAsync()
        {
            var talk = Draw.Uniform(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(6));
            var (board, _) = World(new Dictionary<string, SimulatedAgent>
            {
                ["+48221234501"] = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), talk),
                ["+48221234502"] = SimulatedAgent.Answering(TimeSpan.FromSeconds(6), talk),
            }, settle: TimeSpan.FromMilliseconds(2));
            var start = board.Clock.GetUtcNow();
            var arrivals = Draw.PoissonArrivals(seed: 7, perHour: 30, TimeSpan.FromHours(1), _ => new ScriptedCaller([]));
            return (await board.RunAsync(arrivals.Select(a => a with { Patience = null })), board.Clock, start);
        }

        var stopwatch = Stopwatch.StartNew();
        var (calls, clock, start) = await RunHourAsync();
        stopwatch.Stop();

        Assert.True(calls.Count > 15, $"{calls.Count} calls");
        Assert.True(clock.GetUtcNow() - start > TimeSpan.FromMinutes(55));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
        Assert.All(calls, c => Assert.False(c.HadApplicationError, c.Transcript()));
        Assert.Contains(calls, c => c.AnsweredAt is not null);
        Assert.All(calls, c => Assert.True(c.Abandoned || c.HandleTime > TimeSpan.Zero, c.Transcript()));

        var again = await RunHourAsync();
        Assert.Equal(calls.Select(Summary), again.Calls.Select(Summary));
    }

    private static string Summary(CallRecord call) =>
        $"{call.CallSid} {call.StartedAt:HH:mm:ss} {call.QueueWait} {call.Abandoned} {call.HandleTime} {call.VirtualDuration}";
}

public class SwitchboardListenerTests
{
    [Fact]
    public async Task Listener_ServesTheRestApiOnLoopback()
    {
        var board = new Switchboard(new HttpClient(new FakeTwilioServer()), new VirtualClock(), new SwitchboardOptions { VoiceUrl = FakeHotline.VoiceUrl });
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var listener = new SwitchboardListener(board, port);
        using var http = new HttpClient { BaseAddress = listener.BaseUrl };

        using var response = await http.PostAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls.json", new FormUrlEncodedContent([new("To", "+1")]));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("20003", await response.Content.ReadAsStringAsync());
    }
}
