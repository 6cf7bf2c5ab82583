using System.Diagnostics.Metrics;
using Ivr.Api.Menus;
using Ivr.Api.Queues;

namespace Ivr.Api.Metrics;

/// <summary>
/// What is true now, per department, as Prometheus gauges: callers waiting and the longest wait, agents by state,
/// and today's callbacks by outcome. Read from the figures of <c>/api/stats</c> before a scrape, at most once a
/// second (by the service's clock), so that scrapes from several Prometheus servers cost one query.
/// </summary>
public sealed class HotlineGauges
{
    private static readonly TimeSpan KeptFor = TimeSpan.FromSeconds(1);

    private readonly StatsStore _stats;
    private readonly AgentStore _agents;
    private readonly MenuCatalog _menus;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private Snapshot _current = new(DateTimeOffset.MinValue, [], [], [], []);

    private sealed record Snapshot(
        DateTimeOffset TakenAt,
        IReadOnlyList<Measurement<int>> Waiting,
        IReadOnlyList<Measurement<double>> LongestWait,
        IReadOnlyList<Measurement<int>> Agents,
        IReadOnlyList<Measurement<int>> Callbacks);

    public HotlineGauges(IMeterFactory meters, StatsStore stats, AgentStore agents, MenuCatalog menus, TimeProvider time)
    {
        (_stats, _agents, _menus, _time) = (stats, agents, menus, time);
        // A meter from the factory ends with the service, and with it these callbacks into its stores.
        var meter = meters.Create(HotlineMetrics.MeterName);
        meter.CreateObservableGauge("ivr.queue.callers", () => _current.Waiting, "{caller}",
            "Callers waiting in a department's queue now (not ringing an agent, not talking)");
        meter.CreateObservableGauge("ivr.queue.longest_wait", () => _current.LongestWait, "s",
            "How long the longest-waiting caller of a department has waited so far");
        meter.CreateObservableGauge("ivr.agents", () => _current.Agents, "{agent}",
            "A department's agents by state: available, talking, wrap_up, away, off_duty (outside opening hours)");
        meter.CreateObservableGauge("ivr.callbacks.today", () => _current.Callbacks, "{callback}",
            "A department's callbacks today by outcome: booked, connected, failed, canceled, and open now");
    }

    /// <summary>Reads the figures again when the last reading is a second old or more.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            if (now - _current.TakenAt < KeptFor && now >= _current.TakenAt)
                return;
            var definition = _menus.Current;
            var staff = await _agents.ListAsync(cancellationToken);
            var (_, _, departments) = await _stats.TodayAsync(definition, staff, now, cancellationToken);
            var zone = definition.Hotline.TimeZone;
            var agents = staff.Where(agent => definition.Departments.ContainsKey(agent.Department))
                .GroupBy(agent => (agent.Department, State: State(agent, definition.Departments[agent.Department], zone, now)))
                .ToDictionary(group => group.Key, group => group.Count());
            _current = new Snapshot(
                now,
                departments.Select(d => Measure(d.WaitingNow, ("department", d.Department))).ToList(),
                departments.Select(d => Measure(d.LongestWaitSeconds, ("department", d.Department))).ToList(),
                departments.SelectMany(d => AgentStates.Select(state =>
                    Measure(agents.GetValueOrDefault((d.Department, state)), ("department", d.Department), ("state", state)))).ToList(),
                departments.SelectMany(d => new[]
                {
                    ("booked", d.Callbacks.Booked), ("connected", d.Callbacks.Connected), ("failed", d.Callbacks.Failed),
                    ("canceled", d.Callbacks.Canceled), ("open", d.Callbacks.OpenNow),
                }.Select(outcome => Measure(outcome.Item2, ("department", d.Department), ("outcome", outcome.Item1)))).ToList());
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private static readonly string[] AgentStates = ["available", "talking", "wrap_up", "away", "off_duty"];

    private static string State(AgentRow agent, Ivr.Flows.Model.Department department, TimeZoneInfo zone, DateTimeOffset now) =>
        agent.BusyCallSid is not null ? "talking"
        : agent.IsWrappingUp(now) ? "wrap_up"
        : agent.IsFree(department, zone, now) ? "available"
        : agent.Status == AgentStatus.Away || agent.AwayUntil > now.ToUnixTimeMilliseconds() ? "away"
        : "off_duty";

    private static Measurement<T> Measure<T>(T value, params (string Key, string Value)[] tags) where T : struct =>
        new(value, tags.Select(tag => new KeyValuePair<string, object?>(tag.Key, tag.Value)));
}
