using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>Offers settled: the caller back in line, closed as lost, or answered; the agent freed from that call only.</summary>
public sealed partial class QueueStore
{
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
            QueueEntryLifecycle.Of(entry).Fire(EntryTrigger.Return);
            var returned = await connection.ExecuteAsync(
                $"""
                UPDATE queue_entries SET state = @StoredState, agent_id = NULL, offered_at = NULL, bridged_at = NULL, offer_after = @offerAfter,
                                         connected_at = NULL
                WHERE id = @entryId AND state = '{EntryText.Offered}' AND offers = @Offers AND (@unlessConnected = 0 OR connected_at IS NULL)
                """, new { entryId, entry.StoredState, entry.Offers, unlessConnected = unlessConnected ? 1 : 0,
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
            QueueEntryLifecycle.Of(entry).Fire(EntryTrigger.RedirectRefused);
            await connection.ExecuteAsync(
                $"UPDATE queue_entries SET state = @StoredState, ended_at = @at WHERE id = @entryId AND state = '{EntryText.Offered}' AND offers = @offer",
                new { entryId, offer, entry.StoredState, at = now.ToUnixTimeMilliseconds() }, transaction);
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
            await AnswerAsync(connection, transaction, entry, EntryTrigger.Talked, Math.Max(entry.EnqueuedAt, at - talkedSeconds * 1000L), talkedSeconds, at);
            await FreeAgentAsync(connection, transaction, entry, freeAt: at + (long)wrapUp.TotalMilliseconds, awayUntil: null);
            return Completion.Completed;
        }, cancellationToken);

    /// <summary>
    /// Records an offered entry as answered at <paramref name="answeredAt"/> (<paramref name="trigger"/> says how that is
    /// known) and scores the forecasts made to the caller.
    /// </summary>
    internal static async Task AnswerAsync(DbConnection connection, DbTransaction transaction, QueueEntry entry, EntryTrigger trigger,
        long answeredAt, int talkedSeconds, long at)
    {
        var machine = QueueEntryLifecycle.Of(entry);
        machine.Fire(trigger);
        if (entry.State != EntryState.Answered)
            throw new InvalidTransitionException("queue entry", QueueEntryLifecycle.Name(EntryState.Offered), trigger.ToString(), " to answered");
        await connection.ExecuteAsync(
            $"""
            UPDATE queue_entries SET state = @StoredState, ended_at = @at, answered_at = @answeredAt, handle_seconds = @talkedSeconds
            WHERE id = @Id AND state = '{EntryText.Offered}'
            """, new { entry.Id, entry.StoredState, at, answeredAt, talkedSeconds }, transaction);
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

    /// <summary>
    /// Twilio followed the redirect of offer <paramref name="offer"/> and asks for the TwiML that dials the agent. False
    /// when that offer is no longer current (the distributor gave up on the redirect and put the caller back in line).
    /// </summary>
    public Task<bool> ConnectedAsync(long entryId, long offer, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            $"UPDATE queue_entries SET connected_at = @at WHERE id = @entryId AND state = '{EntryText.Offered}' AND offers = @offer",
            new { entryId, offer, at = now.ToUnixTimeMilliseconds() }, transaction) == 1, cancellationToken);

    /// <summary>The agent answered offer <paramref name="offer"/> (Twilio asked for the whisper): from now on the caller is talking.</summary>
    public Task BridgedAsync(long entryId, long? offer, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            $"""
            UPDATE queue_entries SET bridged_at = @at, heard_at = @at
            WHERE id = @entryId AND state = '{EntryText.Offered}' AND (@offer IS NULL OR offers = @offer)
            """, new { entryId, offer, at = now.ToUnixTimeMilliseconds() }, transaction), cancellationToken);
}
