using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Model;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>A department's figures: the live queue, and today's calls since midnight in the hotline's zone.</summary>
public sealed record DepartmentStats(
    string Department,
    int WaitingNow,
    double LongestWaitSeconds,
    int AgentsOnDuty,
    int AgentsBusy,
    int AgentsInWrapUp,
    int Offered,
    int Answered,
    int Abandoned,
    int Lost,
    double? AverageSpeedOfAnswerSeconds,
    double? ServiceLevel,
    double? AverageHandleSeconds,
    int Announcements,
    double? AnnouncementMeanErrorSeconds,
    double? AnsweredWithinPromise,
    CallbackFigures Callbacks);

/// <summary>
/// A department's callbacks today: booked today; tries placed today (calls Twilio took); connected and failed
/// today; open now; and for those connected today, the minutes from booking to talking to an agent.
/// </summary>
public sealed record CallbackFigures(
    int Booked, int Placed, int Connected, int Failed, int Canceled, int OpenNow,
    double? AverageMinutesToConnect, double? LongestMinutesToConnect);

/// <summary>The queries behind /api/stats.</summary>
public sealed class StatsStore(Database database)
{
    /// <summary>
    /// A queue entry an agent answered: the call is over, or the agent picked up (Twilio asked for the whisper) and
    /// they are talking. Answered counts from that moment, not from the end of the call.
    /// </summary>
    public const string IsAnswered = $"(state = '{EntryText.Answered}' OR (state = '{EntryText.Offered}' AND bridged_at IS NOT NULL))";

    /// <summary>When the agent of an answered entry picked up.</summary>
    public const string AnsweredAt = "COALESCE(answered_at, bridged_at)";

    /// <summary>
    /// A queue entry of a caller on the line, not of a customer called back who waits there (their agent missed the
    /// ring or was given back): today's figures count that conversation once, as the callback it is.
    /// </summary>
    public const string OnTheLine = "call_sid NOT IN (SELECT call_sid FROM callback_attempts WHERE call_sid IS NOT NULL)";

    /// <summary>Answered within this many seconds counts towards the service level.</summary>
    public const int ServiceLevelSeconds = 20;

    private sealed class QueueRow
    {
        public string Department { get; set; } = "";
        public long Offered { get; set; }
        public long Answered { get; set; }
        public long Abandoned { get; set; }
        public long Lost { get; set; }
        public long WaitingNow { get; set; }
        public long? OldestWaiting { get; set; }
        public double? SpeedOfAnswerMs { get; set; }
        public long AnsweredInTime { get; set; }
        public double? HandleSeconds { get; set; }
    }

    private sealed class AnnouncementRow
    {
        public string Department { get; set; } = "";
        public long Count { get; set; }
        public double? MeanError { get; set; }
        public long Scored { get; set; }
        public long WithinPromise { get; set; }
    }

    private sealed class CallbackRow
    {
        public string Department { get; set; } = "";
        public long Booked { get; set; }
        public long Placed { get; set; }
        public long Connected { get; set; }
        public long Failed { get; set; }
        public long Canceled { get; set; }
        public long OpenNow { get; set; }
        public double? ToConnectMs { get; set; }
        public double? LongestToConnectMs { get; set; }
    }

    /// <summary>Today in the hotline's zone: from local midnight to the next (23 or 25 hours when the clocks change).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) HotlineDay(DateTimeOffset now, TimeZoneInfo zone)
    {
        var localMidnight = TimeZoneInfo.ConvertTime(now, zone).Date;
        DateTimeOffset Utc(DateTime local)
        {
            // Where the clocks jump forward at midnight, the day starts at the first minute that exists.
            while (zone.IsInvalidTime(local))
                local = local.AddMinutes(30);
            return new(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
        }
        return (Utc(localMidnight), Utc(localMidnight.AddDays(1)));
    }

    /// <summary>Every department's figures for the hotline's day so far, with its agents on duty and busy now.</summary>
    public async Task<(DateTimeOffset DayStart, DateTimeOffset DayEnd, IReadOnlyList<DepartmentStats> Departments)> TodayAsync(
        MenuDefinition definition, IReadOnlyList<AgentRow> staff, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var zone = definition.Hotline.TimeZone;
        var (dayStart, dayEnd) = HotlineDay(now, zone);

        (int, int, int) OnDutyBusyAndWrappingUp(string department)
        {
            var known = definition.Departments[department];
            var ofDepartment = staff.Where(a => a.Department == department).ToList();
            return (ofDepartment.Count(a => a.IsOnDuty(known, zone, now)), ofDepartment.Count(a => a.BusyCallSid is not null),
                ofDepartment.Count(a => a.IsWrappingUp(now)));
        }

        return (dayStart, dayEnd, await ForDayAsync(definition.Departments.Keys, dayStart, now, OnDutyBusyAndWrappingUp, cancellationToken));
    }

    public async Task<IReadOnlyList<DepartmentStats>> ForDayAsync(
        IEnumerable<string> departments, DateTimeOffset dayStart, DateTimeOffset now,
        Func<string, (int OnDuty, int Busy, int WrappingUp)> agents, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var since = dayStart.ToUnixTimeMilliseconds();
        var queues = (await connection.QueryAsync<QueueRow>(
            // Waiting means in the queue: not ringing an agent, not talking to one.
            $"""
            SELECT department AS Department,
                   SUM(CASE WHEN enqueued_at >= @since AND {OnTheLine} THEN 1 ELSE 0 END) AS Offered,
                   SUM(CASE WHEN enqueued_at >= @since AND {OnTheLine} AND {IsAnswered} THEN 1 ELSE 0 END) AS Answered,
                   SUM(CASE WHEN enqueued_at >= @since AND {OnTheLine} AND state = '{EntryText.Abandoned}' THEN 1 ELSE 0 END) AS Abandoned,
                   SUM(CASE WHEN enqueued_at >= @since AND {OnTheLine} AND state = '{EntryText.Lost}' THEN 1 ELSE 0 END) AS Lost,
                   SUM(CASE WHEN state = '{EntryText.Waiting}' THEN 1 ELSE 0 END) AS WaitingNow,
                   MIN(CASE WHEN state = '{EntryText.Waiting}' THEN enqueued_at END) AS OldestWaiting,
                   AVG(CASE WHEN enqueued_at >= @since AND {OnTheLine} AND {IsAnswered} THEN {AnsweredAt} - enqueued_at END) AS SpeedOfAnswerMs,
                   SUM(CASE WHEN enqueued_at >= @since AND {OnTheLine} AND {IsAnswered} AND {AnsweredAt} - enqueued_at <= @threshold THEN 1 ELSE 0 END) AS AnsweredInTime,
                   AVG(CASE WHEN enqueued_at >= @since AND {OnTheLine} AND state = '{EntryText.Answered}' THEN handle_seconds END) AS HandleSeconds
            FROM queue_entries
            WHERE enqueued_at >= @since OR state IN ('{EntryText.Waiting}', '{EntryText.Offered}')
            GROUP BY department
            """, new { since, threshold = ServiceLevelSeconds * 1000L })).ToDictionary(r => r.Department);
        var announcements = (await connection.QueryAsync<AnnouncementRow>(
            """
            SELECT department AS Department, COUNT(*) AS Count,
                   AVG(estimate_seconds - actual_seconds) AS MeanError,
                   SUM(CASE WHEN actual_seconds IS NOT NULL AND promise_seconds IS NOT NULL THEN 1 ELSE 0 END) AS Scored,
                   SUM(CASE WHEN actual_seconds IS NOT NULL AND actual_seconds <= promise_seconds THEN 1 ELSE 0 END) AS WithinPromise
            FROM announcements WHERE at >= @since
            GROUP BY department
            """, new { since })).ToDictionary(r => r.Department);

        var callbacks = (await connection.QueryAsync<CallbackRow>(
            $"""
            SELECT department AS Department,
                   SUM(CASE WHEN booked_at >= @since THEN 1 ELSE 0 END) AS Booked,
                   SUM(CASE WHEN status = '{CallbackText.Connected}' AND ended_at >= @since THEN 1 ELSE 0 END) AS Connected,
                   SUM(CASE WHEN status = '{CallbackText.Failed}' AND ended_at >= @since THEN 1 ELSE 0 END) AS Failed,
                   SUM(CASE WHEN status = '{CallbackText.Canceled}' AND ended_at >= @since THEN 1 ELSE 0 END) AS Canceled,
                   SUM(CASE WHEN status IN {CallbackText.Open} THEN 1 ELSE 0 END) AS OpenNow,
                   AVG(CASE WHEN status = '{CallbackText.Connected}' AND ended_at >= @since THEN connected_at - booked_at END) AS ToConnectMs,
                   MAX(CASE WHEN status = '{CallbackText.Connected}' AND ended_at >= @since THEN connected_at - booked_at END) AS LongestToConnectMs,
                   (SELECT COUNT(*) FROM callback_attempts t JOIN callbacks o ON o.id = t.callback_id
                    WHERE o.department = c.department AND t.placed_at >= @since) AS Placed
            FROM callbacks c
            WHERE booked_at >= @since OR ended_at >= @since OR status IN {CallbackText.Open}
            GROUP BY department
            """, new { since })).ToDictionary(r => r.Department);

        var nowMs = now.ToUnixTimeMilliseconds();
        return departments.Select(department =>
        {
            var q = queues.GetValueOrDefault(department) ?? new QueueRow { Department = department };
            var a = announcements.GetValueOrDefault(department) ?? new AnnouncementRow { Department = department };
            var c = callbacks.GetValueOrDefault(department) ?? new CallbackRow { Department = department };
            var (onDuty, busy, wrappingUp) = agents(department);
            // A lost call (it ended unheard, nobody knows how) was not answered: it counts against the service level.
            var ended = q.Answered + q.Abandoned + q.Lost;
            return new DepartmentStats(
                department,
                WaitingNow: (int)q.WaitingNow,
                LongestWaitSeconds: q.OldestWaiting is { } oldest ? (nowMs - oldest) / 1000.0 : 0,
                AgentsOnDuty: onDuty,
                AgentsBusy: busy,
                AgentsInWrapUp: wrappingUp,
                Offered: (int)q.Offered,
                Answered: (int)q.Answered,
                Abandoned: (int)q.Abandoned,
                Lost: (int)q.Lost,
                AverageSpeedOfAnswerSeconds: q.SpeedOfAnswerMs / 1000.0,
                ServiceLevel: ended > 0 ? (double)q.AnsweredInTime / ended : null,
                AverageHandleSeconds: q.HandleSeconds,
                Announcements: (int)a.Count,
                AnnouncementMeanErrorSeconds: a.MeanError,
                AnsweredWithinPromise: a.Scored > 0 ? (double)a.WithinPromise / a.Scored : null,
                Callbacks: new CallbackFigures((int)c.Booked, (int)c.Placed, (int)c.Connected, (int)c.Failed, (int)c.Canceled,
                    (int)c.OpenNow, c.ToConnectMs / 60000.0, c.LongestToConnectMs / 60000.0));
        }).ToList();
    }
}
