using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Model;

namespace Ivr.Api.Callbacks;

/// <summary>Where a callback stands.</summary>
public static class CallbackStatus
{
    /// <summary>Waiting for its place in line (or for its retry, or for the department to open).</summary>
    public const string Pending = "pending";
    /// <summary>An agent is reserved and the customer's phone is being called.</summary>
    public const string Dialing = "dialing";
    /// <summary>The customer answered and is being put through.</summary>
    public const string Answered = "answered";
    /// <summary>The customer talked to an agent.</summary>
    public const string Connected = "connected";
    /// <summary>Every try went unanswered.</summary>
    public const string Failed = "failed";
    /// <summary>Cancelled by the customer or an admin.</summary>
    public const string Canceled = "canceled";

    public static readonly IReadOnlyList<string> All = [Pending, Dialing, Answered, Connected, Failed, Canceled];

}

/// <summary>A booked callback as stored. Times are Unix milliseconds.</summary>
public sealed class Callback
{
    public long Id { get; set; }
    public string Reference { get; set; } = "";
    public string Department { get; set; } = "";
    public string Number { get; set; } = "";
    public string Language { get; set; } = "";
    public string Source { get; set; } = "";
    public string Status { get; set; } = "";
    public string? CallSid { get; set; }
    public long RequestedAt { get; set; }
    public long DueAt { get; set; }
    public long? ExpectedAt { get; set; }
    public int Attempts { get; set; }
    public string? AgentId { get; set; }
    public long? ClaimedAt { get; set; }
    public string? AttemptCallSid { get; set; }
    public string? LastResult { get; set; }
    public long? AnsweredAt { get; set; }
    public long? ConnectedAt { get; set; }
    public long? EndedAt { get; set; }
    public long? UpdatedAt { get; set; }
    public long? BookedAt { get; set; }
    public long AnyDepartment { get; set; }
}

/// <summary>What a caller or the form asks for; <see cref="Since"/> is their place in line.</summary>
public sealed record NewCallback(
    string Number, string Department, string Language, string Source, string? CallSid,
    DateTimeOffset Since, DateTimeOffset DueAt, DateTimeOffset ExpectedAt, bool AnyDepartment = false);

/// <summary>The references <c>First</c> to <c>First + Count - 1</c>.</summary>
public sealed record ReferenceRange(int First, int Count);

/// <summary>Every reference is held by an open booking: no booking can be taken until one closes.</summary>
public sealed class CallbackReferencesExhaustedException(int count)
    : Exception($"All {count} callback references are held by open bookings; no callback can be booked until one is closed.");

/// <summary>A callback claimed for one try: the agent reserved for it and the number to call.</summary>
public sealed record CallbackClaim(long CallbackId, int Attempt, string Reference, string Number, string AgentId);

/// <summary>
/// The callbacks: booked, then each try claimed (an agent reserved, the booking marked dialing) in one write
/// transaction whose conditions make a second claim of the same booking impossible, on SQLite or PostgreSQL.
/// A callback waits in its department's line by the time it was requested, among the callers on the line.
/// </summary>
public sealed class CallbackStore(Database database)
{
    /// <summary>The six-digit references bookings are given; tests narrow it to fill it up.</summary>
    internal ReferenceRange References { get; set; } = new(100_000, 900_000);

    private const string Columns =
        """
        id AS Id, reference AS Reference, department AS Department, number AS Number, language AS Language,
        source AS Source, status AS Status, call_sid AS CallSid, requested_at AS RequestedAt, due_at AS DueAt,
        expected_at AS ExpectedAt, attempts AS Attempts, agent_id AS AgentId, claimed_at AS ClaimedAt,
        attempt_call_sid AS AttemptCallSid, last_result AS LastResult, answered_at AS AnsweredAt,
        connected_at AS ConnectedAt, ended_at AS EndedAt, updated_at AS UpdatedAt, booked_at AS BookedAt,
        any_department AS AnyDepartment
        """;

    /// <summary>The agent column value of an agent reserved for a callback.</summary>
    public static string Reservation(long callbackId) => $"callback:{callbackId}";

    /// <summary>The statuses of an open booking: a reference is unique among these only, so references never run out.</summary>
    private const string Open = "('pending', 'dialing', 'answered')";

    /// <summary>
    /// Books a callback with a new reference and token (the token is returned once and stored only as its hash), or
    /// finds the open one for the same number and department: then <c>Token</c> is null and nothing is booked.
    /// Durable: the reference is read out or shown next, so it must survive a power cut.
    /// </summary>
    /// <exception cref="CallbackReferencesExhaustedException">Every reference is held by an open booking.</exception>
    public Task<(Callback Callback, string? Token)> BookAsync(NewCallback request, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteDurableAsync<(Callback, string?)>(async (connection, transaction) =>
        {
            var open = await connection.QueryFirstOrDefaultAsync<Callback>(
                $"""
                SELECT {Columns} FROM callbacks
                WHERE number = @Number AND department = @Department AND status IN {Open}
                ORDER BY id LIMIT 1
                """, new { request.Number, request.Department }, transaction);
            if (open is not null)
                return (open, null);

            var reference = await NewReferenceAsync(connection, transaction, References);
            var token = CallbackToken.New();
            var at = now.ToUnixTimeMilliseconds();
            var id = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO callbacks (call_sid, department, number, requested_at, status, reference, token_hash, language, source,
                                       due_at, expected_at, attempts, updated_at, booked_at, any_department)
                VALUES (@CallSid, @Department, @Number, @since, 'pending', @reference, @tokenHash, @Language, @Source,
                        @due, @expected, 0, @at, @at, @any)
                RETURNING id
                """,
                new
                {
                    request.CallSid, request.Department, request.Number, request.Language, request.Source, reference, at,
                    tokenHash = CallbackToken.Hash(token),
                    since = request.Since.ToUnixTimeMilliseconds(), due = request.DueAt.ToUnixTimeMilliseconds(),
                    expected = request.ExpectedAt.ToUnixTimeMilliseconds(),
                    any = request.AnyDepartment ? 1 : 0,
                }, transaction);
            var created = await connection.QuerySingleAsync<Callback>(
                $"SELECT {Columns} FROM callbacks WHERE id = @id", new { id }, transaction);
            return (created, token);
        }, cancellationToken);

    /// <summary>Random references tried before looking at every open one.</summary>
    private const int RandomTries = 16;

    // Six digits: short enough to say and type. Unique among open bookings only (a closed booking's reference is
    // free again), so the space never fills with history; a few random tries, then one pass over the open references
    // from a random place, so a booking ends in bounded time even when nearly every reference is held.
    private static async Task<string> NewReferenceAsync(DbConnection connection, DbTransaction transaction, ReferenceRange range)
    {
        for (var i = 0; i < RandomTries; i++)
        {
            var reference = Text(range.First + RandomNumberGenerator.GetInt32(range.Count));
            var taken = await connection.ExecuteScalarAsync<long>(
                $"SELECT COUNT(*) FROM callbacks WHERE reference = @reference AND status IN {Open}", new { reference }, transaction);
            if (taken == 0)
                return reference;
        }
        var held = (await connection.QueryAsync<string>(
            $"SELECT reference FROM callbacks WHERE status IN {Open}", transaction: transaction)).ToHashSet();
        var start = RandomNumberGenerator.GetInt32(range.Count);
        for (var i = 0; i < range.Count; i++)
        {
            var reference = Text(range.First + (start + i) % range.Count);
            if (!held.Contains(reference))
                return reference;
        }
        throw new CallbackReferencesExhaustedException(range.Count);
    }

    private static string Text(int reference) => reference.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The booking whose token this is, or null (an unknown and a wrong token alike).</summary>
    public async Task<Callback?> FindByTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Callback>(
            $"SELECT {Columns} FROM callbacks WHERE token_hash = @hash", new { hash = CallbackToken.Hash(token) });
    }

    public async Task<Callback?> FindByIdAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Callback>($"SELECT {Columns} FROM callbacks WHERE id = @id", new { id });
    }

    /// <summary>The open callbacks for a number (a caller who calls again while one is booked).</summary>
    public async Task<IReadOnlyList<Callback>> FindOpenForNumberAsync(string number, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Callback>(
            $"SELECT {Columns} FROM callbacks WHERE number = @number AND status = 'pending' ORDER BY requested_at", new { number })).ToList();
    }

    /// <summary>Callbacks by status and department (either may be null: all), newest first.</summary>
    public async Task<IReadOnlyList<Callback>> ListAsync(string? status, string? department, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Callback>(
            $"""
            SELECT {Columns} FROM callbacks
            WHERE (@status IS NULL OR status = @status) AND (@department IS NULL OR department = @department)
            ORDER BY requested_at DESC, id DESC LIMIT @limit
            """, new { status, department, limit })).ToList();
    }

    /// <summary>Cancels a callback that is still pending; returns it as it stands (null when there is no such callback).</summary>
    public Task<Callback?> CancelAsync(long id, string why, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                UPDATE callbacks SET status = 'canceled', last_result = @why, ended_at = @at, updated_at = @at
                WHERE id = @id AND status = 'pending'
                """, new { id, why, at = now.ToUnixTimeMilliseconds() }, transaction);
            return await connection.QuerySingleOrDefaultAsync<Callback>(
                $"SELECT {Columns} FROM callbacks WHERE id = @id", new { id }, transaction);
        }, cancellationToken);

    /// <summary>Cancels the callback whose token this is, if it is still pending; null for an unknown token.</summary>
    public async Task<Callback?> CancelByTokenAsync(string token, string why, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await FindByTokenAsync(token, cancellationToken) is { } callback ? await CancelAsync(callback.Id, why, now, cancellationToken) : null;

    /// <summary>
    /// Cancels the open callback with this reference (for admins; references repeat over time, so a closed booking
    /// is found only when no open one has it). Null when no booking has it.
    /// </summary>
    public async Task<Callback?> CancelByReferenceAsync(string reference, string why, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        long? id;
        await using (var connection = await database.OpenAsync(cancellationToken))
            id = await connection.QueryFirstOrDefaultAsync<long?>(
                $"""
                SELECT id FROM callbacks WHERE reference = @reference
                ORDER BY CASE WHEN status IN {Open} THEN 0 ELSE 1 END, id DESC LIMIT 1
                """, new { reference });
        return id is { } found ? await CancelAsync(found, why, now, cancellationToken) : null;
    }

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
                "SELECT COUNT(*) FROM callbacks WHERE department = @department AND status = 'pending' AND due_at <= @at",
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
                WHERE department = @department AND status = 'pending' AND due_at <= @at
                ORDER BY requested_at, id LIMIT 1
                """, new { department = department.Id, at }, transaction);
            if (callback is null)
                return null;
            // A caller set aside after a failed redirect does not hold up the callbacks behind them either.
            var callerFirst = await connection.ExecuteScalarAsync<long>(
                """
                SELECT COUNT(*) FROM queue_entries
                WHERE department = @department AND state = 'waiting' AND place_at < @RequestedAt
                  AND (offer_after IS NULL OR offer_after <= @at)
                """, new { department = department.Id, callback.RequestedAt, at }, transaction);
            if (callerFirst > 0)
                return null;
            var agent = await QueueStore.LongestFreeAgentAsync(connection, transaction, department, zone, now);
            if (agent is null)
                return null;

            var attempt = callback.Attempts + 1;
            var claimed = await connection.ExecuteAsync(
                """
                UPDATE callbacks SET status = 'dialing', attempts = @attempt, agent_id = @agent, claimed_at = @at,
                                     attempt_call_sid = NULL, updated_at = @at
                WHERE id = @Id AND status = 'pending' AND attempts = @Attempts
                """, new { callback.Id, callback.Attempts, attempt, agent = agent.Id, at }, transaction);
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
                """
                UPDATE callbacks SET status = 'answered', answered_at = @at, attempt_call_sid = @callSid, updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND status = 'dialing'
                """, new { callbackId, attempt, callSid, at }, transaction);
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
                """
                UPDATE callbacks SET status = 'connected', connected_at = @connectedAt, ended_at = @at, last_result = 'connected',
                                     updated_at = @at
                WHERE id = @callbackId AND status = 'answered'
                """, new { callbackId, connectedAt, at }, transaction);
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
                "SELECT id FROM callbacks WHERE attempt_call_sid = @callSid AND status = 'answered'", new { callSid }, transaction);
            if (callbackId is null)
                return 0;
            await connection.ExecuteAsync(
                """
                UPDATE callbacks SET status = 'connected', connected_at = @connectedAt, ended_at = @at, last_result = 'connected',
                                     updated_at = @at
                WHERE id = @callbackId
                """, new { callbackId, connectedAt = connectedAt.ToUnixTimeMilliseconds(), at }, transaction);
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
    public Task<string?> TryEndedAsync(long callbackId, int attempt, string result, DateTimeOffset now,
        TimeSpan retryDelay, int maxAttempts, bool answeredToo = false, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var callback = await connection.QuerySingleOrDefaultAsync<Callback>(
                $"""
                SELECT {Columns} FROM callbacks
                WHERE id = @callbackId AND attempts = @attempt
                  AND (status = 'dialing' OR (status = 'answered' AND @answeredToo))
                """, new { callbackId, attempt, answeredToo }, transaction);
            if (callback is null)
                return null;
            var status = attempt >= maxAttempts ? CallbackStatus.Failed : CallbackStatus.Pending;
            await connection.ExecuteAsync(
                """
                UPDATE callbacks SET status = @status, last_result = @result, agent_id = NULL, updated_at = @at,
                                     due_at = CASE WHEN @status = 'pending' THEN @retryAt ELSE due_at END,
                                     ended_at = CASE WHEN @status = 'failed' THEN @at ELSE NULL END
                WHERE id = @callbackId
                """, new { callbackId, status, result, at, retryAt = at + (long)retryDelay.TotalMilliseconds }, transaction);
            await connection.ExecuteAsync(
                "UPDATE callback_attempts SET result = @result, ended_at = @at WHERE callback_id = @callbackId AND attempt = @attempt",
                new { callbackId, attempt, result, at }, transaction);
            await ReleaseAgentAsync(connection, transaction, callbackId, now, awayFor: null);
            return status;
        }, cancellationToken);

    /// <summary>
    /// Twilio certainly did not place a try (429, unreachable, credentials refused: see TwilioFailure): it never
    /// happened, so the booking waits for the next round without using up a try, and the agent is released.
    /// </summary>
    public Task ReturnClaimAsync(long callbackId, int attempt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var returned = await connection.ExecuteAsync(
                """
                UPDATE callbacks SET status = 'pending', attempts = attempts - 1, agent_id = NULL, claimed_at = NULL,
                                     updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND status = 'dialing'
                """, new { callbackId, attempt, at = now.ToUnixTimeMilliseconds() }, transaction);
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
            """
            UPDATE callbacks SET connected_at = @at, updated_at = @at
            WHERE id = @callbackId AND status = 'answered' AND attempt_call_sid = @callSid AND connected_at IS NULL
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
                """
                UPDATE callbacks SET status = 'connected', ended_at = @at, last_result = 'connected', updated_at = @at
                WHERE id = @callbackId AND attempts = @attempt AND status = 'answered' AND connected_at IS NOT NULL
                """, new { callbackId, attempt, at }, transaction);
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
            WHERE status = 'answered' AND EXISTS (
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
            $"SELECT {Columns} FROM callbacks WHERE status = 'dialing' AND claimed_at < @before",
            new { before = before.ToUnixTimeMilliseconds() })).ToList();
    }

    /// <summary>Callbacks of a department waiting for an agent ahead of <paramref name="since"/> (due by <paramref name="now"/>).</summary>
    public static Task<long> DueAheadAsync(DbConnection connection, string department, long since, long now) =>
        connection.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM callbacks
            WHERE department = @department AND status = 'pending' AND due_at <= @now AND requested_at < @since
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
            "SELECT MIN(due_at) FROM callbacks WHERE status = 'pending' AND due_at > @at", new { at }), TimeSpan.FromMilliseconds(-1));
        Consider(await connection.ExecuteScalarAsync<long?>(
            "SELECT MIN(claimed_at) FROM callbacks WHERE status = 'dialing'"), unconfirmedAfter);
        Consider(await connection.ExecuteScalarAsync<long?>(
            """
            SELECT MIN(t.ended_at) FROM callbacks c JOIN callback_attempts t ON t.callback_id = c.id AND t.attempt = c.attempts
            WHERE c.status = 'answered'
            """), answeredGrace);
        foreach (var id in await connection.QueryAsync<string>(
                     "SELECT DISTINCT department FROM callbacks WHERE status = 'pending' AND due_at <= @at", new { at }))
        {
            if (definition.Departments.TryGetValue(id, out var department)
                && await QueueStore.NextFreeAsync(connection, department, definition.Hotline.TimeZone, now) is { } free)
                next = QueueStore.Earliest(next, free <= now ? now + RoundsService.RetrySoon : free);
        }
        return next;
    }
}
