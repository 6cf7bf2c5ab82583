using System.Data.Common;
using Dapper;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Persistence;

/// <summary>A queue entry that ended with the caller hanging up: when it joined and which department.</summary>
public sealed record AbandonedEntry(string Department, long EnqueuedAt);

/// <summary>A queue entry that ended with the caller talking to an agent: when they joined, were put through, and how long they talked.</summary>
public sealed record AnsweredEntry(string Department, long EnqueuedAt, long AnsweredAt, int TalkedSeconds);

/// <summary>What the end of a call settled in the queues: callers who hung up waiting, and conversations.</summary>
public sealed record CallEnd(IReadOnlyList<AbandonedEntry> Abandoned, IReadOnlyList<AnsweredEntry> Answered);

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
            new(MenuVersion, Menu, Language, (int)Offered, (int)Fallbacks, (int)Step, CallLifecycle.Parse(Phase));
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
            reader.GetInt32(4), reader.GetInt32(5), CallLifecycle.Parse(reader.GetString(6)));
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
    /// call can never both apply to the same state. <paramref name="step"/> reads what else it needs in that
    /// transaction, and returns null when the call does not step (nothing of it is saved). <paramref name="alsoStore"/>
    /// stores what else the step's answer tells the caller (the wait announced as they join a line) in the same transaction.
    /// </summary>
    public Task<StepResult?> StepAsync(
        string callSid, CallParties parties, DateTimeOffset now, Func<CallState?, DbConnection, DbTransaction, Task<StepResult?>> step,
        CancellationToken cancellationToken = default, Func<DbConnection, DbTransaction, StepResult, Task>? alsoStore = null) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var previous = await ReadStateAsync(database.Prepared(connection, transaction, $"{SelectCall} WHERE call_sid = @callSid").With("@callSid", callSid));
            if (await step(previous, connection, transaction) is not { } result)
                return null;
            var state = result.State;
            CallLifecycle.Check(previous, state, begun: result.Transition.From == MenuTransitions.NewCall);
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
                .With("@step", state.Step).With("@phase", CallLifecycle.Name(state.Phase)).With("@at", at);
            if (previous is null)
                save.With("@caller", parties.Caller).With("@called", parties.Called);
            await save.ExecuteNonQueryAsync(cancellationToken);

            var transition = result.Transition;
            await database.Prepared(connection, transaction,
                    """
                    INSERT INTO call_events (call_sid, call_started, at, from_menu, to_menu, trigger, input)
                    SELECT call_sid, started_at, @at, @from, @to, @trigger, @input FROM calls WHERE call_sid = @callSid
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
                        // A call is in one line at most: a repeated webhook that enqueues it again adds nobody.
                        await connection.ExecuteAsync(
                            $"""
                            INSERT INTO queue_entries (call_sid, department, language, enqueued_at, place_at, state, heard_at,
                                                       preferred_agent, prefer_until)
                            SELECT @callSid, @Department, @Language, @at, @place, '{EntryText.Waiting}', @at, @PreferredAgent, @preferUntil
                            WHERE NOT EXISTS (SELECT 1 FROM queue_entries WHERE call_sid = @callSid AND state IN ('{EntryText.Waiting}', '{EntryText.Offered}'))
                            """, new { callSid, enqueue.Department, enqueue.Language, at, place = enqueue.Since?.ToUnixTimeMilliseconds() ?? at,
                                enqueue.PreferredAgent, preferUntil = enqueue.PreferredUntil?.ToUnixTimeMilliseconds() }, transaction);
                        break;
                }
            }
            if (alsoStore is not null)
                await alsoStore(connection, transaction, result);
            return (StepResult?)result;
        }, cancellationToken);

    /// <summary>
    /// Puts the call (back) in <paramref name="department"/>'s line at the place of <paramref name="since"/>, stored as
    /// a step of the call (<paramref name="trigger"/> in its event log): a callback's customer, or a caller who leaves
    /// the callback dialog. A call the service does not know starts in <paramref name="definition"/>.
    /// </summary>
    public async Task<StepResult> JoinLineAsync(string callSid, CallParties parties, MenuDefinition definition, string department,
        string language, DateTimeOffset since, string trigger, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (await StepAsync(callSid, parties, now, (previous, _, _) =>
        {
            var state = (previous ?? CallState.Begin(definition)) with { Phase = CallPhase.Queued, Language = language };
            state = state with { Step = state.Step + 1 };
            return Task.FromResult<StepResult?>(new StepResult(state, new Transition(state.Menu, state.Menu, trigger, null),
                [new Instruction.Enqueue(department, language, since)]));
        }, cancellationToken))!;

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
            var trigger = queueResult switch
            {
                "bridged" or "bridging-in-process" or "redirected-from-bridged" => EntryTrigger.QueueBridged,
                "hangup" => EntryTrigger.HungUp,
                "redirected" or "leave" => EntryTrigger.QueueLeft,
                _ => EntryTrigger.QueueFailed,
            };
            var state = QueueEntryLifecycle.Next(EntryState.Waiting, trigger);
            var ended = await WaitingEntriesAsync(connection, transaction, callSid);
            await connection.ExecuteAsync(
                $"""
                UPDATE queue_entries SET state = @state, ended_at = @at
                WHERE call_sid = @callSid AND state = '{EntryText.Waiting}'
                """, new { callSid, state = QueueEntryLifecycle.Name(state), at = now.ToUnixTimeMilliseconds() }, transaction);
            return state == EntryState.Abandoned ? ended : (IReadOnlyList<AbandonedEntry>)[];
        }, cancellationToken);

    private static async Task<IReadOnlyList<AbandonedEntry>> WaitingEntriesAsync(
        DbConnection connection, DbTransaction transaction, string callSid) =>
        (await connection.QueryAsync<AbandonedEntry>(
            $"SELECT department AS Department, enqueued_at AS EnqueuedAt FROM queue_entries WHERE call_sid = @callSid AND state = '{EntryText.Waiting}'",
            new { callSid }, transaction)).ToList();

    /// <summary>
    /// Records the end of a call (Twilio's status callback). A caller still waiting in a queue, or whose agent's phone
    /// was still ringing, abandoned it; one whose agent had answered talked until now, even when the dial action that
    /// says so comes later (Twilio does not order them). The agent held by this call, and only by it, is freed: at once
    /// after a ring, after <paramref name="wrapUp"/> after a conversation. <paramref name="alsoStore"/> stores what
    /// else belongs to the end (the webhook's answer) in the same transaction.
    /// </summary>
    public Task<CallEnd> RecordEndAsync(string callSid, string status, int? durationSeconds, DateTimeOffset now, TimeSpan wrapUp,
        CancellationToken cancellationToken = default, Func<DbConnection, DbTransaction, Task>? alsoStore = null) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var abandoned = await WaitingEntriesAsync(connection, transaction, callSid);
            var answered = new List<AnsweredEntry>();
            var offered = await connection.QueryAsync<QueueEntry>(
                $"SELECT {QueueStore.EntryColumns} FROM queue_entries WHERE call_sid = @callSid AND state = '{EntryText.Offered}'",
                new { callSid }, transaction);
            foreach (var entry in offered)
            {
                if (entry.BridgedAt is { } bridged)
                {
                    var talked = (int)Math.Max(0, (at - bridged) / 1000);
                    await QueueStore.AnswerAsync(connection, transaction, entry, EntryTrigger.HungUp, bridged, talked, at);
                    await QueueStore.FreeAgentAsync(connection, transaction, entry, freeAt: at + (long)wrapUp.TotalMilliseconds, awayUntil: null);
                    answered.Add(new AnsweredEntry(entry.Department, entry.EnqueuedAt, bridged, talked));
                }
                else
                {
                    abandoned = [.. abandoned, new AbandonedEntry(entry.Department, entry.EnqueuedAt)];
                }
            }
            // An entry closed as lost (its redirect refused: the call had ended unheard) was a caller who hung up while
            // waiting, as this callback now tells: abandoned, at the hang-up (the call's start plus its duration, when known).
            var lost = await connection.QueryAsync<LostEntry>(
                $"""
                SELECT e.id AS Id, e.department AS Department, e.enqueued_at AS EnqueuedAt, e.ended_at AS EndedAt, c.started_at AS StartedAt
                FROM queue_entries e LEFT JOIN calls c ON c.call_sid = e.call_sid
                WHERE e.call_sid = @callSid AND e.state = '{EntryText.Lost}' AND e.answered_at IS NULL
                """, new { callSid }, transaction);
            foreach (var entry in lost)
            {
                var hungUp = durationSeconds is { } seconds && entry.StartedAt is { } started ? started + seconds * 1000L : at;
                var end = Math.Max(entry.EnqueuedAt, Math.Min(hungUp, entry.EndedAt ?? at));
                await connection.ExecuteAsync(
                    $"UPDATE queue_entries SET state = @abandoned, ended_at = @end WHERE id = @Id AND state = '{EntryText.Lost}'",
                    new { entry.Id, end, abandoned = QueueEntryLifecycle.NextName(EntryState.Lost, EntryTrigger.HungUp) }, transaction);
                abandoned = [.. abandoned, new AbandonedEntry(entry.Department, entry.EnqueuedAt)];
            }
            await database.Prepared(connection, transaction,
                    $"""
                    UPDATE calls SET ended_at = @at, end_status = @status, duration_seconds = @duration,
                                     phase = '{CallLifecycle.Stored.Finished}', updated_at = @at
                    WHERE call_sid = @callSid
                    """)
                .With("@callSid", callSid).With("@status", status).With("@duration", durationSeconds).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            // A caller who hangs up in the queue, or while an agent's phone rings, abandoned it; that agent is free again.
            await database.Prepared(connection, transaction,
                    $"""
                    UPDATE queue_entries SET state = @abandoned, ended_at = @at
                    WHERE call_sid = @callSid AND state IN ('{EntryText.Waiting}', '{EntryText.Offered}')
                    """)
                .With("@callSid", callSid).With("@at", at).With("@abandoned", UnansweredHangUp)
                .ExecuteNonQueryAsync(cancellationToken);
            await database.Prepared(connection, transaction,
                    "UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, checked_at = NULL, free_at = @at WHERE busy_call_sid = @callSid")
                .With("@callSid", callSid).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            await database.Prepared(connection, transaction,
                    """
                    INSERT INTO call_events (call_sid, call_started, at, from_menu, to_menu, trigger, input)
                    SELECT call_sid, started_at, @at, menu, menu, 'status', @status FROM calls WHERE call_sid = @callSid
                    """)
                .With("@callSid", callSid).With("@status", status).With("@at", at)
                .ExecuteNonQueryAsync(cancellationToken);
            if (alsoStore is not null)
                await alsoStore(connection, transaction);
            return new CallEnd(abandoned, answered);
        }, cancellationToken);

    // Callers still waiting, or whose agent's phone still rang (those who talked were settled first), hung up.
    private static readonly string UnansweredHangUp = QueueEntryLifecycle.NextName(EntryState.Waiting, EntryTrigger.HungUp) is var waiting
        && waiting == QueueEntryLifecycle.NextName(EntryState.Offered, EntryTrigger.HungUp) ? waiting
        : throw new InvalidOperationException("A caller who hangs up while waiting and one whose agent's phone rang must end alike.");

    private sealed class LostEntry
    {
        public long Id { get; set; }
        public string Department { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public long? EndedAt { get; set; }
        public long? StartedAt { get; set; }
    }

    // Callers can send anything (5,000 digits, a long transcription); the log keeps enough to read.
    private static string? Clip(string? input) => input is { Length: > 200 } ? input[..200] + "…" : input;
}
