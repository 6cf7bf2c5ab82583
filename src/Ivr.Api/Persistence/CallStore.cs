using System.Data.Common;
using Dapper;
using Ivr.Flows.Engine;

namespace Ivr.Api.Persistence;

/// <summary>A queue entry that ended with the caller hanging up: when it joined and which department.</summary>
public sealed record AbandonedEntry(string Department, long EnqueuedAt);

/// <summary>Who is calling whom, as Twilio sent it with the call's first webhook.</summary>
public sealed record CallParties(string? Caller, string? Called);

/// <summary>
/// The state of each call by CallSid, its event log, and the side effects of a step (joining a queue, booking a
/// callback), each step saved in one transaction.
/// </summary>
public sealed class CallStore(Database database)
{
    private sealed class CallRow
    {
        public string MenuVersion { get; set; } = "";
        public string Menu { get; set; } = "";
        public string Language { get; set; } = "";
        public long Offered { get; set; }
        public long Fallbacks { get; set; }
        public long Step { get; set; }
        public string Phase { get; set; } = "";

        public CallState ToState() =>
            new(MenuVersion, Menu, Language, (int)Offered, (int)Fallbacks, (int)Step, Enum.Parse<CallPhase>(Phase));
    }

    private const string SelectCall = """
        SELECT menu_version AS MenuVersion, menu AS Menu, language AS Language, offered AS Offered,
               fallbacks AS Fallbacks, step AS Step, phase AS Phase
        FROM calls
        """;

    private static async Task<CallState?> ReadStateAsync(DbCommand select)
    {
        await using var reader = await select.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return null;
        return new CallState(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
            reader.GetInt32(4), reader.GetInt32(5), Enum.Parse<CallPhase>(reader.GetString(6)));
    }

    public async Task<CallState?> FindAsync(string callSid, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CallRow>($"{SelectCall} WHERE call_sid = @callSid", new { callSid });
        return row?.ToState();
    }

    /// <summary>
    /// Loads the call (null for a new one), lets <paramref name="step"/> decide the outcome, and saves the new
    /// state, the event and the step's side effects, all in one write transaction, so that two webhooks of one
    /// call can never both apply to the same state.
    /// </summary>
    public Task<StepResult> StepAsync(
        string callSid, CallParties parties, DateTimeOffset now, Func<CallState?, Task<StepResult>> step,
        CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var previous = await ReadStateAsync(database.Prepared(connection, transaction, $"{SelectCall} WHERE call_sid = @callSid").With("@callSid", callSid));
            var result = await step(previous);
            var state = result.State;
            var at = now.ToUnixTimeMilliseconds();
            var save = database.Prepared(connection, transaction, previous is null
                ? """
                  INSERT INTO calls (call_sid, menu_version, menu, language, offered, fallbacks, step, phase,
                                     caller, called, started_at, updated_at)
                  VALUES (@callSid, @menuVersion, @menu, @language, @offered, @fallbacks, @step, @phase,
                          @caller, @called, @at, @at)
                  """
                : """
                  UPDATE calls SET menu_version = @menuVersion, menu = @menu, language = @language,
                                   offered = @offered, fallbacks = @fallbacks, step = @step, phase = @phase,
                                   updated_at = @at
                  WHERE call_sid = @callSid
                  """);
            save.With("@callSid", callSid).With("@menuVersion", state.MenuVersion).With("@menu", state.Menu)
                .With("@language", state.Language).With("@offered", state.Offered).With("@fallbacks", state.Fallbacks)
                .With("@step", state.Step).With("@phase", state.Phase.ToString()).With("@at", at);
            if (previous is null)
                save.With("@caller", parties.Caller).With("@called", parties.Called);
            await save.ExecuteNonQueryAsync(cancellationToken);

            var transition = result.Transition;
            await database.Prepared(connection, transaction,
                    """
                    INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger, input)
                    VALUES (@callSid, @at, @from, @to, @trigger, @input)
                    """)
                .With("@callSid", callSid).With("@at", at).With("@from", transition.From).With("@to", transition.To)
                .With("@trigger", transition.Trigger).With("@input", Clip(transition.Input))
                .ExecuteNonQueryAsync(cancellationToken);

            foreach (var instruction in result.Instructions)
            {
                switch (instruction)
                {
                    case Instruction.Enqueue enqueue:
                        // A caller coming back from a callback takes the place they booked it from.
                        await connection.ExecuteAsync(
                            """
                            INSERT INTO queue_entries (call_sid, department, language, enqueued_at, place_at, state)
                            VALUES (@callSid, @Department, @Language, @at, @place, 'waiting')
                            """, new { callSid, enqueue.Department, enqueue.Language, at, place = enqueue.Since?.ToUnixTimeMilliseconds() ?? at }, transaction);
                        break;
                }
            }
            return result;
        }, cancellationToken);

    /// <summary>The caller's number as Twilio sent it with the first webhook.</summary>
    public async Task<string?> FindCallerAsync(string callSid, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT caller FROM calls WHERE call_sid = @callSid", new { callSid });
    }

    /// <summary>Records how a queued caller left the queue (Twilio's QueueResult); returns the entry if they hung up.</summary>
    public Task<IReadOnlyList<AbandonedEntry>> RecordQueueResultAsync(string callSid, string queueResult, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var state = queueResult switch
            {
                "bridged" or "bridging-in-process" or "redirected-from-bridged" => "answered",
                "hangup" => "abandoned",
                "redirected" or "leave" => "left",
                _ => "failed",
            };
            var ended = await WaitingEntriesAsync(connection, transaction, callSid, "('waiting')");
            await connection.ExecuteAsync(
                """
                UPDATE queue_entries SET state = @state, ended_at = @at
                WHERE call_sid = @callSid AND state = 'waiting'
                """, new { callSid, state, at = now.ToUnixTimeMilliseconds() }, transaction);
            return state == "abandoned" ? ended : (IReadOnlyList<AbandonedEntry>)[];
        }, cancellationToken);

    private static async Task<IReadOnlyList<AbandonedEntry>> WaitingEntriesAsync(
        DbConnection connection, DbTransaction transaction, string callSid, string states) =>
        (await connection.QueryAsync<AbandonedEntry>(
            $"SELECT department AS Department, enqueued_at AS EnqueuedAt FROM queue_entries WHERE call_sid = @callSid AND state IN {states}",
            new { callSid }, transaction)).ToList();

    /// <summary>
    /// Records the end of a call (Twilio's status callback); a caller still waiting in a queue abandoned it, and is
    /// returned so that the department's patience can be learned.
    /// </summary>
    public Task<IReadOnlyList<AbandonedEntry>> RecordEndAsync(string callSid, string status, int? durationSeconds, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var abandoned = await WaitingEntriesAsync(connection, transaction, callSid, "('waiting', 'offered')");
            await database.Prepared(connection, transaction,
                    """
                    UPDATE calls SET ended_at = @at, end_status = @status, duration_seconds = @duration,
                                     phase = 'Finished', updated_at = @at
                    WHERE call_sid = @callSid
                    """)
                .With("@callSid", callSid).With("@status", status).With("@duration", durationSeconds).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            // A caller who hangs up in the queue, or while an agent's phone rings, abandoned it; that agent is free again.
            await database.Prepared(connection, transaction,
                    """
                    UPDATE queue_entries SET state = 'abandoned', ended_at = @at
                    WHERE call_sid = @callSid AND state IN ('waiting', 'offered')
                    """)
                .With("@callSid", callSid).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            await database.Prepared(connection, transaction,
                    "UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, free_at = @at WHERE busy_call_sid = @callSid")
                .With("@callSid", callSid).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            await database.Prepared(connection, transaction,
                    """
                    INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger, input)
                    SELECT call_sid, @at, menu, menu, 'status', @status FROM calls WHERE call_sid = @callSid
                    """)
                .With("@callSid", callSid).With("@status", status).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            return abandoned;
        }, cancellationToken);

    // Callers can send anything (5,000 digits, a long transcription); the log keeps enough to read.
    private static string? Clip(string? input) => input is { Length: > 200 } ? input[..200] + "…" : input;
}
