using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Ivr.Api.Persistence;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;

namespace Ivr.Api.Callbacks;

/// <summary>A booked callback as stored. Times are Unix milliseconds.</summary>
public sealed class Callback
{
    public long Id { get; set; }
    public string Reference { get; set; } = "";
    public string Department { get; set; } = "";
    public string Number { get; set; } = "";
    public string Language { get; set; } = "";
    public string Source { get; set; } = "";
    public CallbackStatus Status { get; set; }
    /// <summary>The status as stored in <c>callbacks.status</c> (what the queries read into).</summary>
    public string StoredStatus { get => CallbackLifecycle.Name(Status); set => Status = CallbackLifecycle.Parse(value); }
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
/// This part books, finds and cancels; <c>CallbackStore.Dispatch.cs</c> claims, places and settles tries. Each status
/// change goes through <see cref="CallbackLifecycle"/>.
/// </summary>
public sealed partial class CallbackStore(Database database)
{
    /// <summary>The six-digit references bookings are given; tests narrow it to fill it up.</summary>
    internal ReferenceRange References { get; set; } = new(100_000, 900_000);

    private const string Columns =
        """
        id AS Id, reference AS Reference, department AS Department, number AS Number, language AS Language,
        source AS Source, status AS StoredStatus, call_sid AS CallSid, requested_at AS RequestedAt, due_at AS DueAt,
        expected_at AS ExpectedAt, attempts AS Attempts, agent_id AS AgentId, claimed_at AS ClaimedAt,
        attempt_call_sid AS AttemptCallSid, last_result AS LastResult, answered_at AS AnsweredAt,
        connected_at AS ConnectedAt, ended_at AS EndedAt, updated_at AS UpdatedAt, booked_at AS BookedAt,
        any_department AS AnyDepartment
        """;

    /// <summary>The agent column value of an agent reserved for a callback.</summary>
    public static string Reservation(long callbackId) => $"callback:{callbackId}";

    /// <summary>The statuses of an open booking: a reference is unique among these only, so references never run out.</summary>
    private const string Open = CallbackText.Open;

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
                $"""
                INSERT INTO callbacks (call_sid, department, number, requested_at, status, reference, token_hash, language, source,
                                       due_at, expected_at, attempts, updated_at, booked_at, any_department)
                VALUES (@CallSid, @Department, @Number, @since, '{CallbackText.Pending}', @reference, @tokenHash, @Language, @Source,
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

    /// <summary>
    /// The oldest open callback of a number (a caller who calls again while one is booked), read as a new call starts
    /// (on SQLite in its step, <see cref="Database.WriteAsync{T}"/>): one indexed look-up on the writer's statement,
    /// and the booking read whole only when there is one.
    /// </summary>
    public async Task<Callback?> FindOpenForNumberAsync(DbConnection connection, DbTransaction? transaction, string number)
    {
        var id = await database.Prepared(connection, transaction,
                $"SELECT id FROM callbacks WHERE number = @number AND status = '{CallbackText.Pending}' ORDER BY requested_at, id LIMIT 1")
            .With("@number", number).ExecuteScalarAsync();
        return id is null ? null : await connection.QuerySingleAsync<Callback>(
            $"SELECT {Columns} FROM callbacks WHERE id = @id", new { id = Convert.ToInt64(id) }, transaction);
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
                $"""
                UPDATE callbacks SET status = @canceled, last_result = @why, ended_at = @at, updated_at = @at
                WHERE id = @id AND status = '{CallbackText.Pending}'
                """, new { id, why, at = now.ToUnixTimeMilliseconds(),
                    canceled = CallbackLifecycle.NextName(CallbackStatus.Pending, CallbackTrigger.Cancel) }, transaction);
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
}
