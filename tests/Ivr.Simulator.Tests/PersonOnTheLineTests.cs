namespace Ivr.Simulator.Tests;

/// <summary>A real person on a switchboard call (the browser phone): they pick up when they choose, may take part of
/// a menu's timeout to say nothing, and hang up whenever they like.</summary>
public class PersonOnTheLineTests
{
    private const string Customer = "+48600100200";

    private static (Switchboard Board, FakeHotline Hotline) World(Func<string, SimulatedCustomer>? customers = null)
    {
        var hotline = new FakeHotline([]);
        var board = new Switchboard(new HttpClient(hotline), new VirtualClock(), new SwitchboardOptions
        {
            VoiceUrl = FakeHotline.VoiceUrl,
            StatusCallbackUrl = FakeHotline.StatusUrl,
            Customers = customers ?? (_ => SimulatedCustomer.NeverAnswers),
            SettlePeriod = TimeSpan.FromMilliseconds(5),
        });
        hotline.Rest = FakeHotline.RestClient(board);
        return (board, hotline);
    }

    private static async Task CallBackAsync(Switchboard board)
    {
        using var rest = FakeHotline.RestClient(board);
        using var created = await rest.PostAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls.json", new FormUrlEncodedContent(
        [
            new("To", Customer), new("From", "+48221000000"), new("Url", FakeHotline.BaseUrl + "/voice/callback"),
            new("Timeout", "30"),
        ]));
        created.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task APersonWhoPicksUp_IsToldWhoCalls_AndHearsTheTwiml()
    {
        RingingCall? rang = null;
        var (board, hotline) = World(to => to == Customer
            ? SimulatedCustomer.Person(new ScriptedCaller(["1"]), (ringing, _) =>
            {
                rang = ringing;
                return Task.FromResult(true);
            })
            : SimulatedCustomer.NeverAnswers);

        await CallBackAsync(board);
        var call = Assert.Single(await board.RunAsync([]));

        Assert.Equal(new RingingCall(call.CallSid, "+48221000000", Customer, TimeSpan.FromSeconds(30)), rang);
        Assert.Equal("completed", call.Status);
        Assert.Equal("1", hotline.To("/voice/callback-key").Single().Form["Digits"]);
    }

    [Fact]
    public async Task APersonWhoDoesNotPickUp_LeavesTheCallUnanswered()
    {
        var (board, hotline) = World(_ => SimulatedCustomer.Person(new ScriptedCaller(["1"]), (_, _) => Task.FromResult(false)));

        await CallBackAsync(board);
        var call = Assert.Single(await board.RunAsync([]));

        Assert.Equal("no-answer", call.Status);
        Assert.Empty(hotline.To("/voice/callback"));
    }

    [Fact]
    public async Task SilenceThatTookTheCallerAWhile_EndsWhenTheGathersTimeoutIsUp_NotLater()
    {
        VirtualClock? clock = null;
        var (board, _) = World(_ => SimulatedCustomer.Person(new DawdlingCaller(() => clock!, TimeSpan.FromSeconds(3)), (_, _) => Task.FromResult(true)));
        clock = board.Clock;

        await CallBackAsync(board);
        var call = Assert.Single(await board.RunAsync([]));

        // The callback menu listens for 5 s (Twilio's default) and then runs out of TwiML: the call ends.
        var listened = call.Events.OfType<Listened>().Single();
        Assert.IsType<CallerInput.Silence>(listened.Heard);
        Assert.Equal(TimeSpan.FromSeconds(5), call.VirtualDuration - listened.At);
    }

    [Fact]
    public async Task ACallWithItsOwnSid_IsKnownByIt_AndTheCallerCanHangUpWhileWaitingInTheQueue()
    {
        var (board, hotline) = World();
        const string callSid = "CA0123456789abcdef0123456789abcdef";

        var running = board.StartCall(new IncomingCall(TimeSpan.Zero, new ScriptedCaller([])) { CallSid = callSid, Patience = TimeSpan.FromHours(1) });
        for (var second = 0; second < 10 && board.Waiting("sales").Count == 0; second++)
        {
            await board.SettleAsync();
            board.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Same(running, board.RecordOf(callSid));
        Assert.Equal([callSid], board.Waiting("sales"));
        Assert.True(board.HangUp(callSid));
        var call = await running;
        Assert.Equal(callSid, call.CallSid);
        Assert.Equal("caller hung up", call.EndReason);
        Assert.Equal("hangup", call.Events.OfType<LeftQueue>().Single().Result);
        Assert.Equal("completed", hotline.To("/voice/status").Single().Form["CallStatus"]);
        Assert.False(board.HangUp(callSid));
        Assert.False(board.HangUp("CA" + new string('f', 32)));
        Assert.Null(board.RecordOf("CA" + new string('f', 32)));
    }

    /// <summary>Takes a while (on the switchboard's clock) to decide to say nothing.</summary>
    private sealed class DawdlingCaller(Func<VirtualClock> clock, TimeSpan thinking) : ICaller
    {
        public ValueTask<CallerInput> ListenAsync(GatherPrompt prompt, CancellationToken ct)
        {
            clock().Advance(thinking);
            return ValueTask.FromResult<CallerInput>(new CallerInput.Silence());
        }
    }
}
