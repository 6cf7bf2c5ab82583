using Ivr.Api.Menus;
using Ivr.Api.Queues;
using Ivr.Flows.Model;

namespace Ivr.Api.Admin;

/// <summary>GET /admin/api/dashboard: per department the live queue, today's figures and the data of the charts.</summary>
public static class DashboardEndpoints
{
    public sealed record DashboardView(
        DateTimeOffset At, DateTimeOffset DayStart, string TimeZone, int ServiceLevelSeconds, IReadOnlyList<DepartmentDashboard> Departments);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder adminApi)
    {
        adminApi.MapGet("/dashboard", async (
            StatsStore stats, DashboardStore dashboard, AgentStore agents, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
        {
            var definition = menus.Current;
            var zone = definition.Hotline.TimeZone;
            var now = time.GetUtcNow();
            var (dayStart, dayEnd) = HotlineDay(now, zone);
            var staff = await agents.ListAsync(ct);

            (int, int) OnDutyAndBusy(string department)
            {
                var known = definition.Departments[department];
                var ofDepartment = staff.Where(a => a.Department == department).ToList();
                return (ofDepartment.Count(a => a.IsOnDuty(known, zone, now)), ofDepartment.Count(a => a.BusyCallSid is not null));
            }

            var figures = await stats.ForDayAsync(definition.Departments.Keys, dayStart, now, OnDutyAndBusy, ct);
            var departments = await dashboard.TodayAsync(figures, id => Title(definition, id), dayStart, dayEnd, zone, ct);
            return TypedResults.Ok(new DashboardView(now, dayStart, zone.Id, StatsStore.ServiceLevelSeconds, departments));
        });
        return adminApi;
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

    // The console speaks English; a department is named as English callers hear it, when the hotline has English.
    private static string Title(MenuDefinition definition, string department)
    {
        var english = definition.Hotline.Languages.FirstOrDefault(l => l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return definition.Departments[department].Title.For(english ?? definition.DefaultLanguage);
    }
}
