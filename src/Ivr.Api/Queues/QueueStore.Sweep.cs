using Dapper;
using Ivr.Api.Persistence;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>
/// The sweep's side of the queues: entries and agents' calls not heard of for a while, and settling those that
/// Twilio says have ended.
/// </summary>
public sealed partial class QueueStore
{
    /// <summary>Callers waiting or offered of whom nothing has been heard since <paramref name="before"/>, least recently heard first.</summary>
    public async Task<IReadOnlyList<QueueEntry>> UnheardAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<QueueEntry>(
            $"""
            SELECT {EntryColumns} FROM queue_entries
            WHERE state IN ('{EntryText.Waiting}', '{EntryText.Offered}') AND COALESCE(heard_at, enqueued_at) < @before
            ORDER BY COALESCE(heard_at, enqueued_at), id LIMIT @limit
            """, new { before = before.ToUnixTimeMilliseconds(), limit })).ToList();
    }

    /// <summary>Twilio says the entry's call is still on.</summary>
    public Task HeardAsync(long entryId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE queue_entries SET heard_at = @at WHERE id = @entryId",
            new { entryId, at = now.ToUnixTimeMilliseconds() }, transaction), cancellationToken);

    /// <summary>
    /// Twilio says the entry's call ended at <paramref name="endedAt"/>, unheard by the service. A waiting caller hung
    /// up (abandoned, then); an offered caller whose agent had answered talked until the end (answered); one whose
    /// agent never answered is lost. The agent is free after wrap-up, counted from the end. Null when the entry was
    /// settled meanwhile.
    /// </summary>
    public Task<SettledEntry?> SettleEndedAsync(long entryId, DateTimeOffset endedAt, TimeSpan wrapUp, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var entry = await EntryAsync(connection, transaction, entryId);
            if (entry is null)
                return null;
            var end = Math.Max(endedAt.ToUnixTimeMilliseconds(), entry.EnqueuedAt);
            if (entry.State == EntryState.Waiting)
            {
                QueueEntryLifecycle.Of(entry).Fire(EntryTrigger.FoundEnded);
                await connection.ExecuteAsync(
                    $"UPDATE queue_entries SET state = @StoredState, ended_at = @end WHERE id = @entryId AND state = '{EntryText.Waiting}'",
                    new { entryId, entry.StoredState, end }, transaction);
                return new SettledEntry(entry.Department, entry.State, entry.EnqueuedAt, end, null, 0);
            }
            if (entry.State != EntryState.Offered)
                return null;
            SettledEntry settled;
            if (entry.BridgedAt is { } bridged)
            {
                var talked = (int)Math.Max(0, (end - bridged) / 1000);
                await AnswerAsync(connection, transaction, entry, EntryTrigger.FoundEnded, bridged, talked, end);
                settled = new SettledEntry(entry.Department, entry.State, entry.EnqueuedAt, end, bridged, talked);
            }
            else
            {
                QueueEntryLifecycle.Of(entry).Fire(EntryTrigger.FoundEnded);
                await connection.ExecuteAsync(
                    $"UPDATE queue_entries SET state = @StoredState, ended_at = @end WHERE id = @entryId AND state = '{EntryText.Offered}'",
                    new { entryId, entry.StoredState, end }, transaction);
                settled = new SettledEntry(entry.Department, entry.State, entry.EnqueuedAt, end, null, 0);
            }
            await FreeAgentAsync(connection, transaction, entry, freeAt: end + (long)wrapUp.TotalMilliseconds, awayUntil: null);
            return settled;
        }, cancellationToken);

    /// <summary>
    /// Agents on a call of which nothing has been heard since <paramref name="before"/> and that no offered entry
    /// accounts for (those are swept as entries): a callback's reservation, or a call whose entry is gone.
    /// </summary>
    public async Task<IReadOnlyList<AgentRow>> UnheardAgentsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AgentRow>(
            $"""
            SELECT {AgentStore.Columns} FROM agents a
            WHERE busy_call_sid IS NOT NULL AND COALESCE(checked_at, busy_since, 0) < @before
              AND NOT EXISTS (SELECT 1 FROM queue_entries e WHERE e.call_sid = a.busy_call_sid AND e.agent_id = a.id AND e.state = '{EntryText.Offered}')
            ORDER BY COALESCE(checked_at, busy_since, 0), id LIMIT @limit
            """, new { before = before.ToUnixTimeMilliseconds(), limit })).ToList();
    }

    /// <summary>The agent's call (<paramref name="busyWith"/>) is still on; asked again after a sweep period.</summary>
    public Task AgentCheckedAsync(string agentId, string busyWith, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE agents SET checked_at = @at WHERE id = @agentId AND busy_call_sid = @busyWith",
            new { agentId, busyWith, at = now.ToUnixTimeMilliseconds() }, transaction), cancellationToken);

    /// <summary>The agent's call (<paramref name="busyWith"/>) is over: free at <paramref name="freeAt"/>, unless they are on another one by now.</summary>
    public Task<bool> FreeAgentAsync(string agentId, string busyWith, DateTimeOffset freeAt, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            """
            UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, checked_at = NULL, free_at = @freeAt
            WHERE id = @agentId AND busy_call_sid = @busyWith
            """, new { agentId, busyWith, freeAt = freeAt.ToUnixTimeMilliseconds() }, transaction) > 0, cancellationToken);
}
