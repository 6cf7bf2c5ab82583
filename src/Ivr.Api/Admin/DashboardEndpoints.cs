using Ivr.Api.Menus;
using Ivr.Api.Queues;
using Ivr.Flows.Model;

namespace Ivr.Api.Admin;

/// <summary>GET /admin/api/dashboard: per department the live queue, today's figures and the data of the charts.</summary>
public static class DashboardEndpoints
{
    public sealed record DashboardView(
        DateTimeOffset At, DateTimeOffset DayStart, string TimeZone, int ServiceLevelSeconds, IReadOnlyList<DepartmentDashboard> Departments)
    {
        /// <summary>What callers thought, first-contact resolution, repeat calls and self-service, as /api/stats has them.</summary>
        public Care.CareStats? Care { get; init; }
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder adminApi)
    {
        adminApi.MapGet("/dashboard", async (
            StatsStore stats, DashboardStore dashboard, Care.CareStatsStore care, AgentStore agents, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
        {
            var definition = menus.Current;
            var zone = definition.Hotline.TimeZone;
            var now = time.GetUtcNow();
            var (dayStart, dayEnd, figures) = await stats.TodayAsync(definition, await agents.ListAsync(ct), now, ct);
            var departments = await dashboard.TodayAsync(figures, id => Title(definition, id), dayStart, dayEnd, zone, ct);
            return TypedResults.Ok(new DashboardView(now, dayStart, zone.Id, StatsStore.ServiceLevelSeconds, departments)
            {
                Care = await care.ForWindowAsync(definition.Departments.Keys, now, ct),
            });
        });
        return adminApi;
    }

    // The console speaks English; a department is named as English callers hear it, when the hotline has English.
    private static string Title(MenuDefinition definition, string department)
    {
        var english = definition.Hotline.Languages.FirstOrDefault(l => l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return definition.Departments[department].Title.For(english ?? definition.DefaultLanguage);
    }
}
