using System.Net;

namespace Ivr.Simulator.Tests;

/// <summary>Each of the switchboard's faults does what it says, and the same seed hits the same webhooks.</summary>
public class SwitchboardFaultTests
{
    private const string Agent = "+48221234501";
    private const string Status = "/voice/status";
    private const string Dialed = "/voice/queue/sales/dialed";
    private const string Done = "/voice/queue/sales/done";

    private static (Switchboard Board, FakeHotline Hotline) World(SwitchboardFaults faults, bool withAgent = true)
    {
        var agents = withAgent
            ? new Dictionary<string, SimulatedAgent> { [Agent] = SimulatedAgent.Answering(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2)) }
            : [];
        var hotline = new FakeHotline(agents.Keys);
        var board = new Switchboard(new HttpClient(hotline), new VirtualClock(), new SwitchboardOptions
        {
            VoiceUrl = FakeHotline.VoiceUrl,
            StatusCallbackUrl = FakeHotline.StatusUrl,
            Agents = agents,
            SettlePeriod = TimeSpan.FromMilliseconds(5),
            Faults = faults,
        });
        hotline.Rest = FakeHotline.RestClient(board);
        return (board, hotline);
    }

    private static IncomingCall Caller(TimeSpan? patience = null, TimeSpan at = default) =>
        new(at, new ScriptedCaller([])) { Patience = patience ?? TimeSpan.FromMinutes(10) };

    private static string CreatePath => $"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls.json";

    private static FormUrlEncodedContent NewCall() => new(
    [
        new("To", "+48600100200"), new("From", "+48221000000"), new("Url", FakeHotline.BaseUrl + "/voice/callback"),
    ]);

    [Fact]
    public async Task LostStatusCallbacks_NeverReachTheService()
    {
        var (board, hotline) = World(new SwitchboardFaults { LoseStatus = 1 });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        Assert.NotNull(call.AnsweredAt);
        Assert.Empty(hotline.To(Status));
        Assert.Single(hotline.To(Dialed));
        Assert.Equal(1, board.Injected["lose-status"]);
    }

    [Fact]
    public async Task ALostDialAction_EndsTheCallThere_AndOnlyTheStatusCallbackTells()
    {
        var (board, hotline) = World(new SwitchboardFaults { LoseAction = 1 });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        Assert.NotNull(call.AnsweredAt);
        Assert.Equal(TimeSpan.FromMinutes(2), call.HandleTime);
        Assert.Empty(hotline.To(Dialed));
        Assert.Equal("caller hung up as the dial ended", call.EndReason);
        Assert.Equal("completed", hotline.To(Status).Single().Form["CallStatus"]);
        Assert.DoesNotContain("Thank you.", call.Spoken);
    }

    [Fact]
    public async Task ALostEnqueueAction_LeavesTheServiceUnawareTheCallerHungUpInTheQueue()
    {
        var (board, hotline) = World(new SwitchboardFaults { LoseAction = 1 }, withAgent: false);

        var call = Assert.Single(await board.RunAsync([Caller(patience: TimeSpan.FromSeconds(60))]));

        Assert.True(call.Abandoned);
        Assert.Empty(hotline.To(Done));
        Assert.Single(hotline.To(Status));
    }

    [Fact]
    public async Task DuplicatedCallbacks_ArriveTwice_AndTheCopyIsMarked()
    {
        var (board, hotline) = World(new SwitchboardFaults { Duplicate = 1 });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        Assert.Equal(2, hotline.To(Dialed).Count);
        Assert.Equal(2, hotline.To(Status).Count);
        Assert.Equal(hotline.To(Status)[0].Form, hotline.To(Status)[1].Form);
        // The call followed the first answer only: one goodbye, not two.
        Assert.Single(call.Spoken, s => s == "Thank you.");
        var copies = board.WebhookAnswers.Where(a => a.Copy).ToList();
        Assert.Equal([WebhookKind.Action, WebhookKind.Status], copies.Select(c => c.Kind));
        Assert.Equal(2, board.Injected["duplicate"]);
    }

    [Fact]
    public async Task Reordered_TheStatusCallbackComesBeforeTheDialAction()
    {
        var (board, hotline) = World(new SwitchboardFaults { Reorder = 1 });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        var paths = hotline.Requests.Select(r => r.Path).Where(p => p is Status or Dialed).ToList();
        Assert.Equal([Status, Dialed], paths);
        Assert.Equal("completed", hotline.To(Status).Single().Form["CallStatus"]);
        Assert.Equal("caller hung up as the dial ended", call.EndReason);
        Assert.Equal(1, board.Injected["reorder"]);
    }

    [Fact]
    public async Task LateCallbacks_ArriveLateByAfterTheirMoment()
    {
        var lateBy = TimeSpan.FromSeconds(12);
        var (board, _) = World(new SwitchboardFaults { Late = 1, LateBy = lateBy });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        var dialEnded = call.Events.OfType<DialEnded>().Single().At;
        var dialed = call.Requests.Single(r => r.Url.Contains(Dialed)).At;
        Assert.Equal(lateBy, dialed - dialEnded);
        var status = board.WebhookAnswers.Single(a => a.Kind == WebhookKind.Status).At;
        var lastDocument = call.StartedAt + call.Requests.Last(r => !r.Url.EndsWith(Status)).At;
        // After the goodbye the call ends; its status callback comes late by LateBy.
        Assert.InRange(status - lastDocument, lateBy, lateBy + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task RestServerErrorsAndTooManyRequests_CarryNothingOut_DuringTheirPeriodOnly()
    {
        var clock = new VirtualClock();
        var start = clock.GetUtcNow();
        var (board, _) = World(SwitchboardFaults.Parse("rest-5xx=0..60,rest-429=60..120", start));
        using var rest = FakeHotline.RestClient(board);

        using var failed = await rest.PostAsync(CreatePath, NewCall());
        board.Clock.Advance(TimeSpan.FromSeconds(60));
        using var refused = await rest.PostAsync(CreatePath, NewCall());
        board.Clock.Advance(TimeSpan.FromSeconds(60));
        using var created = await rest.PostAsync(CreatePath, NewCall());

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("20500", await failed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("20429", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Single(board.Creates);
    }

    [Fact]
    public async Task RestConnectionsRefused_ThrowAConnectionError_AndPlaceNothing()
    {
        var (board, _) = World(SwitchboardFaults.Parse("rest-refused=0..60", new VirtualClock().GetUtcNow()));
        using var rest = FakeHotline.RestClient(board);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => rest.PostAsync(CreatePath, NewCall()));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Empty(board.Creates);
    }

    [Fact]
    public async Task RestTimeouts_PlaceTheCall_ButTheAnswerNeverComes()
    {
        var (board, _) = World(SwitchboardFaults.Parse("rest-timeout=0..60", new VirtualClock().GetUtcNow()));
        using var rest = FakeHotline.RestClient(board);

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => rest.PostAsync(CreatePath, NewCall()));

        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal("+48600100200", Assert.Single(board.Creates).To);
        Assert.Equal(1, board.Injected["rest-timeout"]);
    }

    [Fact]
    public async Task TheSameSeed_HitsTheSameWebhooks_AndAnotherSeedOthers()
    {
        async Task<string> RunAsync(int seed)
        {
            var (board, _) = World(new SwitchboardFaults { Seed = seed, Duplicate = 0.5, LoseStatus = 0.3 });
            var arrivals = Enumerable.Range(0, 12).Select(i => Caller(patience: TimeSpan.FromSeconds(30), at: TimeSpan.FromMinutes(3 * i)));
            await board.RunAsync(arrivals);
            return string.Join("\n", board.WebhookAnswers
                .Where(a => a.Kind is WebhookKind.Status or WebhookKind.Action)
                .Select(a => $"{a.CallSid} {new Uri(a.Url).AbsolutePath} {a.Copy}")
                .Order());
        }

        var first = await RunAsync(seed: 3);
        var again = await RunAsync(seed: 3);
        var other = await RunAsync(seed: 4);

        Assert.Equal(first, again);
        Assert.Contains("True", first);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Parse_ReadsEveryFault_AndAllMeansEveryOne()
    {
        var start = VirtualClock.DefaultStart;

        var faults = SwitchboardFaults.Parse("lose-status=0.1,duplicate=0.2,late=0.05,late-by=8,rest-5xx=600..900,rest-refused=30..40", start, seed: 9);

        Assert.Equal(0.1, faults.LoseStatus);
        Assert.Equal(0.2, faults.Duplicate);
        Assert.Equal(0.05, faults.Late);
        Assert.Equal(TimeSpan.FromSeconds(8), faults.LateBy);
        Assert.Equal(9, faults.Seed);
        Assert.Equal(RestFault.ServerError, faults.OutageAt(start.AddSeconds(600))!.Kind);
        Assert.Null(faults.OutageAt(start.AddSeconds(900)));
        Assert.Equal(RestFault.Refused, faults.OutageAt(start.AddSeconds(35))!.Kind);
        Assert.Equal("lose-status=0.1,duplicate=0.2,late=0.05,late-by=8,rest-5xx=600..900,rest-refused=30..40", faults.Describe(start));

        var all = SwitchboardFaults.Parse("all,duplicate=0", start);
        Assert.Equal(0, all.Duplicate);
        Assert.True(all.LoseStatus > 0 && all.LoseAction > 0 && all.Reorder > 0 && all.Late > 0);
        Assert.Equal(4, all.RestOutages.Select(o => o.Kind).Distinct().Count());
    }

    [Fact]
    public void Parse_ReadsKills_WhichAllLeavesOut()
    {
        var start = VirtualClock.DefaultStart;

        var faults = SwitchboardFaults.Parse("all,kill=1200..1230", start);

        var kill = Assert.Single(faults.Kills);
        Assert.Equal(new ServiceKill(start.AddSeconds(1200), start.AddSeconds(1230)), kill);
        Assert.EndsWith(",kill=1200..1230", faults.Describe(start));
        Assert.Empty(SwitchboardFaults.Parse("all", start).Kills);
    }

    [Fact]
    public async Task AServiceThatIsDown_CutsTheCallOff_WithoutCallingItAnApplicationError()
    {
        var board = new Switchboard(new HttpClient(new Refusing()), new VirtualClock(), new SwitchboardOptions
        {
            VoiceUrl = FakeHotline.VoiceUrl,
            StatusCallbackUrl = FakeHotline.StatusUrl,
            SettlePeriod = TimeSpan.FromMilliseconds(5),
        });

        var call = Assert.Single(await board.RunAsync([Caller()]));

        Assert.True(call.WasCutOff, call.Transcript());
        Assert.False(call.HadApplicationError);
        Assert.All(board.WebhookAnswers, answer => Assert.True(answer.Unreachable));
    }

    private sealed class Refusing : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (shop.example.com:443)");
    }

    [Theory]
    [InlineData("kill=600", "FROM..UNTIL")]
    [InlineData("lose=0.1", "unknown fault")]
    [InlineData("duplicate=2", "between 0 and 1")]
    [InlineData("rest-5xx=600", "FROM..UNTIL")]
    [InlineData("rest-429=900..600", "must end after it starts")]
    public void Parse_RefusesWhatItCannotRead_NamingTheItem(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => SwitchboardFaults.Parse(text, VirtualClock.DefaultStart));

        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
