using Dapper;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;

namespace Ivr.Api.Admin;

/// <summary>Calls that joined a department's queue in one hour of today (local time of the hotline).</summary>
public sealed record HourCount(string Hour, int Calls);

/// <summary>Answered callers of today who waited between <see cref="FromSeconds"/> and <see cref="ToSeconds"/>.</summary>
public sealed record WaitBucket(string Label, int FromSeconds, int? ToSeconds, int Answered);

/// <summary>What the console's dashboard shows for one department: <see cref="DepartmentStats"/> plus the charts.</summary>
public sealed record DepartmentDashboard(
    string Department,
    string Title,
    int WaitingNow,
    double LongestWaitSeconds,
    int AgentsOnDuty,
    int AgentsBusy,
    int AgentsInWrapUp,
    int Calls,
    int Answered,
    int AnsweredWithinServiceLevel,
    double? ServiceLevel,
    double? AverageWaitSeconds,
    int Abandoned,
    double? AbandonmentRate,
    int Lost,
    double? AverageHandleSeconds,
    CallbackFigures Callbacks,
    int Announcements,
    double? AnnouncementMeanErrorSeconds,
    double? AnsweredWithinPromise,
    IReadOnlyList<HourCount> CallsPerHour,
    IReadOnlyList<WaitBucket> WaitDistribution);

/// <summary>
/// The queries behind the console's dashboard that /api/stats does not answer: calls per hour and the distribution
/// of answered waits. Everything counts from the start of the hotline's day.
/// </summary>
public sealed class DashboardStore(Database database)
{
    /// <summary>The wait histogram: a wait on a boundary counts in the lower bucket, as the service level counts 20 s as in time.</summary>
    private static readonly (string Label, int From, int? To)[] WaitBuckets =
    [
        ("0–20 s", 0, StatsStore.ServiceLevelSeconds), ("20–60 s", StatsStore.ServiceLevelSeconds, 60),
        ("1–2 min", 60, 120), ("2–5 min", 120, 300), ("5+ min", 300, null),
    ];

    private sealed class HourRow
    {
        public string Department { get; set; } = "";
        public long Hour { get; set; }
        public long Calls { get; set; }
    }

    private sealed class WaitRow
    {
        public string Department { get; set; } = "";
        public long B0 { get; set; }
        public long B1 { get; set; }
        public long B2 { get; set; }
        public long B3 { get; set; }
        public long B4 { get; set; }
    }

    /// <summary>
    /// Adds the charts to each department's <paramref name="figures"/>. <paramref name="dayStart"/> and
    /// <paramref name="dayEnd"/> are the hotline's local midnights, which may be 23 or 25 hours apart.
    /// </summary>
    public async Task<IReadOnlyList<DepartmentDashboard>> TodayAsync(
        IReadOnlyList<DepartmentStats> figures, Func<string, string> title, DateTimeOffset dayStart, DateTimeOffset dayEnd,
        TimeZoneInfo zone, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var since = dayStart.ToUnixTimeMilliseconds();
        var hours = (await connection.QueryAsync<HourRow>(
            $"""
            SELECT department AS Department, (enqueued_at - @since) / 3600000 AS Hour, COUNT(*) AS Calls
            FROM queue_entries WHERE enqueued_at >= @since AND {StatsStore.OnTheLine}
            GROUP BY department, (enqueued_at - @since) / 3600000
            """, new { since })).ToLookup(r => r.Department);
        var waits = (await connection.QueryAsync<WaitRow>(
            $"""
            SELECT department AS Department,
                   SUM(CASE WHEN wait <= @b1 THEN 1 ELSE 0 END) AS B0,
                   SUM(CASE WHEN wait > @b1 AND wait <= @b2 THEN 1 ELSE 0 END) AS B1,
                   SUM(CASE WHEN wait > @b2 AND wait <= @b3 THEN 1 ELSE 0 END) AS B2,
                   SUM(CASE WHEN wait > @b3 AND wait <= @b4 THEN 1 ELSE 0 END) AS B3,
                   SUM(CASE WHEN wait > @b4 THEN 1 ELSE 0 END) AS B4
            FROM (SELECT department, {StatsStore.AnsweredAt} - enqueued_at AS wait FROM queue_entries
                  WHERE enqueued_at >= @since AND {StatsStore.OnTheLine} AND {StatsStore.IsAnswered}) AS answered
            GROUP BY department
            """, new
            {
                since,
                b1 = WaitBuckets[1].From * 1000L, b2 = WaitBuckets[2].From * 1000L,
                b3 = WaitBuckets[3].From * 1000L, b4 = WaitBuckets[4].From * 1000L,
            })).ToDictionary(r => r.Department);

        var hourStarts = HourStarts(dayStart, dayEnd, zone);
        return figures.Select(stats =>
        {
            var perHour = hours[stats.Department].ToDictionary(r => r.Hour, r => (int)r.Calls);
            var wait = waits.GetValueOrDefault(stats.Department) ?? new WaitRow();
            long[] buckets = [wait.B0, wait.B1, wait.B2, wait.B3, wait.B4];
            var ended = stats.Answered + stats.Abandoned + stats.Lost;
            return new DepartmentDashboard(
                stats.Department,
                title(stats.Department),
                stats.WaitingNow,
                stats.LongestWaitSeconds,
                stats.AgentsOnDuty,
                stats.AgentsBusy,
                stats.AgentsInWrapUp,
                Calls: stats.Offered,
                stats.Answered,
                AnsweredWithinServiceLevel: (int)wait.B0,
                stats.ServiceLevel,
                AverageWaitSeconds: stats.AverageSpeedOfAnswerSeconds,
                stats.Abandoned,
                AbandonmentRate: ended > 0 ? (double)stats.Abandoned / ended : null,
                stats.Lost,
                stats.AverageHandleSeconds,
                stats.Callbacks,
                stats.Announcements,
                stats.AnnouncementMeanErrorSeconds,
                stats.AnsweredWithinPromise,
                CallsPerHour: hourStarts.Select((label, hour) => new HourCount(label, perHour.GetValueOrDefault(hour))).ToList(),
                WaitDistribution: WaitBuckets.Select((bucket, i) => new WaitBucket(bucket.Label, bucket.From, bucket.To, (int)buckets[i])).ToList());
        }).ToList();
    }

    /// <summary>
    /// The local clock time at which each hour of the day starts ("00:00", "01:00", ...): 24 labels, or 23 and 25 on
    /// the days the clocks change (hours are counted from midnight, so a skipped or repeated hour shows as such).
    /// </summary>
    private static List<string> HourStarts(DateTimeOffset dayStart, DateTimeOffset dayEnd, TimeZoneInfo zone)
    {
        var labels = new List<string>();
        for (var start = dayStart; start < dayEnd; start = start.AddHours(1))
            labels.Add(TimeZoneInfo.ConvertTime(start, zone).ToString("HH:mm"));
        return labels;
    }
}
