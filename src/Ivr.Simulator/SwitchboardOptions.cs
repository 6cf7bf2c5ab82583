namespace Ivr.Simulator;

/// <summary>The simulated Twilio account, its agents and customers, for a <see cref="Switchboard"/>.</summary>
public sealed class SwitchboardOptions
{
    public string AuthToken { get; init; } = SimulatorOptions.DefaultAuthToken;
    public string AccountSid { get; init; } = SimulatorOptions.DefaultAccountSid;

    /// <summary>The number's voice webhook, requested when an incoming call arrives.</summary>
    public required Uri VoiceUrl { get; init; }

    /// <summary>The number's status callback: CallStatus=completed and CallDuration at the end of every incoming call.</summary>
    public Uri? StatusCallbackUrl { get; init; }

    /// <summary>Address dialed (the text of &lt;Number&gt;, &lt;Sip&gt; or &lt;Client&gt;) -> who picks up there.
    /// An address not in the table fails (DialCallStatus=failed).</summary>
    public IReadOnlyDictionary<string, SimulatedAgent> Agents { get; init; } = new Dictionary<string, SimulatedAgent>();

    /// <summary>Who picks up at an address that is not in <see cref="Agents"/>; null: nobody (failed).</summary>
    public SimulatedAgent? AnyOtherAgent { get; init; }

    /// <summary>Who answers an outbound call created through the REST API, by its To number.</summary>
    public Func<string, SimulatedCustomer> Customers { get; init; } = _ => SimulatedCustomer.NeverAnswers;

    /// <summary>How long a caller waits in a queue before hanging up, when the incoming call does not say.</summary>
    public Func<Random, TimeSpan> Patience { get; init; } = Draw.Exponential(TimeSpan.FromMinutes(3));

    /// <summary>Seeds every random draw (call SIDs, patience, talk times), so that a run can be repeated.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long a &lt;Play&gt; lasts, since the audio is never fetched.</summary>
    public TimeSpan PlayLength { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The service may call the REST API from background work at any moment; the world counts as idle, and
    /// the clock moves on, only after this much real time without any request in flight.</summary>
    public TimeSpan SettlePeriod { get; init; } = TimeSpan.FromMilliseconds(15);

    /// <summary>Requests in one call at the same virtual moment beyond this mean the TwiML loops.</summary>
    public int MaxRequestsWithoutProgress { get; init; } = 50;

    /// <summary>What goes wrong between Twilio and the service; nothing by default.</summary>
    public SwitchboardFaults Faults { get; init; } = SwitchboardFaults.None;

    /// <summary>Called for every event of every call, with its CallSid.</summary>
    public Action<string, CallEvent>? OnEvent { get; init; }
}

/// <summary>Who picks up a dialed agent address: after a delay, then talks for a drawn time; or never; or busy.</summary>
public sealed record SimulatedAgent
{
    /// <summary>Null: rings until the Dial timeout (no-answer).</summary>
    public TimeSpan? AnswersAfter { get; init; }

    public bool Busy { get; init; }

    public Func<Random, TimeSpan> TalkTime { get; init; } = _ => TimeSpan.FromMinutes(3);

    public static SimulatedAgent Answering(TimeSpan after, TimeSpan talk) => new() { AnswersAfter = after, TalkTime = _ => talk };

    public static SimulatedAgent Answering(TimeSpan after, Func<Random, TimeSpan> talk) => new() { AnswersAfter = after, TalkTime = talk };

    public static SimulatedAgent NoAnswer { get; } = new();

    public static SimulatedAgent AlwaysBusy { get; } = new() { Busy = true };
}

/// <summary>The person an outbound call reaches: answers after a delay (then follows the TwiML as <see cref="Caller"/>), or not at all, or is busy.</summary>
public sealed record SimulatedCustomer(TimeSpan? AnswersAfter, ICaller Caller, bool Busy = false)
{
    /// <summary>A real person decides instead of <see cref="AnswersAfter"/>: the task ends true when they pick up,
    /// false when they decline or let it ring until <see cref="RingingCall.Timeout"/>.</summary>
    public Func<RingingCall, CancellationToken, Task<bool>>? PicksUp { get; init; }

    public static SimulatedCustomer Answering(TimeSpan after, ICaller caller) => new(after, caller);

    /// <summary>Someone who picks up when <paramref name="picksUp"/> says so, then follows the TwiML as <paramref name="caller"/>.</summary>
    public static SimulatedCustomer Person(ICaller caller, Func<RingingCall, CancellationToken, Task<bool>> picksUp) =>
        new(null, caller) { PicksUp = picksUp };

    public static SimulatedCustomer NeverAnswers { get; } = new(null, new ScriptedCaller([]));

    public static SimulatedCustomer BusyLine { get; } = new(null, new ScriptedCaller([]), Busy: true);
}

/// <summary>An outbound call ringing at the customer's phone, for <see cref="SimulatedCustomer.PicksUp"/>.</summary>
public sealed record RingingCall(string CallSid, string From, string To, TimeSpan Timeout);

/// <summary>A call arriving at the number <see cref="At"/> after the run starts.</summary>
public sealed record IncomingCall(TimeSpan At, ICaller Caller)
{
    public string From { get; init; } = CallSetup.DefaultFrom;
    public string To { get; init; } = CallSetup.DefaultTo;

    /// <summary>How long the caller waits in a queue; null draws it from <see cref="SwitchboardOptions.Patience"/>.</summary>
    public TimeSpan? Patience { get; init; }

    /// <summary>The call's SID, for a caller who must know it before the call starts; null draws one from the seed.</summary>
    public string? CallSid { get; init; }
}

/// <summary>Distributions for patience, talk times and arrivals.</summary>
public static class Draw
{
    public static Func<Random, TimeSpan> Fixed(TimeSpan value) => _ => value;

    public static Func<Random, TimeSpan> Exponential(TimeSpan mean) => random => mean * -Math.Log(1 - random.NextDouble());

    public static Func<Random, TimeSpan> Uniform(TimeSpan min, TimeSpan max) => random => min + (max - min) * random.NextDouble();

    /// <summary>Arrivals of a Poisson process at <paramref name="perHour"/> calls an hour, for <paramref name="span"/>.</summary>
    public static IReadOnlyList<IncomingCall> PoissonArrivals(int seed, double perHour, TimeSpan span, Func<Random, ICaller> caller)
    {
        var random = new Random(seed);
        var gap = Exponential(TimeSpan.FromHours(1 / perHour));
        List<IncomingCall> calls = [];
        for (var at = gap(random); at < span; at += gap(random))
            calls.Add(new IncomingCall(at, caller(random)));
        return calls;
    }
}
