using System.Text;

namespace Ivr.Simulator;

/// <summary>Everything that happened on one simulated call.</summary>
/// <param name="Status">The final CallStatus: "completed", or "busy"/"no-answer" after &lt;Reject&gt;.</param>
public sealed record CallRecord(string CallSid, IReadOnlyList<CallEvent> Events, string EndReason, string Status, TimeSpan VirtualDuration)
{
    /// <summary>When the call started (virtual wall-clock time on a <see cref="Switchboard"/>).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>inbound, or outbound-api for a call created through the REST API.</summary>
    public string Direction { get; init; } = "inbound";

    public TimeSpan? EnqueuedAt => Events.OfType<Enqueued>().FirstOrDefault()?.At;

    /// <summary>Time in queue, summed over every stay.</summary>
    public TimeSpan QueueWait => Events.OfType<LeftQueue>().Aggregate(TimeSpan.Zero, (sum, e) => sum + e.Waited);

    /// <summary>The caller hung up while waiting in a queue.</summary>
    public bool Abandoned => Events.OfType<LeftQueue>().Any(e => e.Result == "hangup");

    public TimeSpan? AnsweredAt => Events.OfType<AgentAnswered>().FirstOrDefault()?.At;

    /// <summary>Time talking with agents, summed over every bridged dial.</summary>
    public TimeSpan HandleTime => Events.OfType<DialEnded>().Aggregate(TimeSpan.Zero, (sum, e) => sum + e.Talked);

    public IEnumerable<string> Spoken => Events.OfType<Said>().Select(s => s.Text);

    public IEnumerable<Requested> Requests => Events.OfType<Requested>();

    public bool HadApplicationError => Events.OfType<ApplicationError>().Any();

    /// <summary>The call ended because a webhook it needed found the service down.</summary>
    public bool WasCutOff => Events.OfType<CutOff>().Any();

    public string Transcript()
    {
        var text = new StringBuilder($"call {CallSid}\n");
        foreach (var e in Events)
            text.Append($"[{e.At:mm\\:ss}] {e.Describe()}\n");
        return text.Append(FormattableString.Invariant($"ended: {EndReason} ({Status}, {VirtualDuration.TotalSeconds:0.#} s)")).ToString();
    }
}
