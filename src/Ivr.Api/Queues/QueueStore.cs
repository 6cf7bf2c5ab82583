using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Model;

namespace Ivr.Api.Queues;

/// <summary>
/// A waiting caller handed to a free agent, not yet connected. <see cref="Number"/> counts the entry's offers; the
/// webhooks of this offer carry it, so that a late one of an earlier offer is recognised.
/// </summary>
public sealed record Offer(long EntryId, string CallSid, string Department, string AgentId, string AgentKind,
    string AgentAddress, long EnqueuedAt, string Language, long Number);

/// <summary>Where a queue entry stands.</summary>
public static class EntryState
{
    public const string Waiting = "waiting";
    public const string Offered = "offered";
    public const string Answered = "answered";
    /// <summary>The caller hung up while waiting, or while the agent's phone rang.</summary>
    public const string Abandoned = "abandoned";
    /// <summary>
    /// The call ended unheard and it is not known when or how (Twilio refused its redirect, or the sweep found it
    /// ended while an agent's phone may have rung): counted as not answered, and not as the caller's patience.
    /// </summary>
    public const string Lost = "lost";
}

/// <summary>A queue entry as its webhooks and the sweep see it, in whatever state.</summary>
public sealed class QueueEntry
{
    public long Id { get; set; }
    public string CallSid { get; set; } = "";
    public string Department { get; set; } = "";
    public string State { get; set; } = "";
    public string? AgentId { get; set; }
    public long Offers { get; set; }
    public long EnqueuedAt { get; set; }
    public long? BridgedAt { get; set; }

    /// <summary>Whether a webhook of offer <paramref name="offer"/> is about the current offer (no number: an older service's URL).</summary>
    public bool IsCurrent(long? offer) => State == EntryState.Offered && (offer is null || offer == Offers);
}

/// <summary>An entry the sweep settled: its new state, and the times the department's rates learn from.</summary>
public sealed record SettledEntry(string Department, string State, long EnqueuedAt, long EndedAt, long? AnsweredAt, int TalkedSeconds);

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

    private const string EntryColumns = """
        id AS Id, call_sid AS CallSid, department AS Department, state AS State, agent_id AS AgentId, offers AS Offers,
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
                """
                SELECT id AS Id, call_sid AS CallSid, enqueued_at AS EnqueuedAt, place_at AS PlaceAt, language AS Language, offers AS Offers,
                       preferred_agent AS PreferredAgent, prefer_until AS PreferUntil
                FROM queue_entries
                WHERE department = @department AND state = 'waiting' AND (offer_after IS NULL OR offer_after <= @at)
                ORDER BY place_at, id LIMIT @lookAhead
                """, new { department = department.Id, at, lookAhead = PreferenceLookAhead }, transaction)).ToList();
            if (line.Count == 0)
                return null;
            var entry = line[0];

            // A callback booked earlier keeps its place: the callback dispatcher takes the agent for it first.
            var callbackFirst = await connection.ExecuteScalarAsync<long>(
                """
                SELECT COUNT(*) FROM callbacks
                WHERE department = @department AND status = 'pending' AND due_at <= @at AND requested_at <= @PlaceAt
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
                """
                UPDATE queue_entries SET state = 'offered', agent_id = @agent, offered_at = @at, offers = offers + 1,
                                         bridged_at = NULL, offer_after = NULL, connected_at = NULL
                WHERE id = @Id AND state = 'waiting' AND offers = @Offers
                """, new { entry.Id, entry.Offers, agent = agent.Id, at }, transaction);
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
    /// Puts an offered caller back in line at their old place and frees the agent: the redirect failed (then the
    /// caller is left out of offers for <paramref name="setAside"/>), or the agent did not answer (then they are kept
    /// away for <paramref name="awayFor"/>). False, changing nothing, when offer <paramref name="offer"/> is not the
    /// entry's current one (a late or repeated webhook).
    /// </summary>
    public Task<bool> ReturnAsync(long entryId, long? offer, DateTimeOffset now, TimeSpan? awayFor, TimeSpan? setAside = null,
        CancellationToken cancellationToken = default) =>
        ReturnAsync(entryId, offer, now, awayFor, setAside, unlessConnected: false, cancellationToken);

    /// <summary>
    /// A redirect failed in a way that leaves open whether Twilio carried it out (a timeout, a 5xx, a connection lost):
    /// the caller goes back in line set aside for <paramref name="setAside"/>, unless Twilio has already asked for
    /// the TwiML of this offer (then the agent's phone rings for them and the offer stands). True when returned.
    /// </summary>
    public Task<bool> ReturnUnlessConnectedAsync(long entryId, long offer, DateTimeOffset now, TimeSpan setAside,
        CancellationToken cancellationToken = default) =>
        ReturnAsync(entryId, offer, now, awayFor: null, setAside, unlessConnected: true, cancellationToken);

    private Task<bool> ReturnAsync(long entryId, long? offer, DateTimeOffset now, TimeSpan? awayFor, TimeSpan? setAside, bool unlessConnected,
        CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var entry = await EntryAsync(connection, transaction, entryId);
            if (entry is null || !entry.IsCurrent(offer))
                return false;
            var returned = await connection.ExecuteAsync(
                """
                UPDATE queue_entries SET state = 'waiting', agent_id = NULL, offered_at = NULL, bridged_at = NULL, offer_after = @offerAfter,
                                         connected_at = NULL
                WHERE id = @entryId AND state = 'offered' AND offers = @Offers AND (@unlessConnected = 0 OR connected_at IS NULL)
                """, new { entryId, entry.Offers, unlessConnected = unlessConnected ? 1 : 0,
                    offerAfter = setAside is { } aside ? (now + aside).ToUnixTimeMilliseconds() : (long?)null }, transaction);
            if (returned == 0)
                return false;
            await FreeAgentAsync(connection, transaction, entry, freeAt: null,
                awayUntil: awayFor is { } away ? (now + away).ToUnixTimeMilliseconds() : null);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Twilio refused the redirect of offer <paramref name="offer"/> because the call has ended (or never existed):
    /// nobody is left to serve, so the entry is closed as lost and the agent, who never rang, is free at once.
    /// </summary>
    public Task<bool> CloseLostAsync(long entryId, long offer, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var entry = await EntryAsync(connection, transaction, entryId);
            if (entry is null || !entry.IsCurrent(offer))
                return false;
            await connection.ExecuteAsync(
                "UPDATE queue_entries SET state = 'lost', ended_at = @at WHERE id = @entryId AND state = 'offered' AND offers = @offer",
                new { entryId, offer, at = now.ToUnixTimeMilliseconds() }, transaction);
            await FreeAgentAsync(connection, transaction, entry, freeAt: null, awayUntil: null);
            return true;
        }, cancellationToken);

    /// <summary>
    /// The dial action of offer <paramref name="offer"/> says the caller and the agent talked: the call is answered,
    /// the agent is free after wrap-up. If the end of the call already recorded the conversation, only its exact length
    /// is taken; a late or repeated action of another offer changes nothing.
    /// </summary>
    public Task<Completion> CompleteAsync(long entryId, long? offer, int talkedSeconds, DateTimeOffset now, TimeSpan wrapUp, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var entry = await EntryAsync(connection, transaction, entryId);
            if (entry is null)
                return Completion.Stale;
            if (entry.State == EntryState.Answered && (offer is null || offer == entry.Offers))
            {
                await connection.ExecuteAsync("UPDATE queue_entries SET handle_seconds = @talkedSeconds WHERE id = @entryId",
                    new { entryId, talkedSeconds }, transaction);
                return Completion.Corrected;
            }
            if (!entry.IsCurrent(offer))
                return Completion.Stale;
            var at = now.ToUnixTimeMilliseconds();
            // Never answered before joining, whatever the reported duration (clocks that disagree).
            await AnswerAsync(connection, transaction, entry, Math.Max(entry.EnqueuedAt, at - talkedSeconds * 1000L), talkedSeconds, at);
            await FreeAgentAsync(connection, transaction, entry, freeAt: at + (long)wrapUp.TotalMilliseconds, awayUntil: null);
            return Completion.Completed;
        }, cancellationToken);

    /// <summary>Records an offered entry as answered at <paramref name="answeredAt"/> and scores the forecasts made to the caller.</summary>
    internal static async Task AnswerAsync(DbConnection connection, DbTransaction transaction, QueueEntry entry, long answeredAt, int talkedSeconds, long at)
    {
        await connection.ExecuteAsync(
            """
            UPDATE queue_entries SET state = 'answered', ended_at = @at, answered_at = @answeredAt, handle_seconds = @talkedSeconds
            WHERE id = @Id AND state = 'offered'
            """, new { entry.Id, at, answeredAt, talkedSeconds }, transaction);
        // Each announcement made to this caller is scored against the wait that followed it.
        await connection.ExecuteAsync(
            """
            UPDATE announcements SET actual_seconds = (@answeredAt - at) / 1000.0
            WHERE call_sid = @CallSid AND department = @Department AND actual_seconds IS NULL
            """, new { entry.CallSid, entry.Department, answeredAt }, transaction);
    }

    /// <summary>Frees the entry's agent, but only from this entry's call: an agent on another call by now stays on it.</summary>
    internal static Task<int> FreeAgentAsync(DbConnection connection, DbTransaction transaction, QueueEntry entry, long? freeAt, long? awayUntil) =>
        connection.ExecuteAsync(
            """
            UPDATE agents SET busy_call_sid = NULL, busy_since = NULL, checked_at = NULL,
                              free_at = COALESCE(@freeAt, free_at), away_until = COALESCE(@awayUntil, away_until)
            WHERE id = @AgentId AND busy_call_sid = @CallSid
            """, new { entry.AgentId, entry.CallSid, freeAt, awayUntil }, transaction);

    /// <summary>The agent answered offer <paramref name="offer"/> (Twilio asked for the whisper): from now on the caller is talking.</summary>
    /// <summary>
    /// Twilio followed the redirect of offer <paramref name="offer"/> and asks for the TwiML that dials the agent. False
    /// when that offer is no longer current (the distributor gave up on the redirect and put the caller back in line).
    /// </summary>
    public Task<bool> ConnectedAsync(long entryId, long offer, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            "UPDATE queue_entries SET connected_at = @at WHERE id = @entryId AND state = 'offered' AND offers = @offer",
            new { entryId, offer, at = now.ToUnixTimeMilliseconds() }, transaction) == 1, cancellationToken);

    public Task BridgedAsync(long entryId, long? offer, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            UPDATE queue_entries SET bridged_at = @at, heard_at = @at
            WHERE id = @entryId AND state = 'offered' AND (@offer IS NULL OR offers = @offer)
            """, new { entryId, offer, at = now.ToUnixTimeMilliseconds() }, transaction), cancellationToken);

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
                   a.kind AS AgentKind, a.address AS AgentAddress, e.enqueued_at AS EnqueuedAt, e.language AS Language,
                   e.offers AS Number
            FROM queue_entries e JOIN agents a ON a.id = e.agent_id
            WHERE e.id = @entryId
            """, new { entryId });
    }

    /// <summary>Callers waiting or offered of whom nothing has been heard since <paramref name="before"/>, least recently heard first.</summary>
    public async Task<IReadOnlyList<QueueEntry>> UnheardAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<QueueEntry>(
            $"""
            SELECT {EntryColumns} FROM queue_entries
            WHERE state IN ('waiting', 'offered') AND COALESCE(heard_at, enqueued_at) < @before
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
                await connection.ExecuteAsync("UPDATE queue_entries SET state = 'abandoned', ended_at = @end WHERE id = @entryId AND state = 'waiting'",
                    new { entryId, end }, transaction);
                return new SettledEntry(entry.Department, EntryState.Abandoned, entry.EnqueuedAt, end, null, 0);
            }
            if (entry.State != EntryState.Offered)
                return null;
            SettledEntry settled;
            if (entry.BridgedAt is { } bridged)
            {
                var talked = (int)Math.Max(0, (end - bridged) / 1000);
                await AnswerAsync(connection, transaction, entry, bridged, talked, end);
                settled = new SettledEntry(entry.Department, EntryState.Answered, entry.EnqueuedAt, end, bridged, talked);
            }
            else
            {
                await connection.ExecuteAsync("UPDATE queue_entries SET state = 'lost', ended_at = @end WHERE id = @entryId AND state = 'offered'",
                    new { entryId, end }, transaction);
                settled = new SettledEntry(entry.Department, EntryState.Lost, entry.EnqueuedAt, end, null, 0);
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
              AND NOT EXISTS (SELECT 1 FROM queue_entries e WHERE e.call_sid = a.busy_call_sid AND e.agent_id = a.id AND e.state = 'offered')
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
        var waiting = await connection.QueryAsync<string>("SELECT DISTINCT department FROM queue_entries WHERE state = 'waiting'");
        // A caller kept for their own agent may take anyone once that ends.
        var preferenceEnds = await connection.ExecuteScalarAsync<long?>(
            "SELECT MIN(prefer_until) FROM queue_entries WHERE state = 'waiting' AND prefer_until > @at",
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
