using System.Globalization;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Model;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Admin;

/// <summary>A caller waiting in a department's line now: their place, how long, in which language, and whether
/// a callback is booked from (or placed as) this call.</summary>
public sealed record WaitingCaller(int Place, double WaitSeconds, string Language, bool Callback);

/// <summary>One department on the live queue wall.</summary>
public sealed record WallDepartment(
    string Department, string Title, IReadOnlyList<WaitingCaller> Waiting, double LongestWaitSeconds,
    int AgentsFree, int AgentsRinging, int AgentsTalking, int AgentsInWrapUp, int AgentsAway,
    double? ServiceLevel, int CallbacksDue);

/// <summary>
/// What an agent is doing now: available (free), ringing (offered a call, or calling a customer back), talking,
/// wrap-up (with the time left), away (said so), missed (a call they did not pick up keeps them away a while), or
/// closed (their department is closed).
/// </summary>
public sealed record AgentOnBoard(
    string Id, string Department, string Name, string Status, string State, DateTimeOffset? Since, string? With,
    double? SecondsLeft, double? SecondsInState = null);

/// <summary>One call found by the call search: when, who, where it went and how it ended.</summary>
public sealed record FoundCall(
    string CallSid, DateTimeOffset StartedAt, string? Caller, string? Department, string Outcome,
    double? WaitSeconds, int? TalkSeconds, int? DurationSeconds, string? Agent);

/// <summary>One step of a call's path: a menu step, a queue entry, an announcement, a callback.</summary>
public sealed record CallStep(DateTimeOffset At, string Kind, string What);

/// <summary>The figures of one hour or one day (local time of the hotline), of one department or all.</summary>
public sealed record FigureRow(
    string Period, DateTimeOffset Start, int Offered, int Answered, int Abandoned, double? AverageWaitSeconds, double? ServiceLevel);

/// <summary>
/// The queries behind the supervisor's views: the queue wall, the agent board, the call search and the figures
/// over time. Every figure uses the definitions of <see cref="StatsStore"/> (waiting, answered, service level).
/// </summary>
public sealed class SupervisorStore(Database database)
{
    /// <summary>The outcomes the call search knows, as it writes them.</summary>
    public static readonly string[] Outcomes = ["answered", "abandoned", "callback", "menu", "lost", "in-progress"];

    public const int MaxCalls = 1000;

    private sealed class WaitingRow
    {
        public string Department { get; set; } = "";
        public string Language { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public long Callback { get; set; }
    }

    private sealed class DueRow
    {
        public string Department { get; set; } = "";
        public long Due { get; set; }
    }

    private sealed class TalkRow
    {
        public string CallSid { get; set; } = "";
        public string? Caller { get; set; }
        public long? BridgedAt { get; set; }
    }

    private sealed class CallRow
    {
        public string CallSid { get; set; } = "";
        public long StartedAt { get; set; }
        public string? Caller { get; set; }
        public string? Department { get; set; }
        public string Outcome { get; set; } = "";
        public long? EnqueuedAt { get; set; }
        public long? AnsweredAt { get; set; }
        public long? HandleSeconds { get; set; }
        public long? DurationSeconds { get; set; }
        public string? Agent { get; set; }
    }

    private sealed class EntryRow
    {
        public string Department { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public string State { get; set; } = "";
        public long? AnsweredAt { get; set; }
    }

    /// <summary>Callers waiting now and callbacks due, per department, oldest place first.</summary>
    public async Task<(ILookup<string, WaitingRowView> Waiting, IReadOnlyDictionary<string, int> CallbacksDue)> WallAsync(
        DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var nowMs = now.ToUnixTimeMilliseconds();
        var waiting = await connection.QueryAsync<WaitingRow>(
            // Waiting means in the queue (not ringing an agent, not talking): the one definition of the figures.
            $"""
            SELECT q.department AS Department, q.language AS Language, q.enqueued_at AS EnqueuedAt,
                   CASE WHEN EXISTS (SELECT 1 FROM callbacks c WHERE c.call_sid = q.call_sid)
                          OR EXISTS (SELECT 1 FROM callback_attempts t WHERE t.call_sid = q.call_sid) THEN 1 ELSE 0 END AS Callback
            FROM queue_entries q
            WHERE q.state = '{EntryText.Waiting}'
            ORDER BY q.department, q.place_at, q.id
            """);
        var due = await connection.QueryAsync<DueRow>(
            $"SELECT department AS Department, COUNT(*) AS Due FROM callbacks WHERE status = '{CallbackText.Pending}' AND due_at <= @nowMs GROUP BY department",
            new { nowMs });
        return (waiting.Select(w => new WaitingRowView(w.Department, w.Language, (nowMs - w.EnqueuedAt) / 1000.0, w.Callback != 0))
                .ToLookup(w => w.Department),
            due.ToDictionary(d => d.Department, d => (int)d.Due));
    }

    public sealed record WaitingRowView(string Department, string Language, double WaitSeconds, bool Callback);

    /// <summary>Each agent's state now; whom they talk with is shown masked, enough to tell two callers apart.</summary>
    public async Task<IReadOnlyList<AgentOnBoard>> BoardAsync(
        IReadOnlyList<AgentRow> agents, MenuDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var calls = agents.Where(a => a.BusyCallSid is { } sid && !sid.StartsWith("callback:", StringComparison.Ordinal))
            .Select(a => a.BusyCallSid!).ToList();
        var talks = calls.Count == 0 ? new Dictionary<string, TalkRow>() : (await connection.QueryAsync<TalkRow>(
            $"""
            SELECT c.call_sid AS CallSid, c.caller AS Caller,
                   (SELECT MAX(q.bridged_at) FROM queue_entries q WHERE q.call_sid = c.call_sid AND q.state IN ('{EntryText.Offered}', '{EntryText.Answered}')) AS BridgedAt
            FROM calls c WHERE c.call_sid {database.In("@calls")}
            """, new { calls })).ToDictionary(t => t.CallSid);
        var zone = definition.Hotline.TimeZone;
        var nowMs = now.ToUnixTimeMilliseconds();
        return agents.Select(agent => WithTimeInState(agent)).ToList();

        AgentOnBoard WithTimeInState(AgentRow agent)
        {
            var board = OnBoard(agent);
            // Measured on the service's clock: the browser's may be elsewhere.
            return board.Since is { } since ? board with { SecondsInState = (now - since).TotalSeconds } : board;
        }

        AgentOnBoard OnBoard(AgentRow agent)
        {
            var department = definition.Departments.GetValueOrDefault(agent.Department);
            DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
            if (agent.BusyCallSid is { } sid)
            {
                if (sid.StartsWith("callback:", StringComparison.Ordinal))
                    return new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "ringing", Time(agent.BusySince), "a callback", null);
                var talk = talks.GetValueOrDefault(sid);
                var with = PhoneMask.Number(talk?.Caller);
                return talk?.BridgedAt is { } bridged
                    ? new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "talking", Time(bridged), with, null)
                    : new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "ringing", Time(agent.BusySince), with, null);
            }
            if (agent.IsWrappingUp(now))
                return new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "wrap-up", null, null, (agent.FreeAt!.Value - nowMs) / 1000.0);
            if (agent.Status == AgentStatus.Away)
                return new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "away", null, null, null);
            if (agent.AwayUntil is { } until && until > nowMs)
                return new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "missed", null, null, (until - nowMs) / 1000.0);
            if (department is null || !department.Hours.IsOpen(now, zone))
                return new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "closed", null, null, null);
            return new AgentOnBoard(agent.Id, agent.Department, agent.Name, agent.StoredStatus, "available", null, null, null);
        }
    }

    /// <summary>
    /// Calls that started in [<paramref name="from"/>, <paramref name="to"/>), newest first, whose number holds
    /// <paramref name="digits"/>, that went to <paramref name="department"/> and ended with <paramref name="outcome"/>
    /// (each filter optional). A call's department and figures are those of its last queue entry.
    /// </summary>
    public async Task<IReadOnlyList<FoundCall>> SearchAsync(
        string? digits, DateTimeOffset from, DateTimeOffset to, string? department, string? outcome, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<CallRow>(
            $"""
            SELECT * FROM (
                SELECT c.call_sid AS CallSid, c.started_at AS StartedAt, c.caller AS Caller,
                       COALESCE(q.department, b.department) AS Department,
                       CASE WHEN q.state = '{EntryText.Answered}' OR (q.state = '{EntryText.Offered}' AND q.bridged_at IS NOT NULL) THEN 'answered'
                            WHEN q.state = '{EntryText.Abandoned}' THEN 'abandoned'
                            WHEN q.state = '{EntryText.Lost}' THEN 'lost'
                            WHEN b.id IS NOT NULL THEN 'callback'
                            WHEN c.ended_at IS NULL THEN 'in-progress'
                            ELSE 'menu' END AS Outcome,
                       q.enqueued_at AS EnqueuedAt, COALESCE(q.answered_at, q.bridged_at) AS AnsweredAt,
                       q.handle_seconds AS HandleSeconds, c.duration_seconds AS DurationSeconds, q.agent_id AS Agent
                FROM calls c
                LEFT JOIN queue_entries q ON q.id = (SELECT MAX(id) FROM queue_entries WHERE call_sid = c.call_sid)
                LEFT JOIN callbacks b ON b.id = (SELECT MIN(id) FROM callbacks WHERE call_sid = c.call_sid)
                WHERE c.started_at >= @from AND c.started_at < @to
                  AND (@digits IS NULL OR c.caller LIKE @pattern)
            ) found
            WHERE (@department IS NULL OR Department = @department) AND (@outcome IS NULL OR Outcome = @outcome)
            ORDER BY StartedAt DESC
            LIMIT @limit
            """,
            new
            {
                from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), digits,
                pattern = digits is null ? null : "%" + digits + "%", department, outcome, limit,
            });
        return rows.Select(r => new FoundCall(
            r.CallSid, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt), r.Caller, r.Department, r.Outcome,
            r.AnsweredAt is { } answered && r.EnqueuedAt is { } joined ? (answered - joined) / 1000.0 : null,
            r.HandleSeconds is { } talk ? (int)talk : null, r.DurationSeconds is { } d ? (int)d : null, r.Agent)).ToList();
    }

    /// <summary>A call's whole path in time order: menu steps with keys and speech, queues, announcements, callbacks.</summary>
    public async Task<IReadOnlyList<CallStep>> PathAsync(string callSid, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var steps = new List<(long At, string Kind, string What)>();
        foreach (var e in await connection.QueryAsync<(long At, string From, string To, string Trigger, string? Input)>(
                     """
                     SELECT e.at, e.from_menu, e.to_menu, e.trigger, e.input
                     FROM calls c JOIN call_events e ON e.call_started = c.started_at AND e.call_sid = c.call_sid
                     WHERE c.call_sid = @callSid ORDER BY e.id
                     """, new { callSid }))
        {
            var input = e.Input is null ? "" : $" ({e.Input})";
            steps.Add((e.At, "menu", e.From == e.To ? $"{e.Trigger} in {e.To}{input}" : $"{e.From} → {e.To}: {e.Trigger}{input}"));
        }
        foreach (var q in await connection.QueryAsync<(string Department, long EnqueuedAt, string State, long? AnsweredAt, string? Agent, long? Handle, long? EndedAt)>(
                     """
                     SELECT department, enqueued_at, state, COALESCE(answered_at, bridged_at), agent_id, handle_seconds, ended_at
                     FROM queue_entries WHERE call_sid = @callSid ORDER BY id
                     """, new { callSid }))
        {
            steps.Add((q.EnqueuedAt, "queue", $"joined the {q.Department} queue"));
            if (q.AnsweredAt is { } answered)
                steps.Add((answered, "agent", $"{q.Agent} answered after {Seconds((answered - q.EnqueuedAt) / 1000.0)}" +
                                              (q.Handle is { } talk ? $", talked {talk} s" : "")));
            else if (q.EndedAt is { } ended)
                steps.Add((ended, "queue", $"left the queue ({q.State}) after {Seconds((ended - q.EnqueuedAt) / 1000.0)}"));
        }
        foreach (var a in await connection.QueryAsync<(long At, long Position, double? Promise, double? Actual)>(
                     "SELECT at, position, promise_seconds, actual_seconds FROM announcements WHERE call_sid = @callSid ORDER BY id", new { callSid }))
        {
            steps.Add((a.At, "announcement", $"place {a.Position}" +
                                             (a.Promise is { } promise ? $", promised {Seconds(promise)}" : ", no promise") +
                                             (a.Actual is { } actual ? $", waited {Seconds(actual)}" : "")));
        }
        foreach (var c in await connection.QueryAsync<(long BookedAt, string Reference, string Status, long Attempts)>(
                     "SELECT COALESCE(booked_at, requested_at), reference, status, attempts FROM callbacks WHERE call_sid = @callSid ORDER BY id",
                     new { callSid }))
        {
            steps.Add((c.BookedAt, "callback", $"callback {c.Reference} booked: {c.Status}, {c.Attempts} tries"));
        }
        return steps.OrderBy(s => s.At)
            .Select(s => new CallStep(DateTimeOffset.FromUnixTimeMilliseconds(s.At), s.Kind, s.What)).ToList();
    }

    private static string Seconds(double seconds) => seconds.ToString("0", CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// Offered, answered, abandoned, average wait and service level of each hour or day in [<paramref name="from"/>,
    /// <paramref name="to"/>), local time of the hotline, by the definitions of today's figures. Every period is
    /// listed, also those without calls.
    /// </summary>
    public async Task<(IReadOnlyList<FigureRow> Rows, FigureRow Total)> FiguresAsync(
        DateTimeOffset from, DateTimeOffset to, bool byHour, string? department, TimeZoneInfo zone,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var entries = await connection.QueryAsync<EntryRow>(
            $"""
            SELECT department AS Department, enqueued_at AS EnqueuedAt,
                   CASE WHEN {StatsStore.IsAnswered} THEN '{EntryText.Answered}' ELSE state END AS State,
                   CASE WHEN {StatsStore.IsAnswered} THEN {StatsStore.AnsweredAt} END AS AnsweredAt
            FROM queue_entries
            WHERE enqueued_at >= @from AND enqueued_at < @to AND {StatsStore.OnTheLine}
              AND (@department IS NULL OR department = @department)
            """, new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), department });

        var list = entries.ToList();
        var periods = Periods(from, to, byHour, zone);
        var byPeriod = list.ToLookup(e => PeriodIndex(periods, e.EnqueuedAt));
        var rows = periods.Select((period, i) => Figure(period.Label, period.Start, byPeriod[i].ToList())).ToList();
        return (rows, Figure("total", from, list));
    }

    private static FigureRow Figure(string label, DateTimeOffset start, List<EntryRow> entries)
    {
        var answered = entries.Where(e => e.State == EntryText.Answered).ToList();
        var abandoned = entries.Count(e => e.State == EntryText.Abandoned);
        var lost = entries.Count(e => e.State == EntryText.Lost);
        // As today's figures: a lost call was not answered, so it counts against the service level.
        var ended = answered.Count + abandoned + lost;
        var waits = answered.Select(e => (e.AnsweredAt!.Value - e.EnqueuedAt) / 1000.0).ToList();
        return new FigureRow(label, start, entries.Count, answered.Count, abandoned,
            waits.Count > 0 ? waits.Average() : null,
            ended > 0 ? (double)waits.Count(w => w <= StatsStore.ServiceLevelSeconds) / ended : null);
    }

    private static int PeriodIndex(List<(string Label, DateTimeOffset Start)> periods, long at)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(at);
        var index = periods.FindLastIndex(p => p.Start <= time);
        return Math.Max(0, index);
    }

    /// <summary>The starts of each local hour or day in the range; labels as the hotline's clock shows them.</summary>
    private static List<(string Label, DateTimeOffset Start)> Periods(DateTimeOffset from, DateTimeOffset to, bool byHour, TimeZoneInfo zone)
    {
        var periods = new List<(string, DateTimeOffset)>();
        if (byHour)
        {
            for (var start = from; start < to; start = start.AddHours(1))
                periods.Add((TimeZoneInfo.ConvertTime(start, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), start));
            return periods;
        }
        for (var start = from; start < to; start = StatsStore.HotlineDay(start, zone).End)
            periods.Add((TimeZoneInfo.ConvertTime(start, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), start));
        return periods;
    }
}
