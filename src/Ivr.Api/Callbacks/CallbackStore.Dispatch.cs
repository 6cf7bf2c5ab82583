using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Model;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Callbacks;

/// <summary>
/// Dispatching callbacks: each try claimed (an agent reserved, the booking dialing), placed, answered, talked or ended.
/// </summary>
public sealed partial class CallbackStore
{
    // What "they talked" makes of an answered callback.
    private static readonly string Talked = CallbackLifecycle.NextName(CallbackStatus.Answered, CallbackTrigger.Talked);

    /// <summary>
    /// Claims the department's first due callback for a try, if it is first in line (no caller on the line arrived
    /// earlier) and an agent is free: the agent is reserved and the booking marked dialing, or nothing changes.
    /// </summary>
    public async Task<CallbackClaim?> ClaimAsync(Department department, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Every second for every department: a read first, so that a quiet department costs no write transaction.
        await using (var reader = await database.OpenAsync(cancellationToken))
        {
            var due = await reader.ExecuteScalarAsync<long>(
                $"SELECT COUNT(*) FROM callbacks WHERE department = @department AND status = '{CallbackText.Pending}' AND due_at <= @at",
                new { department = department.Id, at = now.ToUnixTimeMilliseconds() });
            if (due == 0)
                return null;
        }
        return await database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var callback = await connection.QueryFirstOrDefaultAsync<Callback>(
                $"""
                SELECT {Columns} FROM callbacks
                WHERE department = @department AND status = '{CallbackText.Pending}' AND due_at <= @at
                ORDER BY requested_at, id LIMIT 1
                """, new { department = department.Id, at }, transaction);
            if (callback is null)
                return null;
            // A caller set aside after a failed redirect does not hold up the callbacks behind them either.
            var callerFirst = await connection.ExecuteScalarAsync<long>(
                $"""
                SELECT COUNT(*) FROM queue_entries
                WHERE department = @department AND state = '{EntryText.Waiting}' AND place_at < @RequestedAt
                  AND (offer_after IS NULL OR offer_after <= @at)
                """, new { department = department.Id, callback.RequestedAt, at }, transaction);
            if (callerFirst > 0)
                return null;
            var agent = await QueueStore.LongestFreeAgentAsync(connection, transaction, department, zone, now);
            if (agent is null)
                return null;

            var attempt = callback.Attempts + 1;
            var attempts = callback.Attempts;
            CallbackLifecycle.Of(callback).Fire(CallbackTrigger.Claim);
            var claimed = await connection.ExecuteAsync(
                $"""
                UPDATE callbacks SET status = @StoredStatus, attempts = @attempt, agent_id = @agent, claimed_at = @at,
                                     attempt_call_sid = NULL, updated_at = @at
                WHERE id = @Id AND status = '{CallbackText.Pending}' AND attempts = @attempts
                """, new { callback.Id, callback.StoredStatus, attempts, attempt, agent = agent.Id, at }, transaction);
            if (claimed == 0)
                return null;
            var reserved = await connection.ExecuteAsync(
                "UPDATE agents SET busy_call_sid = @reservation, busy_since = @at WHERE id = @agent AND busy_call_sid IS NULL",
                new { reservation = Reservation(callback.Id), at, agent = agent.Id }, transaction);
            if (reserved == 0)
                throw new InvalidOperationException($"Agent {agent.Id} was taken during the claim of callback {callback.Id}.");
            await connection.ExecuteAsync(
                """
                INSERT INTO callback_attempts (callback_id, attempt, agent_id, claimed_at)
                VALUES (@Id, @attempt, @agent, @at)
                """, new { callback.Id, attempt, agent = agent.Id, at }, transaction);
            return new CallbackClaim(callback.Id, attempt, callback.Reference, callback.Number, agent.Id);
        }, cancellationToken);
    }

    /// <summary>Twilio took the call of a try: its SID, so that its webhooks and a restart can find it.</summary>
    public Task PlacedAsync(long callbackId, int attempt, string callSid, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            await connection.ExecuteAsync(
                """
                UPDATE callbacks SET attempt_call_sid = @callSid, updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND attempt_call_sid IS NULL
                """, new { callbackId, attempt, callSid, at }, transaction);
            await connection.ExecuteAsync(
                """
                UPDATE callback_attempts SET call_sid = @callSid, placed_at = @at
                WHERE callback_id = @callbackId AND attempt = @attempt
                """, new { callbackId, attempt, callSid, at }, transaction);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// The customer answered a try: the booking is answered, with the agent still reserved for it (or null when the
    /// reservation was given up in the meantime). Null when the try is not the current one.
    /// </summary>
    public Task<(Callback Callback, AgentRow? Agent)?> AnsweredAsync(long callbackId, int attempt, string callSid, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync<(Callback, AgentRow?)?>(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var changed = await connection.ExecuteAsync(
                $"""
                UPDATE callbacks SET status = @answered, answered_at = @at, attempt_call_sid = @callSid, updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND status = '{CallbackText.Dialing}'
                """, new { callbackId, attempt, callSid, at,
                    answered = CallbackLifecycle.NextName(CallbackStatus.Dialing, CallbackTrigger.CustomerAnswered) }, transaction);
            await connection.ExecuteAsync(
                """
                UPDATE callback_attempts SET call_sid = @callSid, placed_at = COALESCE(placed_at, @at), result = 'answered'
                WHERE callback_id = @callbackId AND attempt = @attempt
                """, new { callbackId, attempt, callSid, at }, transaction);
            if (changed == 0)
                return null;
            var callback = await connection.QuerySingleAsync<Callback>(
                $"SELECT {Columns} FROM callbacks WHERE id = @callbackId", new { callbackId }, transaction);
            var agent = await connection.QuerySingleOrDefaultAsync<AgentRow>(
                $"SELECT {AgentStore.Columns} FROM agents WHERE id = @AgentId AND busy_call_sid = @reservation",
                new { callback.AgentId, reservation = Reservation(callbackId) }, transaction);
            return (callback, agent);
        }, cancellationToken);

    /// <summary>The customer and the agent talked: connected; the agent is free after wrap-up.</summary>
    public Task ConnectedAsync(long callbackId, int talkedSeconds, DateTimeOffset now, TimeSpan wrapUp, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var connectedAt = at - talkedSeconds * 1000L;
            await connection.ExecuteAsync(
                $"""
                UPDATE callbacks SET status = @connected, connected_at = @connectedAt, ended_at = @at, last_result = 'connected',
                                     updated_at = @at
                WHERE id = @callbackId AND status = '{CallbackText.Answered}'
                """, new { callbackId, connectedAt, at, connected = Talked }, transaction);
            await connection.ExecuteAsync(
                "UPDATE callback_attempts SET result = 'connected', ended_at = @at WHERE callback_id = @callbackId AND result = 'answered'",
                new { callbackId, at }, transaction);
            await connection.ExecuteAsync(
                "UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, free_at = @freeAt WHERE busy_call_sid = @reservation",
                new { reservation = Reservation(callbackId), freeAt = at + (long)wrapUp.TotalMilliseconds }, transaction);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// A customer called back who waited in the queue (their agent had missed the call, or was given back) talked to
    /// an agent there: the callback of that call is connected.
    /// </summary>
    public Task ConnectedInQueueAsync(string callSid, DateTimeOffset connectedAt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var callbackId = await connection.QuerySingleOrDefaultAsync<long?>(
                $"SELECT id FROM callbacks WHERE attempt_call_sid = @callSid AND status = '{CallbackText.Answered}'", new { callSid }, transaction);
            if (callbackId is null)
                return 0;
            await connection.ExecuteAsync(
                """
                UPDATE callbacks SET status = @connected, connected_at = @connectedAt, ended_at = @at, last_result = 'connected',
                                     updated_at = @at
                WHERE id = @callbackId
                """, new { callbackId, connectedAt = connectedAt.ToUnixTimeMilliseconds(), at, connected = Talked }, transaction);
            return await connection.ExecuteAsync(
                "UPDATE callback_attempts SET result = 'connected', ended_at = @at WHERE callback_id = @callbackId AND call_sid = @callSid",
                new { callbackId, callSid, at }, transaction);
        }, cancellationToken);

    /// <summary>
    /// Gives up the agent reserved for a callback at once (the customer did not answer, or the agent did not take
    /// it); <paramref name="awayFor"/> keeps an agent who missed the call away for a while.
    /// </summary>
    public Task ReleaseAgentAsync(long callbackId, DateTimeOffset now, TimeSpan? awayFor, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => ReleaseAgentAsync(connection, transaction, callbackId, now, awayFor), cancellationToken);

    private static Task<int> ReleaseAgentAsync(DbConnection connection, DbTransaction transaction, long callbackId, DateTimeOffset now, TimeSpan? awayFor) =>
        connection.ExecuteAsync(
            """
            UPDATE agents SET busy_call_sid = NULL, busy_since = NULL,
                              away_until = COALESCE(@awayUntil, away_until), free_at = COALESCE(free_at, @at)
            WHERE busy_call_sid = @reservation
            """,
            new
            {
                reservation = Reservation(callbackId), at = now.ToUnixTimeMilliseconds(),
                awayUntil = awayFor is { } away ? (now + away).ToUnixTimeMilliseconds() : (long?)null,
            }, transaction);

    /// <summary>
    /// A try ended without a conversation (no-answer, busy, failed, hung up, never confirmed): the agent is released
    /// at once; the callback is tried again after <paramref name="retryDelay"/>, or failed after the last try.
    /// Returns the new status, or null when the try was not the current one (already settled).
    /// </summary>
    /// <remarks>
    /// A try the customer answered is settled here only by <paramref name="answeredToo"/> (the sweep, a while after
    /// the call ended): its end may be reported before the agent's leg tells that they talked.
    /// </remarks>
    public Task<CallbackStatus?> TryEndedAsync(long callbackId, int attempt, string result, DateTimeOffset now,
        TimeSpan retryDelay, int maxAttempts, bool answeredToo = false, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var callback = await connection.QuerySingleOrDefaultAsync<Callback>(
                $"""
                SELECT {Columns} FROM callbacks
                WHERE id = @callbackId AND attempts = @attempt
                  AND (status = '{CallbackText.Dialing}' OR (status = '{CallbackText.Answered}' AND @answeredToo))
                """, new { callbackId, attempt, answeredToo }, transaction);
            if (callback is null)
                return (CallbackStatus?)null;
            CallbackLifecycle.Of(callback).Fire(CallbackLifecycle.TryEnded, maxAttempts);
            await connection.ExecuteAsync(
                $"""
                UPDATE callbacks SET status = @status, last_result = @result, agent_id = NULL, updated_at = @at,
                                     due_at = CASE WHEN @status = '{CallbackText.Pending}' THEN @retryAt ELSE due_at END,
                                     ended_at = CASE WHEN @status = '{CallbackText.Failed}' THEN @at ELSE NULL END
                WHERE id = @callbackId
                """, new { callbackId, status = callback.StoredStatus, result, at, retryAt = at + (long)retryDelay.TotalMilliseconds }, transaction);
            await connection.ExecuteAsync(
                "UPDATE callback_attempts SET result = @result, ended_at = @at WHERE callback_id = @callbackId AND attempt = @attempt",
                new { callbackId, attempt, result, at }, transaction);
            await ReleaseAgentAsync(connection, transaction, callbackId, now, awayFor: null);
            return callback.Status;
        }, cancellationToken);

    /// <summary>
    /// Twilio certainly did not place a try (429, unreachable, credentials refused: see TwilioFailure): it never
    /// happened, so the booking waits for the next round without using up a try, and the agent is released.
    /// </summary>
    public Task ReturnClaimAsync(long callbackId, int attempt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var returned = await connection.ExecuteAsync(
                $"""
                UPDATE callbacks SET status = @pending, attempts = attempts - 1, agent_id = NULL, claimed_at = NULL,
                                     updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND status = '{CallbackText.Dialing}'
                """, new { callbackId, attempt, at = now.ToUnixTimeMilliseconds(),
                    pending = CallbackLifecycle.NextName(CallbackStatus.Dialing, CallbackTrigger.NotPlaced) }, transaction);
            if (returned > 0)
                await connection.ExecuteAsync(
                    "DELETE FROM callback_attempts WHERE callback_id = @callbackId AND attempt = @attempt",
                    new { callbackId, attempt }, transaction);
            await ReleaseAgentAsync(connection, transaction, callbackId, now, awayFor: null);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// The agent of an answered try picked up (Twilio asked for the whisper on their leg, whose parent is the
    /// customer's call): noted as the moment they started talking, so the end of the call can settle the try even
    /// when the agent's dial action is lost.
    /// </summary>
    public Task AgentPickedUpAsync(long callbackId, string callSid, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            $"""
            UPDATE callbacks SET connected_at = @at, updated_at = @at
            WHERE id = @callbackId AND status = '{CallbackText.Answered}' AND attempt_call_sid = @callSid AND connected_at IS NULL
            """, new { callbackId, callSid, at = now.ToUnixTimeMilliseconds() }, transaction), cancellationToken);

    /// <summary>
    /// The call of an answered try ended. If its agent had picked up, the customer and the agent talked until now:
    /// connected, the agent free after <paramref name="wrapUp"/> (a dial action that comes later changes nothing).
    /// Otherwise only the end is noted; the sweep settles it if the agent's leg never reports a conversation.
    /// </summary>
    public Task AnsweredCallEndedAsync(long callbackId, int attempt, DateTimeOffset now, TimeSpan wrapUp, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var connected = await connection.ExecuteAsync(
                $"""
                UPDATE callbacks SET status = @connected, ended_at = @at, last_result = 'connected', updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND status = '{CallbackText.Answered}' AND connected_at IS NOT NULL
                """, new { callbackId, attempt, at, connected = Talked }, transaction);
            if (connected > 0)
            {
                await connection.ExecuteAsync(
                    "UPDATE callback_attempts SET result = 'connected', ended_at = @at WHERE callback_id = @callbackId AND attempt = @attempt",
                    new { callbackId, attempt, at }, transaction);
                await connection.ExecuteAsync(
                    "UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, free_at = @freeAt WHERE busy_call_sid = @reservation",
                    new { reservation = Reservation(callbackId), freeAt = at + (long)wrapUp.TotalMilliseconds }, transaction);
                return 0;
            }
            return await connection.ExecuteAsync(
                """
                UPDATE callback_attempts SET ended_at = @at
                WHERE callback_id = @callbackId AND attempt = @attempt AND ended_at IS NULL
                """, new { callbackId, attempt, at }, transaction);
        }, cancellationToken);
}
