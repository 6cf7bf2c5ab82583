using Ivr.Api.Menus;
using Ivr.Api.Queues;
using System.Globalization;
using Ivr.Flows.Model;

namespace Ivr.Api.Admin;

/// <summary>GET /admin/api/dashboard: per department the live queue, today's figures and the data of the charts.</summary>
public static class DashboardEndpoints
{
    public sealed record DashboardView(
        DateTimeOffset At, DateTimeOffset DayStart, string TimeZone, int ServiceLevelSeconds, IReadOnlyList<DepartmentDashboard> Departments,
        IReadOnlyList<DashboardAlert> Alerts)
    {
        /// <summary>What callers thought, first-contact resolution, repeat calls and self-service, as /api/stats has them.</summary>
        public Care.CareStats? Care { get; init; }
    }

    /// <summary>A department past a threshold of the menu file's <c>hotline: alerts:</c> today; figures in percent.</summary>
    public sealed record DashboardAlert(string Department, string Title, string Kind, double Percent, int Threshold, string Message);

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
            return TypedResults.Ok(new DashboardView(now, dayStart, zone.Id, StatsStore.ServiceLevelSeconds, departments,
                Alerts(definition.Hotline.Alerts, departments))
            {
                Care = await care.ForWindowAsync(definition.Departments.Keys, now, ct),
            });
        });
        return adminApi;
    }

    /// <summary>Today's figures past the thresholds; a department with no ended call yet raises none.</summary>
    public static IReadOnlyList<DashboardAlert> Alerts(AlertThresholds? thresholds, IReadOnlyList<DepartmentDashboard> departments)
    {
        var alerts = new List<DashboardAlert>();
        foreach (var d in departments)
        {
            if (thresholds?.ServiceLevelBelow is { } least && d.ServiceLevel is { } level && level * 100 < least)
                alerts.Add(new DashboardAlert(d.Department, d.Title, "service-level", Math.Round(level * 100, 1), least,
                    string.Create(CultureInfo.InvariantCulture, $"Service level of {d.Title} is {level * 100:0.#}% today, under the {least}% alert threshold.")));
            if (thresholds?.AbandonedAbove is { } most && d.AbandonmentRate is { } rate && rate * 100 > most)
                alerts.Add(new DashboardAlert(d.Department, d.Title, "abandoned", Math.Round(rate * 100, 1), most,
                    string.Create(CultureInfo.InvariantCulture, $"{rate * 100:0.#}% of callers to {d.Title} hung up waiting today, over the {most}% alert threshold.")));
        }
        return alerts;
    }

    // The console speaks English; a department is named as English callers hear it, when the hotline has English.
    private static string Title(MenuDefinition definition, string department)
    {
        var english = definition.Hotline.Languages.FirstOrDefault(l => l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return definition.Departments[department].Title.For(english ?? definition.DefaultLanguage);
    }
}
