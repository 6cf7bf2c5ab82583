using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ivr.Simulator;

/// <summary>One promise the hotline keeps whatever goes wrong, checked over a run: how many things were checked
/// against it, how many broke it, and a few of those as examples. Informational rows count without judging.</summary>
public sealed record Invariant(string Name, int Checked, int Violations, IReadOnlyList<string> Examples, bool Informational = false)
{
    public bool Held => Informational || Violations == 0;
}

/// <summary>
/// Checks a simulated hour against the promises the hotline makes to callers, agents and customers, from the
/// switchboard's ground truth (call records, webhook answers, REST creates) and what the service itself reports
/// (its figures and bookings). For the busy-hour benchmark and the chaos tests alike.
/// </summary>
public sealed class HourInvariants
{
    /// <summary>Every call of the run, incoming and outbound (<see cref="Switchboard.RunAsync"/>'s result).</summary>
    public required IReadOnlyList<CallRecord> Calls { get; init; }

    public required IReadOnlyList<WebhookAnswer> Webhooks { get; init; }

    public required IReadOnlyList<OutboundCreate> Creates { get; init; }

    /// <summary>Queue name (the text of &lt;Enqueue&gt;) → the addresses of that department's agents.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> AgentsByQueue { get; init; }

    /// <summary>The service's figures for the one department checked: offered, answered, abandoned.</summary>
    public required IReadOnlyDictionary<string, double> ServiceFigures { get; init; }

    /// <summary>The service's callbacks at the end of the run: number → status (pending, dialing, answered,
    /// connected, failed, canceled).</summary>
    public required IReadOnlyDictionary<string, string> ServiceBookings { get; init; }

    /// <summary><see cref="ServiceFigures"/> read from one department of the service's <c>/api/stats</c>.</summary>
    public static IReadOnlyDictionary<string, double> FiguresOf(JsonElement department) =>
        new[] { "offered", "answered", "abandoned" }.ToDictionary(name => name, name => department.GetProperty(name).GetDouble());

    /// <summary><see cref="ServiceBookings"/> read from the admin API's callbacks (<c>/admin/api/callbacks</c>): each number's latest.</summary>
    public static IReadOnlyDictionary<string, string> BookingsOf(JsonElement callbacks) =>
        callbacks.EnumerateArray().GroupBy(b => b.GetProperty("number").GetString()!)
            .ToDictionary(g => g.Key, g => g.OrderBy(b => b.GetProperty("requestedAt").GetDateTimeOffset()).Last().GetProperty("status").GetString()!);

    /// <summary>The time an agent is given after a conversation before the next call (Queues:WrapUpSeconds).</summary>
    public TimeSpan WrapUp { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An agent who let a call ring out gets none for this long (Queues:AwayAfterMissedSeconds).</summary>
    public TimeSpan AwayAfterMissed { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a caller may wait while an agent of their department is free.</summary>
    public TimeSpan FreeAgentTolerance { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Periods when Twilio's REST API failed (<see cref="SwitchboardFaults.RestOutages"/>): nobody can be
    /// put through then, so a free agent counts against waiting callers only from the end of the outage on.</summary>
    public IReadOnlyList<RestOutage> Outages { get; init; } = [];

    /// <summary>Periods when the service process was down (killed, until it answered again): like an outage, nobody
    /// can be put through then.</summary>
    public IReadOnlyList<(DateTimeOffset From, DateTimeOffset Until)> ServiceDown { get; init; } = [];

    /// <summary>Tries of a callback before it is given up (Callbacks:MaxAttempts).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>A booking: the caller confirmed their number with 1 in the booking dialog, and the service answered.</summary>
    public Func<CallRecord, bool> Booked { get; init; } = call => call.Requests.Any(r =>
        r.Url.Contains("/callbacks/confirm", StringComparison.Ordinal) && r.Form.GetValueOrDefault("Digits") == "1" && r.Status is >= 200 and <= 299);

    /// <summary>A call that reached a department: it was queued or put straight through (a request under /voice/queue/).</summary>
    public Func<CallRecord, bool> Queued { get; init; } = call => call.Requests.Any(r => r.Url.Contains("/voice/queue/", StringComparison.Ordinal));

    private const int ExampleCount = 3;

    public IReadOnlyList<Invariant> Check() =>
    [
        EveryCallerServed(),
        NobodyWaitsWhileAnAgentIsFree(),
        NoAgentOfferedTwoCalls(),
        NoCustomerDialledTwice(),
        NoBookingLost(),
        EveryWebhookAnsweredWithTwiml(),
        Unreachable(),
        FiguresMatch(),
    ];

    private IEnumerable<CallRecord> Inbound => Calls.Where(c => c.Direction == "inbound");

    private IEnumerable<CallRecord> Outbound => Calls.Where(c => c.Direction == "outbound-api");

    private string? NumberOf(CallRecord outbound) => Creates.FirstOrDefault(c => c.CallSid == outbound.CallSid)?.To;

    private Invariant EveryCallerServed()
    {
        var callbacks = Outbound.GroupBy(c => NumberOf(c) ?? "").ToDictionary(g => g.Key, g => g.ToList());
        List<string> broken = [];
        var inbound = Inbound.ToList();
        foreach (var call in inbound)
        {
            // Twilio cut the call off when a webhook found the service down: nothing the service could do for it.
            if (call.AnsweredAt is not null || call.EndReason == "caller hung up in queue" || call.WasCutOff)
                continue;
            var from = call.Requests.FirstOrDefault()?.Form.GetValueOrDefault("From") ?? "";
            if (Booked(call))
            {
                var tries = callbacks.GetValueOrDefault(from) ?? [];
                // Got their callback, or let every try ring out: either way the hotline did its part.
                if (tries.Any(t => t.AnsweredAt is not null) || tries.Count(t => t.Status != "completed") >= MaxAttempts)
                    continue;
                broken.Add($"{call.CallSid}: booked a callback, {tries.Count} tries, never put through");
                continue;
            }
            broken.Add($"{call.CallSid}: {call.EndReason}");
        }
        return new Invariant("every caller reached an agent, gave up, or got their callback", inbound.Count, broken.Count, broken.Take(ExampleCount).ToList());
    }

    private Invariant NobodyWaitsWhileAnAgentIsFree()
    {
        // Agents' busy spans from the dials (ringing to hang-up, then wrap-up or time away), callbacks holding one
        // agent from their creation until they dial one, and callers' stays in each queue. A caller redirected out of
        // the queue is on their way to the agent the next Dial rings: she is taken from the redirect on, not only once
        // the connect TwiML has been fetched and its Dial reached (webhook round trips the service cannot shorten).
        List<(string Address, DateTimeOffset From, DateTimeOffset Until)> busy = [];
        List<(DateTimeOffset From, DateTimeOffset Until)> holds = [];
        List<(string Queue, string CallSid, DateTimeOffset From, DateTimeOffset Until)> stays = [];
        foreach (var call in Calls)
        {
            var start = call.StartedAt;
            Dialed? dialed = null;
            Enqueued? enqueued = null;
            TimeSpan? redirectedAt = null;
            var takenAt = TimeSpan.Zero;
            foreach (var e in call.Events)
            {
                switch (e)
                {
                    case Dialed d:
                        dialed = d;
                        takenAt = redirectedAt ?? d.At;
                        redirectedAt = null;
                        break;
                    case DialEnded ended when dialed is not null:
                        var rest = ended.Status switch { "completed" => WrapUp, "no-answer" => AwayAfterMissed, _ => TimeSpan.Zero };
                        foreach (var target in dialed.Targets)
                            busy.Add((target.Address, start + takenAt, start + ended.At + rest));
                        dialed = null;
                        break;
                    case Enqueued q:
                        enqueued = q;
                        redirectedAt = null;
                        break;
                    case LeftQueue left when enqueued is not null:
                        stays.Add((enqueued.Queue, call.CallSid, start + enqueued.At, start + left.At));
                        redirectedAt = left.Result == "redirected" ? left.At : null;
                        enqueued = null;
                        break;
                }
            }
            if (call.Direction == "outbound-api")
            {
                var firstDial = call.Events.OfType<Dialed>().FirstOrDefault()?.At ?? call.VirtualDuration;
                holds.Add((start, start + firstDial));
            }
        }

        var down = Outages.Select(o => (o.From, o.Until)).Concat(ServiceDown).ToList();
        HashSet<string> broken = [];
        Dictionary<string, string> reasons = [];
        foreach (var (queue, agents) in AgentsByQueue)
        {
            var mine = stays.Where(s => s.Queue == queue).ToList();
            var moments = mine.SelectMany(s => new[] { s.From, s.Until })
                .Concat(busy.Where(b => agents.Contains(b.Address)).SelectMany(b => new[] { b.From, b.Until }))
                .Concat(holds.SelectMany(h => new[] { h.From, h.Until }))
                .Concat(down.SelectMany(o => new[] { o.From, o.Until }))
                .Distinct().Order().ToList();
            var stretch = TimeSpan.Zero;
            var stretchFrom = DateTimeOffset.MinValue;
            List<string> waitingInStretch = [];
            for (var i = 0; i + 1 < moments.Count; i++)
            {
                var (from, until) = (moments[i], moments[i + 1]);
                var middle = from + (until - from) / 2;
                var waiting = mine.Where(s => s.From <= middle && middle < s.Until).Select(s => s.CallSid).ToList();
                var free = agents.Count(a => !busy.Any(b => b.Address == a && b.From <= middle && middle < b.Until))
                           - holds.Count(h => h.From <= middle && middle < h.Until);
                var outage = down.Any(o => o.From <= middle && middle < o.Until);
                if (waiting.Count > 0 && free > 0 && !outage)
                {
                    if (stretch == TimeSpan.Zero)
                        stretchFrom = from;
                    stretch += until - from;
                    waitingInStretch.AddRange(waiting);
                    if (stretch > FreeAgentTolerance)
                    {
                        foreach (var callSid in waitingInStretch.Where(c => !broken.Contains(c)).ToList())
                            reasons[callSid] = $"{callSid} waited while an agent was free from {stretchFrom:HH:mm:ss} to at least {until:HH:mm:ss}";
                        broken.UnionWith(waitingInStretch);
                    }
                }
                else
                    (stretch, waitingInStretch) = (TimeSpan.Zero, []);
            }
        }
        return new Invariant($"nobody waited while an agent was free > {FreeAgentTolerance.TotalSeconds:0} s", stays.Count, broken.Count,
            broken.Take(ExampleCount).Select(callSid => reasons.GetValueOrDefault(callSid, callSid)).ToList());
    }

    private Invariant NoAgentOfferedTwoCalls()
    {
        var dials = Calls.SelectMany(call =>
        {
            List<(string Address, DateTimeOffset From, DateTimeOffset Until, string CallSid)> spans = [];
            Dialed? dialed = null;
            foreach (var e in call.Events)
            {
                if (e is Dialed d)
                    dialed = d;
                else if (e is DialEnded ended && dialed is not null)
                {
                    spans.AddRange(dialed.Targets.Select(t => (t.Address, call.StartedAt + dialed.At, call.StartedAt + ended.At, call.CallSid)));
                    dialed = null;
                }
            }
            return spans;
        }).ToList();
        List<string> broken = [];
        foreach (var agent in dials.GroupBy(d => d.Address))
        {
            var spans = agent.OrderBy(s => s.From).ToList();
            for (var i = 1; i < spans.Count; i++)
            {
                if (spans.Take(i).Any(earlier => spans[i].From < earlier.Until))
                    broken.Add($"{agent.Key}: {spans[i].CallSid} rang at {spans[i].From:HH:mm:ss} during another call");
            }
        }
        return new Invariant("no agent was offered two calls at once", dials.Count, broken.Count, broken.Take(ExampleCount).ToList());
    }

    private Invariant NoCustomerDialledTwice()
    {
        List<string> broken = [];
        foreach (var sameTry in Creates.GroupBy(c => (c.To, c.Url)).Where(g => g.Count() > 1))
            broken.Add($"{Mask(sameTry.Key.To)}: {sameTry.Count()} calls for {sameTry.Key.Url}");
        // Nor while an earlier call to them is still live.
        foreach (var number in Outbound.GroupBy(c => NumberOf(c) ?? ""))
        {
            var spans = number.OrderBy(c => c.StartedAt).ToList();
            for (var i = 1; i < spans.Count; i++)
            {
                if (spans[i].StartedAt < spans[i - 1].StartedAt + spans[i - 1].VirtualDuration)
                    broken.Add($"{Mask(number.Key)}: called at {spans[i].StartedAt:HH:mm:ss} while still ringing or talking");
            }
        }
        return new Invariant("no customer was dialled twice for one try", Creates.Count, broken.Count, broken.Take(ExampleCount).ToList());
    }

    private Invariant NoBookingLost()
    {
        var booked = Inbound.Where(Booked).Select(c => c.Requests.First().Form.GetValueOrDefault("From") ?? "").Distinct().ToList();
        var rang = Outbound.GroupBy(c => NumberOf(c) ?? "").ToDictionary(g => g.Key, g => g.Count());
        List<string> broken = [];
        foreach (var number in booked)
        {
            var status = ServiceBookings.GetValueOrDefault(number);
            var problem = status switch
            {
                null => "the service has no booking",
                "connected" => null,
                "failed" when rang.GetValueOrDefault(number) >= MaxAttempts => null,
                "failed" => $"failed after the customer's phone rang {rang.GetValueOrDefault(number)} times of {MaxAttempts}",
                _ => $"still {status} at the end",
            };
            if (problem is not null)
                broken.Add($"{Mask(number)}: {problem}");
        }
        return new Invariant("no booking was lost", booked.Count, broken.Count, broken.Take(ExampleCount).ToList());
    }

    private Invariant EveryWebhookAnsweredWithTwiml()
    {
        var answered = Webhooks.Where(w => !w.Unreachable).ToList();
        var broken = answered.Where(w => !w.IsTwiml).ToList();
        var serverErrors = broken.Count(w => w.Status >= 500);
        return new Invariant($"every webhook answered with TwiML (5xx: {serverErrors})", answered.Count, broken.Count,
            broken.Take(ExampleCount).Select(w => $"{w.Kind} {new Uri(w.Url).AbsolutePath} -> HTTP {w.Status}").ToList());
    }

    private Invariant Unreachable()
    {
        var unreachable = Webhooks.Where(w => w.Unreachable).ToList();
        var cutOff = Calls.Count(c => c.WasCutOff);
        return new Invariant($"webhooks refused while the service was down (calls cut off: {cutOff})", Webhooks.Count, unreachable.Count,
            unreachable.Take(ExampleCount).Select(w => $"{w.Kind} {new Uri(w.Url).AbsolutePath} at {w.At:HH:mm:ss}").ToList(), Informational: true);
    }

    private Invariant FiguresMatch()
    {
        var queued = Inbound.Where(Queued).ToList();
        // The service can know how a call ended only if one of its status or action callbacks got through.
        var heard = Webhooks.Where(w => w.Kind is WebhookKind.Status or WebhookKind.Action && w.IsTwiml).Select(w => w.CallSid).ToHashSet();
        var known = queued.Where(c => heard.Contains(c.CallSid)).ToList();
        List<string> broken = [];
        void Compare(string name, int all, int knowable)
        {
            var reported = ServiceFigures.GetValueOrDefault(name, double.NaN);
            if (double.IsNaN(reported) || reported > all || reported < knowable)
                broken.Add(knowable == all
                    ? FormattableString.Invariant($"{name}: service {reported}, truth {all}")
                    : FormattableString.Invariant($"{name}: service {reported}, truth {knowable}..{all}"));
        }
        Compare("offered", queued.Count, queued.Count);
        Compare("answered", queued.Count(c => c.AnsweredAt is not null), known.Count(c => c.AnsweredAt is not null));
        // A caller cut off in the queue (the service was down) ended like one who hung up, as far as Twilio tells:
        // the service may count them abandoned.
        var cutOffWaiting = queued.Count(c => c.WasCutOff && c.AnsweredAt is null && !c.Abandoned);
        Compare("abandoned", queued.Count(c => c.Abandoned) + cutOffWaiting, known.Count(c => c.Abandoned));
        return new Invariant("the service's figures match the switchboard's", 3, broken.Count, broken);
    }

    /// <summary>The results as a plain table, one line per invariant, examples of what broke under it.</summary>
    public static string Table(IReadOnlyList<Invariant> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"invariant",-66} {"checked",8} {"broken",7}  held");
        foreach (var result in results)
        {
            var held = result.Informational ? "-" : result.Held ? "yes" : "NO";
            text.AppendLine(CultureInfo.InvariantCulture, $"{result.Name,-66} {result.Checked,8} {result.Violations,7}  {held}");
            foreach (var example in result.Examples)
                text.AppendLine(CultureInfo.InvariantCulture, $"    {example}");
        }
        return text.ToString();
    }

    // Phone numbers are never printed in full.
    private static string Mask(string number) => number.Length > 5 ? number[..^5] + "•••" + number[^2..] : number;
}
