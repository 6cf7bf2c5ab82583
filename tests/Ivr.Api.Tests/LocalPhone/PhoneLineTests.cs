using Ivr.Api.LocalPhone;
using Ivr.Simulator;

namespace Ivr.Api.Tests;

/// <summary>A browser phone's line on its own: the person's input on its way to the menus, and the line's transcript.</summary>
public sealed class PhoneLineTests
{
    private const string CallSid = "CA0123456789abcdef0123456789abcdef";
    private static readonly GatherPrompt Menu = new("dtmf speech", 5, 1, "#", null, "pl-PL");

    private readonly VirtualClock _clock = new();

    private PhoneLine OnACall()
    {
        var line = new PhoneLine("line", "+48500100200", _clock);
        Assert.True(line.TryBegin(CallSid, "+48221000000"));
        return line;
    }

    [Fact]
    public async Task KeysPressedBeforeTheMenuListens_WaitForIt_OneMenuAtATime()
    {
        var line = OnACall();

        Assert.True(line.Give(new CallerInput.Keys("1")));
        Assert.True(line.Give(new CallerInput.Speech("konsultant")));

        Assert.Equal(new CallerInput.Keys("1"), await line.ListenAsync(Menu, CancellationToken.None));
        Assert.Equal(new CallerInput.Speech("konsultant"), await line.ListenAsync(Menu, CancellationToken.None));
    }

    [Fact]
    public async Task AMenuThatHearsNothing_GetsSilence_WhenItsTimeoutIsUp_AndLaterKeysGoToTheNextMenu()
    {
        var line = OnACall();

        var listening = line.ListenAsync(Menu, CancellationToken.None).AsTask();
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(listening.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<CallerInput.Silence>(await listening);

        line.Give(new CallerInput.Keys("2"));
        Assert.Equal(new CallerInput.Keys("2"), await line.ListenAsync(Menu, CancellationToken.None));
        var transcript = await line.EventsAsync(0, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(["calling", "listening"], transcript.Events.Select(e => e.Type));
    }

    [Fact]
    public async Task ACallThatBreaksOff_SaysWhy_AndFreesTheLine()
    {
        var line = OnACall();

        line.End(CallSid, "the service did not answer within 15 s");

        var transcript = await line.EventsAsync(1, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(LineState.Ended, transcript.State);
        Assert.Equal(["The call broke off: the service did not answer within 15 s", "Call ended"], transcript.Events.Select(e => e.Text));
        Assert.False(line.Give(new CallerInput.Keys("1")));
        Assert.True(line.TryBegin("CA" + new string('1', 32), "+48221000000"));
    }

    [Fact]
    public async Task ACallbackNobodyAnswersInTime_IsMissed()
    {
        var line = new PhoneLine("line", "+48500100200", _clock);

        var ringing = line.RingAsync(new RingingCall(CallSid, "+48221000000", line.Number, TimeSpan.FromSeconds(30)), CancellationToken.None);
        Assert.Equal(LineState.Incoming, line.State);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(await ringing);
        line.End(CallSid);

        var transcript = await line.EventsAsync(0, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(["Incoming call from +48221000000", "Missed call"], transcript.Events.Select(e => e.Text));
        Assert.False(line.Answer());
    }

    [Fact]
    public async Task AWaitingPage_IsToldAtOnceWhenSomethingHappens()
    {
        var line = OnACall();

        var waiting = line.EventsAsync(1, TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        line.Hear(new Said("Dzień dobry.", "pl-PL", null));

        var page = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new PhoneEvent(2, "said", "Dzień dobry.", "pl-PL"), page.Events.Single());
        Assert.Equal(LineState.Menu, page.State);
    }

    [Fact]
    public async Task AMenuThatHearsNothing_ShowsANote_NotSomethingThePersonSaid()
    {
        var line = OnACall();

        line.Hear(new Listened("dtmf speech", new CallerInput.Silence(), 5, null));

        var transcript = await line.EventsAsync(1, TimeSpan.Zero, CancellationToken.None);
        Assert.DoesNotContain(transcript.Events, e => e.Type == "heard");
        Assert.Equal("no-input", transcript.Events.Single().Type);
    }

    [Fact]
    public async Task TheAgentPickingUp_IsNotTalkingToThem_UntilTheCallIsPutThrough()
    {
        var line = OnACall();
        line.Hear(new Said("Dzień dobry.", "pl-PL", null));
        line.Hear(new Dialed([new DialTarget("Number", "+48221234501")], null, new Dictionary<string, string>()));

        line.Hear(new AgentAnswered("+48221234501", "CA" + new string('2', 32)));

        Assert.Equal(LineState.Connecting, line.State);
        var before = await line.EventsAsync(0, TimeSpan.Zero, CancellationToken.None);
        Assert.DoesNotContain(before.Events, e => e.Type == "agent");
    }
}
