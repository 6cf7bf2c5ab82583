using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Model;

namespace Ivr.Api.Queues;

/// <summary>A waiting caller handed to a free agent, not yet connected.</summary>
public sealed record Offer(long EntryId, string CallSid, string Department, string AgentId, string AgentKind,
    string AgentAddress, long EnqueuedAt, string Language);

/// <summary>
/// The departments' queues as the service keeps them: callers in arrival order, offered to free agents one at a
/// time. Every change is one write transaction, so a caller is never offered to two agents nor an agent given two callers.
/// </summary>
public sealed class QueueStore(Database database)
{
    private sealed class EntryRow
    {
        public long Id { get; set; }
        public string CallSid { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public long PlaceAt { get; set; }
        public string Language { get; set; } = "";
    }

    /// <summary>
    /// Offers the longest-waiting caller of <paramref name="department"/> to the agent who has been free longest;
    /// null when nobody waits or nobody is free.
    /// </summary>
    public Task<Offer?> TryOfferAsync(Department department, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var entry = await connection.QueryFirstOrDefaultAsync<EntryRow>(
                """
                SELECT id AS Id, call_sid AS CallSid, enqueued_at AS EnqueuedAt, place_at AS PlaceAt, language AS Language
                FROM queue_entries WHERE department = @department AND state = 'waiting'
                ORDER BY place_at, id LIMIT 1
                """, new { department = department.Id }, transaction);
            if (entry is null)
                return null;

            // A callback booked earlier keeps its place: the callback dispatcher takes the agent for it first.
            var callbackFirst = await connection.ExecuteScalarAsync<long>(
                """
                SELECT COUNT(*) FROM callbacks
                WHERE department = @department AND status = 'pending' AND due_at <= @at AND requested_at <= @PlaceAt
                """, new { department = department.Id, at = now.ToUnixTimeMilliseconds(), entry.PlaceAt }, transaction);
            if (callbackFirst > 0)
                return null;

            var agent = await LongestFreeAgentAsync(connection, transaction, department, zone, now);
            if (agent is null)
                return null;

            var at = now.ToUnixTimeMilliseconds();
            await connection.ExecuteAsync(
                "UPDATE agents SET busy_call_sid = @CallSid, busy_since = @at WHERE id = @agent AND busy_call_sid IS NULL",
                new { entry.CallSid, at, agent = agent.Id }, transaction);
            await connection.ExecuteAsync(
                "UPDATE queue_entries SET state = 'offered', agent_id = @agent, offered_at = @at WHERE id = @Id AND state = 'waiting'",
                new { entry.Id, agent = agent.Id, at }, transaction);
            return new Offer(entry.Id, entry.CallSid, department.Id, agent.Id, agent.Kind, agent.Address, entry.EnqueuedAt, entry.Language);
        }, cancellationToken);

    /// <summary>The department's agent who is free and has been free longest; null when nobody is.</summary>
    public static async Task<AgentRow?> LongestFreeAgentAsync(
        DbConnection connection, DbTransaction transaction, Department department, TimeZoneInfo zone, DateTimeOffset now)
    {
        var candidates = await connection.QueryAsync<AgentRow>(
            $"SELECT {AgentStore.Columns} FROM agents WHERE department = @department AND busy_call_sid IS NULL",
            new { department = department.Id }, transaction);
        return candidates
            .Where(a => a.IsFree(department, zone, now))
            .OrderBy(a => a.FreeAt ?? 0)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>
    /// Puts an offered caller back in line at their old place and frees the agent: the redirect failed, or the agent
    /// did not answer (then they are kept away for <paramref name="awayFor"/>).
    /// </summary>
    public Task ReturnAsync(long entryId, DateTimeOffset now, TimeSpan? awayFor, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var agent = await connection.QuerySingleOrDefaultAsync<string>(
                "SELECT agent_id FROM queue_entries WHERE id = @entryId", new { entryId }, transaction);
            await connection.ExecuteAsync(
                "UPDATE queue_entries SET state = 'waiting', agent_id = NULL, offered_at = NULL WHERE id = @entryId AND state = 'offered'",
                new { entryId }, transaction);
            await connection.ExecuteAsync(
                "UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, away_until = @awayUntil WHERE id = @agent",
                new { agent, awayUntil = awayFor is { } away ? (now + away).ToUnixTimeMilliseconds() : (long?)null }, transaction);
            return 0;
        }, cancellationToken);

    /// <summary>The caller and the agent talked: the call is answered, the agent is free after wrap-up.</summary>
    public Task CompleteAsync(long entryId, int talkedSeconds, DateTimeOffset now, TimeSpan wrapUp, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var agent = await connection.QuerySingleOrDefaultAsync<string>(
                "SELECT agent_id FROM queue_entries WHERE id = @entryId", new { entryId }, transaction);
            await connection.ExecuteAsync(
                """
                UPDATE queue_entries SET state = 'answered', ended_at = @at, answered_at = @answeredAt, handle_seconds = @talkedSeconds
                WHERE id = @entryId AND state = 'offered'
                """, new { entryId, at, answeredAt = at - talkedSeconds * 1000L, talkedSeconds }, transaction);
            // Each announcement made to this caller is scored against the wait that followed it.
            await connection.ExecuteAsync(
                """
                UPDATE announcements SET actual_seconds = (@answeredAt - at) / 1000.0
                WHERE call_sid = (SELECT call_sid FROM queue_entries WHERE id = @entryId)
                  AND department = (SELECT department FROM queue_entries WHERE id = @entryId)
                  AND actual_seconds IS NULL
                """, new { entryId, answeredAt = at - talkedSeconds * 1000L }, transaction);
            await connection.ExecuteAsync(
                "UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, free_at = @freeAt WHERE id = @agent",
                new { agent, freeAt = at + (long)wrapUp.TotalMilliseconds }, transaction);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// A waiting caller pressed 1 for a callback: their entry leaves the line (state <c>callback</c>) and its place
    /// is returned, to be the callback's. Null when they are no longer waiting (an agent was quicker).
    /// </summary>
    public Task<DateTimeOffset?> LeaveForCallbackAsync(string callSid, string department, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var enqueuedAt = await connection.QuerySingleOrDefaultAsync<long?>(
                "SELECT place_at FROM queue_entries WHERE call_sid = @callSid AND department = @department AND state = 'waiting'",
                new { callSid, department }, transaction);
            if (enqueuedAt is null)
                return (DateTimeOffset?)null;
            await connection.ExecuteAsync(
                """
                UPDATE queue_entries SET state = 'callback', ended_at = @at
                WHERE call_sid = @callSid AND department = @department AND state = 'waiting'
                """, new { callSid, department, at = now.ToUnixTimeMilliseconds() }, transaction);
            return DateTimeOffset.FromUnixTimeMilliseconds(enqueuedAt.Value);
        }, cancellationToken);

    /// <summary>The place of a caller who left <paramref name="department"/>'s line for a callback; null if they did not.</summary>
    public async Task<DateTimeOffset?> LeftForCallbackAsync(string callSid, string department, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var enqueuedAt = await connection.QueryFirstOrDefaultAsync<long?>(
            """
            SELECT place_at FROM queue_entries WHERE call_sid = @callSid AND department = @department AND state = 'callback'
            ORDER BY id DESC LIMIT 1
            """, new { callSid, department });
        return enqueuedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
    }

    /// <summary>The entry of a call, with its agent, for the connect, whisper and dial-result webhooks.</summary>
    public async Task<Offer?> FindOfferAsync(long entryId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Offer>(
            """
            SELECT e.id AS EntryId, e.call_sid AS CallSid, e.department AS Department, a.id AS AgentId,
                   a.kind AS AgentKind, a.address AS AgentAddress, e.enqueued_at AS EnqueuedAt, e.language AS Language
            FROM queue_entries e JOIN agents a ON a.id = e.agent_id
            WHERE e.id = @entryId
            """, new { entryId });
    }
    /// <summary>
    /// When the distributor next has work without being woken: while a caller waits, the moment an agent of their
    /// department is free (a second from now if one is already, as the last round then could not place them), or
    /// null when nobody waits or only a change (a call ending, an agent back) can free an agent.
    /// </summary>
    public async Task<DateTimeOffset?> NextDueAsync(MenuDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var waiting = await connection.QueryAsync<string>("SELECT DISTINCT department FROM queue_entries WHERE state = 'waiting'");
        DateTimeOffset? next = null;
        foreach (var id in waiting)
        {
            if (definition.Departments.TryGetValue(id, out var department)
                && await NextFreeAsync(connection, department, definition.Hotline.TimeZone, now) is { } free)
                next = Earliest(next, free <= now ? now + RoundsService.RetrySoon : free);
        }
        return next;
    }

    /// <summary>
    /// When an agent of <paramref name="department"/> is next free with time alone: now if one is; else the earliest
    /// end of a wrap-up or a time away, or the department's opening; null when only a change can free one.
    /// </summary>
    public static async Task<DateTimeOffset?> NextFreeAsync(DbConnection connection, Department department, TimeZoneInfo zone, DateTimeOffset now)
    {
        var agents = (await connection.QueryAsync<AgentRow>(
            $"SELECT {AgentStore.Columns} FROM agents WHERE department = @department AND busy_call_sid IS NULL AND status = @available",
            new { department = department.Id, available = AgentStatus.Available })).ToList();
        if (agents.Count == 0)
            return null;
        if (agents.Any(a => a.IsFree(department, zone, now)))
            return now;
        if (!department.Hours.IsOpen(now, zone))
            return department.Hours.NextOpening(now, zone) is { } local ? new DateTimeOffset(local, zone.GetUtcOffset(local)) : null;
        var at = now.ToUnixTimeMilliseconds();
        var ends = agents.Select(a => Math.Max(a.FreeAt ?? 0, a.AwayUntil ?? 0)).Where(end => end > at).ToList();
        return ends.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ends.Min()) : null;
    }

    /// <summary>The earlier of two moments, either of which may be missing.</summary>
    public static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
