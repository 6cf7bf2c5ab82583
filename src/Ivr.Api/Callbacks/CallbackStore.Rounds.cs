using System.Data.Common;
using Dapper;
using Ivr.Api.Queues;
using Ivr.Flows.Model;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;

namespace Ivr.Api.Callbacks;

/// <summary>What the dispatcher's rounds look for: tries to settle, callbacks ahead in line, and when work is next due.</summary>
public sealed partial class CallbackStore
{
    /// <summary>
    /// Answered tries whose call ended before <paramref name="before"/> without a conversation being recorded: the
    /// customer hung up before reaching an agent, or the agent's report was lost.
    /// </summary>
    public async Task<IReadOnlyList<Callback>> AnsweredButEndedAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Callback>(
            $"""
            SELECT {Columns} FROM callbacks c
            WHERE status = '{CallbackText.Answered}' AND EXISTS (
                SELECT 1 FROM callback_attempts t
                WHERE t.callback_id = c.id AND t.attempt = c.attempts AND t.ended_at < @before)
            """, new { before = before.ToUnixTimeMilliseconds() })).ToList();
    }

    /// <summary>
    /// Tries still dialing that Twilio never confirmed (no SID recorded and no webhook) since <paramref name="before"/>:
    /// the service stopped, or the request failed in a way that leaves its outcome unknown.
    /// </summary>
    public async Task<IReadOnlyList<Callback>> UnconfirmedAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Callback>(
            $"SELECT {Columns} FROM callbacks WHERE status = '{CallbackText.Dialing}' AND claimed_at < @before",
            new { before = before.ToUnixTimeMilliseconds() })).ToList();
    }

    /// <summary>Callbacks of a department waiting for an agent ahead of <paramref name="since"/> (due by <paramref name="now"/>).</summary>
    public static Task<long> DueAheadAsync(DbConnection connection, string department, long since, long now) =>
        connection.ExecuteScalarAsync<long>(
            $"""
            SELECT COUNT(*) FROM callbacks
            WHERE department = @department AND status = '{CallbackText.Pending}' AND due_at <= @now AND requested_at < @since
            """, new { department, since, now });
    /// <summary>
    /// When the dispatcher next has work without being woken: a retry or a booking for later comes due; a due
    /// callback's department has an agent free (a second from now if one is already); a try goes unconfirmed for
    /// <paramref name="unconfirmedAfter"/>; an answered try's grace for its agent's report ends. Null: none of these.
    /// </summary>
    public async Task<DateTimeOffset?> NextDueAsync(MenuDefinition definition, DateTimeOffset now, TimeSpan unconfirmedAfter,
        TimeSpan answeredGrace, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var at = now.ToUnixTimeMilliseconds();
        DateTimeOffset? next = null;
        void Consider(long? ms, TimeSpan after)
        {
            // The sweeps take what is strictly older than their limit: a millisecond past it.
            if (ms is { } value)
                next = QueueStore.Earliest(next, DateTimeOffset.FromUnixTimeMilliseconds(value) + after + TimeSpan.FromMilliseconds(1));
        }
        Consider(await connection.ExecuteScalarAsync<long?>(
            $"SELECT MIN(due_at) FROM callbacks WHERE status = '{CallbackText.Pending}' AND due_at > @at", new { at }), TimeSpan.FromMilliseconds(-1));
        Consider(await connection.ExecuteScalarAsync<long?>(
            $"SELECT MIN(claimed_at) FROM callbacks WHERE status = '{CallbackText.Dialing}'"), unconfirmedAfter);
        Consider(await connection.ExecuteScalarAsync<long?>(
            $"""
            SELECT MIN(t.ended_at) FROM callbacks c JOIN callback_attempts t ON t.callback_id = c.id AND t.attempt = c.attempts
            WHERE c.status = '{CallbackText.Answered}'
            """), answeredGrace);
        foreach (var id in await connection.QueryAsync<string>(
                     $"SELECT DISTINCT department FROM callbacks WHERE status = '{CallbackText.Pending}' AND due_at <= @at", new { at }))
        {
            if (definition.Departments.TryGetValue(id, out var department)
                && await QueueStore.NextFreeAsync(connection, department, definition.Hotline.TimeZone, now) is { } free)
                next = QueueStore.Earliest(next, free <= now ? now + RoundsService.RetrySoon : free);
        }
        return next;
    }
}
