using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Engine;

namespace Ivr.Api.Care;

/// <summary>The kinds of contact a caller's history holds.</summary>
public static class ContactKind
{
    /// <summary>A call to the hotline: its menu path, department, wait, agent and outcome.</summary>
    public const string Call = "call";
    /// <summary>A callback booked (in a call, on the web form or through the API) and how it ended.</summary>
    public const string Callback = "callback";
    /// <summary>The answers to a post-call survey, apart from the call they followed.</summary>
    public const string Survey = "survey";
    /// <summary>
    /// A look-up the caller made on the phone (order status from the shop), read from <c>shop_lookups</c>: when, the
    /// order number, and the outcome (found, not_found, unavailable).
    /// </summary>
    public const string Lookup = "lookup";
}

/// <summary>One contact of a caller, newest first in <see cref="ContactStore.HistoryAsync"/>.</summary>
public sealed record Contact(
    string Kind,
    DateTimeOffset At,
    DateTimeOffset? EndedAt,
    string? CallSid,
    string? Department,
    IReadOnlyList<string> MenuPath,
    int? WaitSeconds,
    int? TalkSeconds,
    string? AgentId,
    string? Agent,
    string Outcome,
    string? Reference,
    IReadOnlyDictionary<string, int> Answers,
    string? OrderNumber = null);

/// <summary>
/// A caller's contacts by phone number, read from what the hotline keeps anyway (calls with their menu events and
/// queue entries, callbacks, survey answers), so that nothing has to be written twice.
/// </summary>
public sealed partial class ContactStore(Database database)
{
    /// <summary>How many contacts of each kind a history reads at most.</summary>
    public const int HistoryLimit = 100;

    /// <summary>A call without a reported end is taken as still on for this long after it started.</summary>
    public static readonly TimeSpan OngoingAtMost = TimeSpan.FromHours(1);

    /// <summary>True when <paramref name="number"/> is an E.164 number: '+', then 8 to 15 digits, the first not 0.</summary>
    public static bool IsE164(string? number) => Ivr.Flows.Model.E164.IsWellFormed(number);

    private sealed class CallRow
    {
        public string CallSid { get; set; } = "";
        public long StartedAt { get; set; }
        public long? EndedAt { get; set; }
        public string Phase { get; set; } = "";
    }

    private sealed class EventRow
    {
        public string CallSid { get; set; } = "";
        public string ToMenu { get; set; } = "";
    }

    private sealed class EntryRow
    {
        public string CallSid { get; set; } = "";
        public string Department { get; set; } = "";
        public string State { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public long? AnsweredAt { get; set; }
        public long? EndedAt { get; set; }
        public long? HandleSeconds { get; set; }
        public string? AgentId { get; set; }
        public string? AgentName { get; set; }
    }

    private sealed class CallbackRow
    {
        public string? CallSid { get; set; }
        public string Department { get; set; } = "";
        public string Status { get; set; } = "";
        public string? Reference { get; set; }
        public long BookedAt { get; set; }
        public long? ConnectedAt { get; set; }
        public long? EndedAt { get; set; }
        public string? AgentId { get; set; }
        public string? AgentName { get; set; }
    }

    private sealed class AnswerRow
    {
        public string CallSid { get; set; } = "";
        public string Department { get; set; } = "";
        public string? AgentId { get; set; }
        public string? AgentName { get; set; }
        public string Question { get; set; } = "";
        public long Answer { get; set; }
        public long At { get; set; }
    }

    private sealed class LookupRow
    {
        public string CallSid { get; set; } = "";
        public long At { get; set; }
        public string? OrderNumber { get; set; }
        public string Outcome { get; set; } = "";
    }

    /// <summary>
    /// True when <paramref name="number"/> called (another call than <paramref name="callSid"/>) or booked a callback
    /// outside a call since <paramref name="since"/>: the contacts <see cref="LastWithDepartment"/> looks for. One indexed
    /// look-up on the writer's statement (on SQLite made in a call's step, <see cref="Database.WriteAsync{T}"/>), so
    /// that a caller with none (most new calls) needs no history read.
    /// </summary>
    public async Task<bool> HasContactSinceAsync(DbConnection connection, DbTransaction? transaction, string number, string callSid, DateTimeOffset since)
    {
        var found = await database.Prepared(connection, transaction,
                """
                SELECT EXISTS (SELECT 1 FROM calls WHERE caller = @number AND started_at >= @since AND call_sid <> @callSid)
                    OR EXISTS (SELECT 1 FROM callbacks WHERE number = @number AND call_sid IS NULL AND COALESCE(booked_at, requested_at) >= @since)
                """)
            .With("@number", number).With("@callSid", callSid).With("@since", since.ToUnixTimeMilliseconds())
            .ExecuteScalarAsync();
        return Convert.ToBoolean(found);
    }

    /// <summary>Every contact of <paramref name="number"/>, newest first.</summary>
    public async Task<IReadOnlyList<Contact>> HistoryAsync(string number, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await HistoryAsync(connection, null, number, now);
    }

    /// <summary>Every contact of <paramref name="number"/>, newest first, read on <paramref name="connection"/> (on SQLite in a call's step).</summary>
    public async Task<IReadOnlyList<Contact>> HistoryAsync(DbConnection connection, DbTransaction? transaction, string number, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var calls = (await connection.QueryAsync<CallRow>(
            """
            SELECT call_sid AS CallSid, started_at AS StartedAt, ended_at AS EndedAt, phase AS Phase
            FROM calls WHERE caller = @number ORDER BY started_at DESC LIMIT @limit
            """, new { number, limit = HistoryLimit }, transaction)).ToList();
        var sids = calls.Select(c => c.CallSid).ToList();
        var events = sids.Count == 0 ? [] : (await connection.QueryAsync<EventRow>(
            $"""
            SELECT e.call_sid AS CallSid, e.to_menu AS ToMenu
            FROM calls c JOIN call_events e ON e.call_started = c.started_at AND e.call_sid = c.call_sid
            WHERE c.call_sid {database.In("@sids")} ORDER BY e.id
            """,
            new { sids }, transaction)).ToList();
        var entries = sids.Count == 0 ? [] : (await connection.QueryAsync<EntryRow>(
            $"""
            SELECT e.call_sid AS CallSid, e.department AS Department, e.state AS State, e.enqueued_at AS EnqueuedAt,
                   e.answered_at AS AnsweredAt, e.ended_at AS EndedAt, e.handle_seconds AS HandleSeconds,
                   e.agent_id AS AgentId, a.name AS AgentName
            FROM queue_entries e LEFT JOIN agents a ON a.id = e.agent_id
            WHERE e.call_sid {database.In("@sids")} ORDER BY e.id
            """, new { sids }, transaction)).ToList();
        var callbacks = await connection.QueryAsync<CallbackRow>(
            """
            SELECT c.call_sid AS CallSid, c.department AS Department, c.status AS Status, c.reference AS Reference,
                   COALESCE(c.booked_at, c.requested_at) AS BookedAt, c.connected_at AS ConnectedAt, c.ended_at AS EndedAt,
                   c.agent_id AS AgentId, a.name AS AgentName
            FROM callbacks c LEFT JOIN agents a ON a.id = c.agent_id
            WHERE c.number = @number ORDER BY c.id DESC LIMIT @limit
            """, new { number, limit = HistoryLimit }, transaction);
        var answers = await connection.QueryAsync<AnswerRow>(
            """
            SELECT s.call_sid AS CallSid, s.department AS Department, s.agent_id AS AgentId, a.name AS AgentName,
                   s.question AS Question, s.answer AS Answer, s.at AS At
            FROM survey_answers s LEFT JOIN agents a ON a.id = s.agent_id
            WHERE s.number = @number ORDER BY s.id DESC LIMIT @limit
            """, new { number, limit = HistoryLimit * 3 }, transaction);
        var lookups = await connection.QueryAsync<LookupRow>(
            """
            SELECT call_sid AS CallSid, at AS At, order_number AS OrderNumber, outcome AS Outcome
            FROM shop_lookups WHERE caller = @number ORDER BY at DESC, id DESC LIMIT @limit
            """, new { number, limit = HistoryLimit }, transaction);

        var contacts = new List<Contact>();
        var noAnswers = new Dictionary<string, int>();
        foreach (var call in calls)
        {
            var path = new List<string>();
            foreach (var e in events.Where(e => e.CallSid == call.CallSid))
            {
                if (path.Count == 0 || path[^1] != e.ToMenu)
                    path.Add(e.ToMenu);
            }
            var ofCall = entries.Where(e => e.CallSid == call.CallSid).ToList();
            var last = ofCall.LastOrDefault();
            var answered = ofCall.LastOrDefault(e => e.State == Queues.QueueEntryLifecycle.Stored.Answered);
            int? wait = last is null ? null : (int)ofCall.Sum(e => ((e.AnsweredAt ?? e.EndedAt ?? nowMs) - e.EnqueuedAt) / 1000);
            contacts.Add(new Contact(ContactKind.Call, At(call.StartedAt), call.EndedAt is { } ended ? At(ended) : null, call.CallSid,
                last?.Department, path, wait, (int?)answered?.HandleSeconds, answered?.AgentId, answered?.AgentName,
                Name(Outcome(call, last)), null, noAnswers));
        }
        foreach (var callback in callbacks)
        {
            contacts.Add(new Contact(ContactKind.Callback, At(callback.BookedAt), callback.EndedAt is { } ended ? At(ended) : null,
                callback.CallSid, callback.Department, [], callback.ConnectedAt is { } connected ? (int)((connected - callback.BookedAt) / 1000) : null,
                null, callback.AgentId, callback.AgentName, callback.Status, callback.Reference, noAnswers));
        }
        foreach (var survey in answers.GroupBy(a => (a.CallSid, a.Department)))
        {
            var first = survey.OrderBy(a => a.At).First();
            contacts.Add(new Contact(ContactKind.Survey, At(first.At), At(survey.Max(a => a.At)), survey.Key.CallSid, survey.Key.Department,
                [], null, null, first.AgentId, first.AgentName, "answered", null,
                survey.ToDictionary(a => a.Question, a => (int)a.Answer)));
        }
        foreach (var lookup in lookups)
        {
            contacts.Add(new Contact(ContactKind.Lookup, At(lookup.At), null, lookup.CallSid, null, [], null, null, null, null,
                lookup.Outcome, null, noAnswers, lookup.OrderNumber));
        }
        // Stable: a look-up made in the same millisecond as another keeps the order it was read in (newest first).
        return contacts.OrderByDescending(c => c.At).ToList();
    }

    /// <summary>
    /// The caller's last contact with a department since <paramref name="since"/> before the call
    /// <paramref name="currentCallSid"/>: a call that reached a department's line and has ended, or a callback booked
    /// outside a call. A call from the same number that is still on is not a past matter; one whose end was never
    /// reported (a lost status callback) counts once it started more than <see cref="OngoingAtMost"/> ago.
    /// </summary>
    public static PreviousContact? LastWithDepartment(IReadOnlyList<Contact> history, string currentCallSid, DateTimeOffset since, DateTimeOffset now) =>
        history
            .Where(c => c.At >= since && c.Department is not null && c.CallSid != currentCallSid
                        && ((c.Kind == ContactKind.Call && c.Outcome != "ongoing" && (c.EndedAt is not null || c.At < now - OngoingAtMost))
                            || (c.Kind == ContactKind.Callback && c.CallSid is null)))
            .Select(c => new PreviousContact(c.Department!, c.At, c.WaitSeconds ?? 0,
                c.Kind == ContactKind.Callback ? ContactOutcome.Callback : Enum.Parse<ContactOutcome>(c.Outcome, ignoreCase: true),
                c.AgentId, c.Agent))
            .FirstOrDefault();

    /// <summary>Contacts since <paramref name="since"/>: calls, and callbacks booked outside a call (one booked in a call is that call).</summary>
    public static int CountSince(IReadOnlyList<Contact> history, DateTimeOffset since) =>
        history.Count(c => c.At >= since && (c.Kind == ContactKind.Call || (c.Kind == ContactKind.Callback && c.CallSid is null)));

    private static ContactOutcome Outcome(CallRow call, EntryRow? last) => last?.State switch
    {
        Queues.QueueEntryLifecycle.Stored.Answered => ContactOutcome.Answered,
        Queues.QueueEntryLifecycle.Stored.Abandoned => ContactOutcome.Abandoned,
        Queues.QueueEntryLifecycle.Stored.Lost => ContactOutcome.Lost,
        Queues.QueueEntryLifecycle.Stored.Callback => ContactOutcome.Callback,
        Queues.QueueEntryLifecycle.Stored.Waiting or Queues.QueueEntryLifecycle.Stored.Offered => ContactOutcome.Ongoing,
        _ when call.Phase == Voice.CallLifecycle.Stored.CallbackBooked => ContactOutcome.Callback,
        _ when call.EndedAt is null => ContactOutcome.Ongoing,
        _ => ContactOutcome.Menu,
    };

    private static string Name(ContactOutcome outcome) => outcome.ToString().ToLowerInvariant();

    private static DateTimeOffset At(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
