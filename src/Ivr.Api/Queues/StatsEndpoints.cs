using Ivr.Api.Menus;

namespace Ivr.Api.Queues;

/// <summary>GET /api/stats: per department the live queue and today's figures.</summary>
public static class StatsEndpoints
{
    public sealed record StatsView(DateTimeOffset At, DateTimeOffset DayStart, int ServiceLevelSeconds, IReadOnlyList<DepartmentStats> Departments);

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/stats", async (StatsStore stats, AgentStore agents, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
        {
            var definition = menus.Current;
            var zone = definition.Hotline.TimeZone;
            var now = time.GetUtcNow();
            // "Today" is the hotline's day, from local midnight (which may be 23 or 25 hours from the next one).
            var localMidnight = TimeZoneInfo.ConvertTime(now, zone).Date;
            var dayStart = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(localMidnight, zone), TimeSpan.Zero);
            var staff = await agents.ListAsync(ct);

            (int, int) Agents(string department)
            {
                var known = definition.Departments[department];
                var ofDepartment = staff.Where(a => a.Department == department).ToList();
                return (ofDepartment.Count(a => a.IsOnDuty(known, zone, now)), ofDepartment.Count(a => a.BusyCallSid is not null));
            }

            var figures = await stats.ForDayAsync(definition.Departments.Keys, dayStart, now, Agents, ct);
            return TypedResults.Ok(new StatsView(now, dayStart, StatsStore.ServiceLevelSeconds, figures));
        }).AddEndpointFilter<ApiKeyFilter>();
        return app;
    }
}
