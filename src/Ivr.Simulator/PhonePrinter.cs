namespace Ivr.Simulator;

/// <summary>How the phone command shows call events to a person.</summary>
public static class PhonePrinter
{
    public static string Format(CallEvent e) => e switch
    {
        Said s => $"🔊 [{s.Language}] {s.Text}",
        Played p => $"🎵 playing {p.Url}",
        Paused p => $"⏸  pause {p.Seconds} s",
        Listened { Heard: CallerInput.Keys k } => $"⌨  you pressed {k.Digits}",
        Listened { Heard: CallerInput.Speech s } => $"🗣  you said \"{s.Text}\"",
        Listened l => $"…  no input ({l.TimeoutSeconds} s)",
        Requested r => $"   ↳ {r.Method} {r.Url} → {r.Status}",
        Enqueued q => $"☎  queued for '{q.Queue}'",
        Dialed d => $"📞 dialing {string.Join(", ", d.Targets.Select(t => t.Address))}",
        Redirected r => $"↪  redirect to {r.Url}",
        HungUp { By: "caller" } => "✋ you hung up",
        HungUp => "✋ the service hung up",
        Rejected r => $"⛔ call rejected ({r.Reason})",
        ApplicationError a => $"⚠  application error: {a.Reason}",
        CutOff c => $"⚠  cut off: {c.Url} could not be reached (is the service running?)",
        _ => e.Describe(),
    };
}
