using System.Globalization;

namespace Ivr.Simulator;

/// <summary>Something that happened on a call, stamped with the virtual time since the call started.</summary>
public abstract record CallEvent
{
    public TimeSpan At { get; init; }

    /// <summary>One plain line for transcripts and failure messages.</summary>
    public abstract string Describe();
}

public sealed record Said(string Text, string Language, string? Voice) : CallEvent
{
    public override string Describe() => $"say [{Language}{(Voice is null ? "" : ", " + Voice)}] \"{Text}\"";
}

public sealed record Played(string Url, int Loop) : CallEvent
{
    public override string Describe() => $"play {Url}{(Loop == 1 ? "" : $" (loop {Loop})")}";
}

public sealed record Paused(int Seconds) : CallEvent
{
    public override string Describe() => $"pause {Seconds} s";
}

/// <summary>A &lt;Gather&gt; listened; Heard is what Twilio accepted (Keys without the finishOnKey, Speech or Silence).</summary>
public sealed record Listened(string Input, CallerInput Heard, int TimeoutSeconds, string? Hints) : CallEvent
{
    public override string Describe() => $"gather ({Input}, {TimeoutSeconds} s): " + Heard switch
    {
        CallerInput.Keys keys => $"pressed {keys.Digits}",
        CallerInput.Speech speech => $"said \"{speech.Text}\"",
        _ => "no input",
    };
}

public sealed record Requested(string Url, string Method, IReadOnlyDictionary<string, string> Form, int Status) : CallEvent
{
    /// <summary>The verbs of the TwiML answered, in order (none when the answer is not TwiML): a phone can tell from
    /// them what the caller is about to hear, e.g. the announcement before an &lt;Enqueue&gt;.</summary>
    public IReadOnlyList<string> Verbs { get; init; } = [];

    internal static readonly HashSet<string> StandardParameters =
        ["CallSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus", "ApiVersion", "Direction"];

    public override string Describe()
    {
        var specific = Form.Where(p => !StandardParameters.Contains(p.Key)).Select(p => $"{p.Key}={p.Value}");
        return $"{Method} {Url} -> {Status.ToString(CultureInfo.InvariantCulture)} {{{string.Join(", ", specific)}}}";
    }
}

public sealed record Enqueued(string Queue, string? WaitUrl, string? Action) : CallEvent
{
    public override string Describe() => $"enqueue '{Queue}' (waitUrl {WaitUrl ?? "none"}, action {Action ?? "none"})";
}

public sealed record DialTarget(string Kind, string Address);

public sealed record Dialed(IReadOnlyList<DialTarget> Targets, string? Action, IReadOnlyDictionary<string, string> Attributes) : CallEvent
{
    public override string Describe() =>
        $"dial {string.Join(", ", Targets.Select(t => $"{t.Kind} {t.Address}"))} (action {Action ?? "none"})";
}

public sealed record Redirected(string Url) : CallEvent
{
    public override string Describe() => $"redirect {Url}";
}

/// <summary>By is "twiml" for &lt;Hangup&gt; or "caller".</summary>
public sealed record HungUp(string By) : CallEvent
{
    public override string Describe() => $"hang up by {By}";
}

public sealed record Rejected(string Reason) : CallEvent
{
    public override string Describe() => $"reject ({Reason})";
}

/// <summary>Twilio says "We are sorry, an application error has occurred" and hangs up.</summary>
public sealed record ApplicationError(string Reason) : CallEvent
{
    public override string Describe() => $"application error: {Reason}";
}

/// <summary>The service could not be reached (connection refused: it was down) for a webhook the call needed: Twilio
/// plays its own error message and hangs up. Not an application error: the service gave no wrong answer.</summary>
public sealed record CutOff(string Url) : CallEvent
{
    public override string Describe() => $"cut off: {Url} could not be reached";
}

/// <summary>The call left the queue: Result is Twilio's QueueResult (hangup, leave, redirected).</summary>
public sealed record LeftQueue(string Queue, string Result, TimeSpan Waited) : CallEvent
{
    public override string Describe() => FormattableString.Invariant($"left queue '{Queue}' ({Result}) after {Waited.TotalSeconds:0} s");
}

/// <summary>A dialed agent picked up; DialCallSid is the agent's leg.</summary>
public sealed record AgentAnswered(string Address, string DialCallSid) : CallEvent
{
    public override string Describe() => $"agent {Address} answered ({DialCallSid})";
}

/// <summary>What the agent heard before being bridged (the Number's url TwiML).</summary>
public sealed record Whispered(string Address, string Text) : CallEvent
{
    public override string Describe() => $"agent {Address} heard \"{Text}\"";
}

/// <summary>The agent's whisper is over and the caller is put through to them.</summary>
public sealed record Bridged(string Address) : CallEvent
{
    public override string Describe() => $"bridged with {Address}";
}

/// <summary>A &lt;Dial&gt; ended with Twilio's DialCallStatus; Talked is the time bridged.</summary>
public sealed record DialEnded(string Status, TimeSpan Talked) : CallEvent
{
    public override string Describe() => FormattableString.Invariant($"dial ended: {Status}, talked {Talked.TotalSeconds:0} s");
}

/// <summary>Which of Twilio's requests a webhook is: a TwiML document the call follows (the voice URL, a gather or
/// redirect target, the wait URL), an Enqueue or Dial action, a status callback, or the agent leg's whisper.</summary>
public enum WebhookKind
{
    Document,
    Action,
    Status,
    Whisper,
}

/// <summary>How the service answered one webhook. Status 0: the service could not be reached (connection refused),
/// which Twilio answers with its own error message to the caller. Copy: a second delivery of the same webhook.</summary>
public sealed record WebhookAnswer(string CallSid, string Url, WebhookKind Kind, int Status, bool IsTwiml, DateTimeOffset At, bool Copy = false)
{
    public bool Unreachable => Status == 0;
}

/// <summary>A call created through the REST API: to whom, with which TwiML URL, when.</summary>
public sealed record OutboundCreate(string CallSid, string To, string? Url, DateTimeOffset At);
