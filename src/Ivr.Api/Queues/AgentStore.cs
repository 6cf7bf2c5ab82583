using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;

namespace Ivr.Api.Queues;

/// <summary>An agent as stored: who they are, from the menu file, and what they are doing now.</summary>
public sealed class AgentRow
{
    public string Id { get; set; } = "";
    public string Department { get; set; } = "";
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Address { get; set; } = "";
    public AgentStatus Status { get; set; }
    /// <summary>The status as stored in <c>agents.status</c> (what the queries read into, and what the agent API shows).</summary>
    public string StoredStatus { get => AgentLifecycle.Name(Status); set => Status = AgentLifecycle.Parse(value); }
    public long? AwayUntil { get; set; }
    public string? BusyCallSid { get; set; }
    public long? BusySince { get; set; }
    public long? FreeAt { get; set; }

    /// <summary>Working now: the department is open, the agent has not said they are away, and no missed call keeps them away.</summary>
    public bool IsOnDuty(Department department, TimeZoneInfo zone, DateTimeOffset now) =>
        Status == AgentStatus.Available
        && (AwayUntil is null || AwayUntil <= now.ToUnixTimeMilliseconds())
        && department.Hours.IsOpen(now, zone);

    /// <summary>Off their last call, in the wrap-up after it.</summary>
    public bool IsWrappingUp(DateTimeOffset now) => BusyCallSid is null && FreeAt > now.ToUnixTimeMilliseconds();

    /// <summary>On duty, on no call, and past the wrap-up of the last one.</summary>
    public bool IsFree(Department department, TimeZoneInfo zone, DateTimeOffset now) =>
        IsOnDuty(department, zone, now) && BusyCallSid is null && (FreeAt is null || FreeAt <= now.ToUnixTimeMilliseconds());
}

/// <summary>Agents of every department: kept in step with the menu file, their presence set through the agent API.</summary>
public sealed class AgentStore(Database database)
{
    /// <summary>The columns of <see cref="AgentRow"/>, for queries elsewhere.</summary>
    public const string Columns = """
        id AS Id, department AS Department, name AS Name, kind AS Kind, address AS Address, status AS StoredStatus,
        away_until AS AwayUntil, busy_call_sid AS BusyCallSid, busy_since AS BusySince, free_at AS FreeAt
        """;

    private const string SelectAgents = $"SELECT {Columns} FROM agents";

    /// <summary>"orders.anna": the department and the agent's name in plain lowercase words joined by dashes.</summary>
    public static string IdFor(string department, string name) =>
        $"{department}.{string.Join('-', SpeechMatcher.Words(name))}";

    /// <summary>
    /// Makes the stored agents those of <paramref name="definition"/>: new ones start available, changed numbers are
    /// taken over, removed ones go unless they are on a call (they go when it ends).
    /// </summary>
    public Task SyncAsync(MenuDefinition definition, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var ids = new List<string>();
            foreach (var department in definition.Departments.Values)
            {
                foreach (var agent in department.Agents)
                {
                    var id = IdFor(department.Id, agent.Name);
                    ids.Add(id);
                    await connection.ExecuteAsync(
                        $"""
                        INSERT INTO agents (id, department, name, kind, address, status)
                        VALUES (@id, @department, @name, @kind, @address, '{AgentLifecycle.Stored.Available}')
                        ON CONFLICT (id) DO UPDATE SET name = @name, kind = @kind, address = @address
                        """,
                        new { id, department = department.Id, name = agent.Name, kind = agent.Kind.ToString().ToLowerInvariant(), address = agent.Address },
                        transaction);
                }
            }
            var stored = await connection.QueryAsync<string>("SELECT id FROM agents WHERE busy_call_sid IS NULL", transaction: transaction);
            foreach (var gone in stored.Except(ids))
                await connection.ExecuteAsync("DELETE FROM agents WHERE id = @gone", new { gone }, transaction);
            return 0;
        }, cancellationToken);

    public async Task<IReadOnlyList<AgentRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AgentRow>($"{SelectAgents} ORDER BY department, name")).ToList();
    }

    /// <summary>Sets an agent available or away; false when there is no such agent.</summary>
    public Task<bool> SetStatusAsync(string id, AgentStatus status, CancellationToken cancellationToken = default)
    {
        var trigger = AgentLifecycle.To(status);
        return database.WriteAsync(async (connection, transaction) =>
        {
            var agent = await connection.QuerySingleOrDefaultAsync<AgentRow>($"{SelectAgents} WHERE id = @id", new { id }, transaction);
            if (agent is null)
                return false;
            AgentLifecycle.Of(agent).Fire(trigger);
            // Coming back clears a missed-call pause too: the agent says they are there.
            return await connection.ExecuteAsync("UPDATE agents SET status = @StoredStatus, away_until = NULL WHERE id = @id",
                new { id, agent.StoredStatus }, transaction) == 1;
        }, cancellationToken);
    }
}
