using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ivr.Simulator;

/// <summary>
/// What goes wrong between Twilio and the service, for a <see cref="Switchboard"/>: webhooks lost, sent twice, out of
/// order or late, and periods when the REST API fails. Every fault is off by default. Whether a webhook is hit is
/// drawn from the call's own generator (seeded from <see cref="Seed"/> and the CallSid), four draws per webhook
/// whatever is switched on, so that a run repeats for a seed and turning one fault on does not move the others.
/// </summary>
public sealed record SwitchboardFaults
{
    public static SwitchboardFaults None { get; } = new();

    public int Seed { get; init; } = 1;

    /// <summary>Share of status callbacks (the call's end, and an outbound call's progress) never delivered.</summary>
    public double LoseStatus { get; init; }

    /// <summary>Share of Enqueue and Dial action callbacks never delivered: the caller hangs up at that moment and
    /// the request is lost on the way (the status callback is still sent, subject to its own faults).</summary>
    public double LoseAction { get; init; }

    /// <summary>Share of status and action callbacks delivered twice; the second answer is ignored, as Twilio would.</summary>
    public double Duplicate { get; init; }

    /// <summary>Share of calls ending at an Enqueue or Dial action (the caller hangs up then) whose status callback
    /// arrives before the action callback, as Twilio does not order them.</summary>
    public double Reorder { get; init; }

    /// <summary>Share of status and action callbacks delivered <see cref="LateBy"/> after their moment (an action's
    /// caller waits in silence meanwhile, as on Twilio; a status callback comes after the call has ended).</summary>
    public double Late { get; init; }

    /// <summary>How late a late callback is; under Twilio's 15 s webhook timeout, so a waiting caller is still there.</summary>
    public TimeSpan LateBy { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Periods (virtual time) when the REST API fails.</summary>
    public IReadOnlyList<RestOutage> RestOutages { get; init; } = [];

    /// <summary>Moments (virtual time) the service process is killed (SIGKILL) and when it is started again on the
    /// same database. Carried out by whoever runs the service as a process (the busy-hour bench), not the switchboard.</summary>
    public IReadOnlyList<ServiceKill> Kills { get; init; } = [];

    /// <summary>The REST fault in force at <paramref name="now"/>, if any (the first listed wins).</summary>
    public RestOutage? OutageAt(DateTimeOffset now) => RestOutages.FirstOrDefault(o => o.From <= now && now < o.Until);

    internal FaultDice DiceFor(string callSid) => new(this, callSid);

    /// <summary>Every fault on, at the shares the chaos hour uses, with each REST fault for a while from <paramref name="start"/>.</summary>
    public static SwitchboardFaults All(DateTimeOffset start, int seed = 1) => Parse(AllText, start, seed);

    /// <summary>What <c>--faults all</c> means.</summary>
    public const string AllText =
        "lose-status=0.1,lose-action=0.1,duplicate=0.1,reorder=0.2,late=0.1,late-by=10," +
        "rest-5xx=600..720,rest-429=1200..1260,rest-timeout=1800..1860,rest-refused=2400..2520";

    /// <summary>
    /// Reads faults as comma-separated <c>name=value</c>: <c>lose-status</c>, <c>lose-action</c>, <c>duplicate</c>,
    /// <c>reorder</c>, <c>late</c> take a share between 0 and 1; <c>late-by</c> seconds; <c>rest-5xx</c>,
    /// <c>rest-429</c>, <c>rest-timeout</c>, <c>rest-refused</c> a period <c>FROM..UNTIL</c> in seconds after
    /// <paramref name="start"/> (repeatable); <c>kill</c> too: the service process is killed at FROM and started
    /// again at UNTIL (repeatable; not part of <c>all</c>, as it needs the service in its own process). <c>all</c> stands for <see cref="AllText"/>, and later items override it.
    /// </summary>
    /// <exception cref="FormatException">An unknown name or a bad value, with the item and what is expected.</exception>
    public static SwitchboardFaults Parse(string text, DateTimeOffset start, int seed = 1)
    {
        var faults = new SwitchboardFaults { Seed = seed };
        List<RestOutage> outages = [];
        List<ServiceKill> kills = [];
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item == "all")
            {
                var all = Parse(AllText, start, seed);
                faults = all with { RestOutages = [] };
                outages.AddRange(all.RestOutages);
                continue;
            }
            var parts = item.Split('=', 2);
            var (name, value) = (parts[0], parts.Length > 1 ? parts[1] : "");
            faults = name switch
            {
                "lose-status" => faults with { LoseStatus = Share(item, value) },
                "lose-action" => faults with { LoseAction = Share(item, value) },
                "duplicate" => faults with { Duplicate = Share(item, value) },
                "reorder" => faults with { Reorder = Share(item, value) },
                "late" => faults with { Late = Share(item, value) },
                "late-by" => faults with { LateBy = TimeSpan.FromSeconds(Seconds(item, value)) },
                "rest-5xx" or "rest-429" or "rest-timeout" or "rest-refused" or "kill" => faults,
                _ => throw new FormatException($"'{item}': unknown fault; use lose-status, lose-action, duplicate, reorder, " +
                                               "late, late-by, rest-5xx, rest-429, rest-timeout, rest-refused, kill or all"),
            };
            if (name == "kill")
            {
                var (from, until) = Period(item, name, value);
                kills.Add(new ServiceKill(start.AddSeconds(from), start.AddSeconds(until)));
            }
            if (name.StartsWith("rest-", StringComparison.Ordinal))
            {
                var kind = name switch
                {
                    "rest-5xx" => RestFault.ServerError,
                    "rest-429" => RestFault.TooManyRequests,
                    "rest-timeout" => RestFault.Timeout,
                    _ => RestFault.Refused,
                };
                var (from, until) = Period(item, name, value);
                outages.Add(new RestOutage(kind, start.AddSeconds(from), start.AddSeconds(until)));
            }
        }
        return faults with { RestOutages = outages, Kills = kills };
    }

    private static (double From, double Until) Period(string item, string name, string value)
    {
        var period = value.Split("..");
        if (period.Length != 2)
            throw new FormatException($"'{item}': {name} takes a period FROM..UNTIL in seconds from the start, e.g. {name}=600..900");
        var (from, until) = (Seconds(item, period[0]), Seconds(item, period[1]));
        if (until <= from)
            throw new FormatException($"'{item}': the period must end after it starts");
        return (from, until);
    }

    /// <summary>The faults in <see cref="Parse"/>'s syntax, relative to <paramref name="start"/>.</summary>
    public string Describe(DateTimeOffset start)
    {
        List<string> items = [];
        void Add(string name, double share)
        {
            if (share > 0)
                items.Add(FormattableString.Invariant($"{name}={share:0.###}"));
        }
        Add("lose-status", LoseStatus);
        Add("lose-action", LoseAction);
        Add("duplicate", Duplicate);
        Add("reorder", Reorder);
        Add("late", Late);
        if (Late > 0)
            items.Add(FormattableString.Invariant($"late-by={LateBy.TotalSeconds:0}"));
        foreach (var outage in RestOutages)
        {
            var name = outage.Kind switch
            {
                RestFault.ServerError => "rest-5xx",
                RestFault.TooManyRequests => "rest-429",
                RestFault.Timeout => "rest-timeout",
                _ => "rest-refused",
            };
            items.Add(FormattableString.Invariant($"{name}={(outage.From - start).TotalSeconds:0}..{(outage.Until - start).TotalSeconds:0}"));
        }
        foreach (var kill in Kills)
            items.Add(FormattableString.Invariant($"kill={(kill.At - start).TotalSeconds:0}..{(kill.RestartAt - start).TotalSeconds:0}"));
        return items.Count == 0 ? "none" : string.Join(',', items);
    }

    private static double Share(string item, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share is >= 0 and <= 1
            ? share
            : throw new FormatException($"'{item}': give a share between 0 and 1, e.g. 0.1");

    private static double Seconds(string item, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? seconds
            : throw new FormatException($"'{item}': give seconds, e.g. 600");
}

/// <summary>How the REST API fails during a <see cref="RestOutage"/>.</summary>
public enum RestFault
{
    /// <summary>HTTP 500 before the request is carried out.</summary>
    ServerError,

    /// <summary>HTTP 429 (Twilio's 20429), nothing carried out.</summary>
    TooManyRequests,

    /// <summary>The request is carried out (a call is created or redirected) but the answer never comes: the client
    /// sees its timeout, at once rather than after it, since the timeout runs on the wall clock.</summary>
    Timeout,

    /// <summary>No connection: an <see cref="HttpRequestException"/> with <see cref="HttpRequestError.ConnectionError"/>,
    /// nothing carried out.</summary>
    Refused,
}

/// <summary>The service process is killed at At and started again at RestartAt, on the switchboard's clock.</summary>
public sealed record ServiceKill(DateTimeOffset At, DateTimeOffset RestartAt);

/// <summary>From (inclusive) until (exclusive), on the switchboard's clock.</summary>
public sealed record RestOutage(RestFault Kind, DateTimeOffset From, DateTimeOffset Until);

/// <summary>What happens to one webhook.</summary>
internal sealed record WebhookFate(bool Lost, bool Twice, bool Reordered, bool Late)
{
    public static WebhookFate Normal { get; } = new(false, false, false, false);
}

/// <summary>One call's draws: four per webhook, in the call's own order.</summary>
internal sealed class FaultDice(SwitchboardFaults faults, string callSid)
{
    private readonly Random random = new(BitConverter.ToInt32(
        SHA256.HashData(Encoding.UTF8.GetBytes($"{faults.Seed.ToString(CultureInfo.InvariantCulture)}/{callSid}")), 0));

    public SwitchboardFaults Faults => faults;

    /// <summary>The fate of a status callback (<paramref name="action"/> false) or an action callback.</summary>
    public WebhookFate Draw(bool action)
    {
        double lose = random.NextDouble(), twice = random.NextDouble(), reorder = random.NextDouble(), late = random.NextDouble();
        return new WebhookFate(
            Lost: lose < (action ? faults.LoseAction : faults.LoseStatus),
            Twice: twice < faults.Duplicate,
            Reordered: action && reorder < faults.Reorder,
            Late: late < faults.Late);
    }
}
