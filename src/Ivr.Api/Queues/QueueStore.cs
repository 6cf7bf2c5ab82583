using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Model;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>
/// A waiting caller handed to a free agent, not yet connected. <see cref="Number"/> counts the entry's offers; the
/// webhooks of this offer carry it, so that a late one of an earlier offer is recognised.
/// </summary>
public sealed record Offer(long EntryId, string CallSid, string Department, string AgentId, string AgentKind,
    string AgentAddress, long EnqueuedAt, string Language, long Number);

/// <summary>A queue entry as its webhooks and the sweep see it, in whatever state.</summary>
public sealed class QueueEntry
{
    public long Id { get; set; }
    public string CallSid { get; set; } = "";
    public string Department { get; set; } = "";
    public EntryState State { get; set; }
    /// <summary>The state as stored in <c>queue_entries.state</c> (what the queries read into).</summary>
    public string StoredState { get => QueueEntryLifecycle.Name(State); set => State = QueueEntryLifecycle.Parse(value); }
    public string? AgentId { get; set; }
    public long Offers { get; set; }
    public long EnqueuedAt { get; set; }
    public long? BridgedAt { get; set; }

    /// <summary>Whether a webhook of offer <paramref name="offer"/> is about the current offer (no number: an older service's URL).</summary>
    public bool IsCurrent(long? offer) => State == EntryState.Offered && (offer is null || offer == Offers);
}

/// <summary>An entry the sweep settled: its new state, and the times the department's rates learn from.</summary>
public sealed record SettledEntry(string Department, EntryState State, long EnqueuedAt, long EndedAt, long? AnsweredAt, int TalkedSeconds);

/// <summary>How a dial action's "they talked" was taken.</summary>
public enum Completion
{
    /// <summary>The conversation is recorded now: the agent goes to wrap-up.</summary>
    Completed,
    /// <summary>The end of the call had already recorded it: only its length is taken from the dial action.</summary>
    Corrected,
    /// <summary>Not this offer's (late, repeated or of an earlier offer): nothing changed.</summary>
    Stale,
}

/// <summary>
/// The departments' queues as the service keeps them: callers in arrival order, offered to free agents one at a
/// time. Every change is one write transaction, so a caller is never offered to two agents nor an agent given two callers.
/// This part places callers and offers them; <c>QueueStore.Offers.cs</c> settles offers, <c>QueueStore.Sweep.cs</c>
/// settles calls Twilio says have ended. Each state change goes through <see cref="QueueEntryLifecycle"/>.
/// </summary>
public sealed partial class QueueStore(Database database)
{
    private sealed class EntryRow
    {
        public long Id { get; set; }
        public string CallSid { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public long PlaceAt { get; set; }
        public string Language { get; set; } = "";
        public long Offers { get; set; }
        public string? PreferredAgent { get; set; }
        public long? PreferUntil { get; set; }
    }

    // How far down the line a round looks past callers kept for their own agent.
    private const int PreferenceLookAhead = 20;

    /// <summary>
    /// The caller to offer and the agent to take them, in line order. A returning caller kept for the agent who talked
    /// to them last (until <c>prefer_until</c>, and only while that agent is on duty) takes that agent once free and
    /// is passed over meanwhile, so those behind them are not held up; everyone else takes the longest-free agent.
    /// </summary>
    private static async Task<(EntryRow? Entry, AgentRow? Agent)> ChooseAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<EntryRow> line, Department department, TimeZoneInfo zone, DateTimeOffset now)
    {
        var at = now.ToUnixTimeMilliseconds();
        var staff = (await connection.QueryAsync<AgentRow>(
            $"SELECT {AgentStore.Columns} FROM agents WHERE department = @department", new { department = department.Id }, transaction)).ToList();
        foreach (var entry in line)
        {
            if (entry.PreferredAgent is { } preferred && entry.PreferUntil > at
                && staff.FirstOrDefault(a => a.Id == preferred) is { } own && own.IsOnDuty(department, zone, now))
            {
                if (own.IsFree(department, zone, now))
                    return (entry, own);
                continue;
            }
            var free = staff
                .Where(a => a.IsFree(department, zone, now))
                .OrderBy(a => a.FreeAt ?? 0)
                .ThenBy(a => a.Id, StringComparer.Ordinal)
                .FirstOrDefault();
            return free is null ? (null, null) : (entry, free);
        }
        return (null, null);
    }

    /// <summary>The columns of <see cref="QueueEntry"/>, for queries elsewhere.</summary>
    internal const string EntryColumns = """
        id AS Id, call_sid AS CallSid, department AS Department, state AS StoredState, agent_id AS AgentId, offers AS Offers,
        enqueued_at AS EnqueuedAt, bridged_at AS BridgedAt
        """;

    private static Task<QueueEntry?> EntryAsync(DbConnection connection, DbTransaction transaction, long entryId) =>
        connection.QuerySingleOrDefaultAsync<QueueEntry>($"SELECT {EntryColumns} FROM queue_entries WHERE id = @entryId", new { entryId }, transaction);

    /// <summary>
    /// Offers the longest-waiting caller of <paramref name="department"/> to the agent who has been free longest;
    /// null when nobody waits or nobody is free. A caller set aside after a failed redirect waits for their turn
    /// again without holding up those behind them.
    /// </summary>
    public Task<Offer?> TryOfferAsync(Department department, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var line = (await connection.QueryAsync<EntryRow>(
                $"""
                SELECT id AS Id, call_sid AS CallSid, enqueued_at AS EnqueuedAt, place_at AS PlaceAt, language AS Language, offers AS Offers,
                       preferred_agent AS PreferredAgent, prefer_until AS PreferUntil
                FROM queue_entries
                WHERE department = @department AND state = '{EntryText.Waiting}' AND (offer_after IS NULL OR offer_after <= @at)
                ORDER BY place_at, id LIMIT @lookAhead
                """, new { department = department.Id, at, lookAhead = PreferenceLookAhead }, transaction)).ToList();
            if (line.Count == 0)
                return null;
            var entry = line[0];

            // A callback booked earlier keeps its place: the callback dispatcher takes the agent for it first.
            var callbackFirst = await connection.ExecuteScalarAsync<long>(
                $"""
                SELECT COUNT(*) FROM callbacks
                WHERE department = @department AND status = '{Callbacks.CallbackLifecycle.Stored.Pending}' AND due_at <= @at AND requested_at <= @PlaceAt
                """, new { department = department.Id, at, entry.PlaceAt }, transaction);
            if (callbackFirst > 0)
                return null;

            var (chosen, agent) = await ChooseAsync(connection, transaction, line, department, zone, now);
            if (agent is null || chosen is null)
                return null;
            entry = chosen;

            var reserved = await connection.ExecuteAsync(
                "UPDATE agents SET busy_call_sid = @CallSid, busy_since = @at, checked_at = NULL WHERE id = @agent AND busy_call_sid IS NULL",
                new { entry.CallSid, at, agent = agent.Id }, transaction);
            var offered = await connection.ExecuteAsync(
                $"""
                UPDATE queue_entries SET state = @offeredState, agent_id = @agent, offered_at = @at, offers = offers + 1,
                                         bridged_at = NULL, offer_after = NULL, connected_at = NULL
                WHERE id = @Id AND state = '{EntryText.Waiting}' AND offers = @Offers
                """, new { entry.Id, entry.Offers, agent = agent.Id, at,
                    offeredState = QueueEntryLifecycle.NextName(EntryState.Waiting, EntryTrigger.Offer) }, transaction);
            // Both were just read as free and waiting in this transaction; anything else rolls the offer back.
            if (reserved != 1 || offered != 1)
                throw new InvalidOperationException($"Agent {agent.Id} or queue entry {entry.Id} changed during the offer.");
            return new Offer(entry.Id, entry.CallSid, department.Id, agent.Id, agent.Kind, agent.Address, entry.EnqueuedAt,
                entry.Language, entry.Offers + 1);
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
    /// A waiting caller pressed 1 for a callback: their entry leaves the line (state <c>callback</c>) and its place
    /// is returned, to be the callback's. Null when they are no longer waiting (an agent was quicker).
    /// </summary>
    public Task<DateTimeOffset?> LeaveForCallbackAsync(string callSid, string department, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var enqueuedAt = await connection.QuerySingleOrDefaultAsync<long?>(
                $"SELECT place_at FROM queue_entries WHERE call_sid = @callSid AND department = @department AND state = '{EntryText.Waiting}'",
                new { callSid, department }, transaction);
            if (enqueuedAt is null)
                return (DateTimeOffset?)null;
            await connection.ExecuteAsync(
                $"""
                UPDATE queue_entries SET state = @left, ended_at = @at
                WHERE call_sid = @callSid AND department = @department AND state = '{EntryText.Waiting}'
                """, new { callSid, department, at = now.ToUnixTimeMilliseconds(),
                    left = QueueEntryLifecycle.NextName(EntryState.Waiting, EntryTrigger.LeaveForCallback) }, transaction);
            return DateTimeOffset.FromUnixTimeMilliseconds(enqueuedAt.Value);
        }, cancellationToken);

    /// <summary>The place of a caller who left <paramref name="department"/>'s line for a callback; null if they did not.</summary>
    public async Task<DateTimeOffset?> LeftForCallbackAsync(string callSid, string department, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var enqueuedAt = await connection.QueryFirstOrDefaultAsync<long?>(
            $"""
            SELECT place_at FROM queue_entries WHERE call_sid = @callSid AND department = @department AND state = '{EntryText.Callback}'
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
                   a.kind AS AgentKind, a.address AS AgentAddress, e.enqueued_at AS EnqueuedAt, e.language AS Language,
                   e.offers AS Number
            FROM queue_entries e JOIN agents a ON a.id = e.agent_id
            WHERE e.id = @entryId
            """, new { entryId });
    }

    /// <summary>An entry in whatever state, for webhooks that may come late.</summary>
    public async Task<QueueEntry?> FindEntryAsync(long entryId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<QueueEntry>($"SELECT {EntryColumns} FROM queue_entries WHERE id = @entryId", new { entryId });
    }

    /// <summary>
    /// When the distributor next has work without being woken: while a caller waits, the moment an agent of their
    /// department is free (a second from now if one is already, as the last round then could not place them), or
    /// null when nobody waits or only a change (a call ending, an agent back) can free an agent.
    /// </summary>
    public async Task<DateTimeOffset?> NextDueAsync(MenuDefinition definition, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var waiting = await connection.QueryAsync<string>($"SELECT DISTINCT department FROM queue_entries WHERE state = '{EntryText.Waiting}'");
        // A caller kept for their own agent may take anyone once that ends.
        var preferenceEnds = await connection.ExecuteScalarAsync<long?>(
            $"SELECT MIN(prefer_until) FROM queue_entries WHERE state = '{EntryText.Waiting}' AND prefer_until > @at",
            new { at = now.ToUnixTimeMilliseconds() });
        DateTimeOffset? next = preferenceEnds is { } ends ? DateTimeOffset.FromUnixTimeMilliseconds(ends) : null;
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
            new { department = department.Id, available = AgentLifecycle.Stored.Available })).ToList();
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
