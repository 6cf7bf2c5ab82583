using Ivr.Api.Menus;

namespace Ivr.Api.Queues;

/// <summary>GET /api/stats: per department the live queue and today's figures.</summary>
public static class StatsEndpoints
{
    public sealed record StatsView(DateTimeOffset At, DateTimeOffset DayStart, int ServiceLevelSeconds, IReadOnlyList<DepartmentStats> Departments)
    {
        /// <summary>Survey results, first-contact resolution, repeat calls and self-service over the last days.</summary>
        public Care.CareStats? Care { get; init; }
    }

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/stats", async (StatsStore stats, Care.CareStatsStore care, AgentStore agents, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
        {
            var now = time.GetUtcNow();
            var (dayStart, _, figures) = await stats.TodayAsync(menus.Current, await agents.ListAsync(ct), now, ct);
            return TypedResults.Ok(new StatsView(now, dayStart, StatsStore.ServiceLevelSeconds, figures)
            {
                Care = await care.ForWindowAsync(menus.Current.Departments.Keys, now, ct),
            });
        }).AddEndpointFilter<ApiKeyFilter>();
        return app;
    }
}
