namespace Ivr.Simulator.Tests;

/// <summary>The invariants judge from the switchboard's records what callers and agents went through.</summary>
public class HourInvariantsTests
{
    private const string Agent = "+48221234501";
    private static readonly DateTimeOffset Nine = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static CallRecord Call(string callSid, params CallEvent[] events) =>
        new(callSid, events, "caller hung up", "completed", events[^1].At) { StartedAt = Nine };

    private static Dialed Dial(double at) => new([new DialTarget("Number", Agent)], null, new Dictionary<string, string>()) { At = S(at) };

    private static Invariant NobodyWaited(params CallRecord[] calls) => new HourInvariants
    {
        Calls = calls,
        Webhooks = [],
        Creates = [],
        AgentsByQueue = new Dictionary<string, IReadOnlyList<string>> { ["orders"] = [Agent] },
        ServiceFigures = new Dictionary<string, double> { ["offered"] = 3, ["answered"] = 2, ["abandoned"] = 1 },
        ServiceBookings = new Dictionary<string, string>(),
    }.Check().Single(i => i.Name.StartsWith("nobody waited", StringComparison.Ordinal));

    // The agent talks to the first caller until 40 s, wraps up until 70 s; the second caller is redirected to her at
    // redirectedAt and her phone rings at 110 s (the connect TwiML came slowly); the third waits and hangs up at 150 s.
    private static Invariant OneAgentTwoWaiting(double redirectedAt) => NobodyWaited(
        Call("CA1", Dial(0), new DialEnded("completed", S(40)) { At = S(40) }),
        Call("CA2", new Enqueued("orders", null, null) { At = S(10) }, new LeftQueue("orders", "redirected", S(redirectedAt - 10)) { At = S(redirectedAt) },
            new Redirected("/voice/queue/orders/connect") { At = S(redirectedAt) }, Dial(110), new DialEnded("completed", S(60)) { At = S(200) }),
        Call("CA3", new Enqueued("orders", null, null) { At = S(20) }, new LeftQueue("orders", "hangup", S(130)) { At = S(150) }));

    [Fact]
    public void AnAgentACallerWasRedirectedTo_IsTakenFromTheRedirect_NotOnlyOnceHerPhoneRings()
    {
        var invariant = OneAgentTwoWaiting(redirectedAt: 72);

        Assert.True(invariant.Held, string.Join("; ", invariant.Examples));
    }

    [Fact]
    public void AnAgentFreeLongBeforeTheRedirect_StillCountsAgainstTheCallersWaiting()
    {
        var invariant = OneAgentTwoWaiting(redirectedAt: 105);

        Assert.False(invariant.Held);
        Assert.Contains(invariant.Examples, e => e.StartsWith("CA3 waited while an agent was free from 08:01:10", StringComparison.Ordinal));
    }
}
