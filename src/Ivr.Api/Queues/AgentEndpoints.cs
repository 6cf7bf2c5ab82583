using Ivr.Api.Menus;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ivr.Api.Queues;

/// <summary>The agent API: who works where, and agents saying they are available or away.</summary>
public static class AgentEndpoints
{
    public sealed record AgentView(
        string Id, string Department, string Name, string Kind, string Address, string Status,
        bool OnDuty, bool Busy, DateTimeOffset? AwayUntil, DateTimeOffset? FreeAt);

    public sealed record StatusChange(string? Status);

    public static IEndpointRouteBuilder MapAgents(this IEndpointRouteBuilder app)
    {
        var agents = app.MapGroup("/api/agents").AddEndpointFilter<ApiKeyFilter>();

        agents.MapGet("/", async (AgentStore store, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
        {
            var definition = menus.Current;
            var now = time.GetUtcNow();
            var rows = await store.ListAsync(ct);
            return TypedResults.Ok(rows.Select(agent => View(agent, definition, now)));
        });

        agents.MapPut("/{id}/status", SetStatusAsync);
        return app;
    }

    private static async Task<Results<Ok<AgentView>, NotFound<ProblemDetails>, ValidationProblem>> SetStatusAsync(
        string id, StatusChange change, AgentStore store, MenuCatalog menus, TimeProvider time, QueueDistributor distributor,
        CancellationToken ct)
    {
        if (AgentLifecycle.TryParse(change.Status) is not { } status)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["status"] = [$"Use \"{AgentLifecycle.Stored.Available}\" or \"{AgentLifecycle.Stored.Away}\"."],
            });
        if (!await store.SetStatusAsync(id, status, ct))
            return TypedResults.NotFound(new ProblemDetails
            {
                Title = "No such agent",
                Detail = $"There is no agent '{id}'; GET /api/agents lists them.",
                Status = StatusCodes.Status404NotFound,
            });

        distributor.Wake();
        var agent = (await store.ListAsync(ct)).Single(a => a.Id == id);
        return TypedResults.Ok(View(agent, menus.Current, time.GetUtcNow()));
    }

    private static AgentView View(AgentRow agent, Ivr.Flows.Model.MenuDefinition definition, DateTimeOffset now)
    {
        var department = definition.Departments.GetValueOrDefault(agent.Department);
        var zone = definition.Hotline.TimeZone;
        return new AgentView(agent.Id, agent.Department, agent.Name, agent.Kind, agent.Address, agent.StoredStatus,
            OnDuty: department is not null && agent.IsOnDuty(department, zone, now),
            Busy: agent.BusyCallSid is not null,
            AwayUntil: Time(agent.AwayUntil), FreeAt: Time(agent.FreeAt));
    }

    private static DateTimeOffset? Time(long? unixMilliseconds) =>
        unixMilliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
