namespace Ivr.Simulator;

/// <summary>What the REST API asks of a live call: it interrupts whatever TwiML runs (wait music, a dial...).</summary>
internal abstract record Interruption
{
    public sealed record Redirect(string Url, string Method) : Interruption;
    public sealed record Inline(string Twiml) : Interruption;
    /// <summary>Status is the final CallStatus (completed, canceled); By is "api" or "caller".</summary>
    public sealed record HangUp(string Status, string By) : Interruption;
}

/// <summary>A call on the <see cref="Switchboard"/>: its Twilio resource state and the way to interrupt it.</summary>
internal sealed class LiveCall(Switchboard board, CallSetup setup, string direction, TimeSpan patience, Random random,
    Uri? statusCallback, IReadOnlySet<string> statusEvents)
{
    private readonly Lock gate = new();
    private CancellationTokenSource interruption = new();
    private Interruption? pending;

    public Switchboard Board => board;
    public CallSetup Setup => setup;
    public string Direction => direction;
    public TimeSpan Patience => patience;

    /// <summary>Only the session's own thread draws from it, so draws follow the call's own order.</summary>
    public Random Random => random;

    /// <summary>This call's draws for <see cref="SwitchboardOptions.Faults"/>.</summary>
    public FaultDice Dice { get; } = board.Options.Faults.DiceFor(setup.CallSid);

    public Uri? StatusCallback => statusCallback;
    public IReadOnlySet<string> StatusEvents => statusEvents;
    public DateTimeOffset Created { get; } = board.Clock.GetUtcNow();
    public DateTimeOffset? Answered { get; set; }
    public DateTimeOffset? Ended { get; private set; }
    public string Status { get; set; } = "queued";
    public Task<CallRecord> Record { get; set; } = Task.FromException<CallRecord>(new InvalidOperationException("not started"));

    public CancellationToken Interrupted
    {
        get
        {
            lock (gate)
                return interruption.Token;
        }
    }

    public Interruption? Pending
    {
        get
        {
            lock (gate)
                return pending;
        }
    }

    public bool IsEnded
    {
        get
        {
            lock (gate)
                return Ended is not null;
        }
    }

    /// <summary>False once the call has ended, as Twilio refuses to redirect a finished call.</summary>
    public bool TryInterrupt(Interruption what)
    {
        CancellationTokenSource source;
        lock (gate)
        {
            if (Ended is not null)
                return false;
            pending = what;
            source = interruption;
        }
        source.Cancel();
        return true;
    }

    /// <summary>The pending interruption, if any, and a fresh token for what runs next.</summary>
    public Interruption? Take()
    {
        lock (gate)
        {
            var taken = pending;
            pending = null;
            if (interruption.IsCancellationRequested)
                interruption = new CancellationTokenSource();
            return taken;
        }
    }

    public void End(string status)
    {
        lock (gate)
        {
            Ended ??= board.Clock.GetUtcNow();
            Status = status;
        }
    }
}
