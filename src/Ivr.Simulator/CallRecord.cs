using System.Text;

namespace Ivr.Simulator;

/// <summary>Everything that happened on one simulated call.</summary>
/// <param name="Status">The final CallStatus: "completed", or "busy"/"no-answer" after &lt;Reject&gt;.</param>
public sealed record CallRecord(string CallSid, IReadOnlyList<CallEvent> Events, string EndReason, string Status, TimeSpan VirtualDuration)
{
    public IEnumerable<string> Spoken => Events.OfType<Said>().Select(s => s.Text);

    public IEnumerable<Requested> Requests => Events.OfType<Requested>();

    public bool HadApplicationError => Events.OfType<ApplicationError>().Any();

    public string Transcript()
    {
        var text = new StringBuilder($"call {CallSid}\n");
        foreach (var e in Events)
            text.Append($"[{e.At:mm\\:ss}] {e.Describe()}\n");
        return text.Append(FormattableString.Invariant($"ended: {EndReason} ({Status}, {VirtualDuration.TotalSeconds:0.#} s)")).ToString();
    }
}
