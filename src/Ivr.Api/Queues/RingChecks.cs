using System.Globalization;
using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Persistence;
using Ivr.Api.Twilio;
using Microsoft.Extensions.Options;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>
/// Asks Twilio about a phone that must have stopped ringing by now when nothing was heard of it: a callback try's call
/// (the create-call's <see cref="CallbackOptions.RingSeconds"/>) and an agent's leg (the Dial's
/// <see cref="QueueOptions.RingSeconds"/>) of a callback or a queue offer. Their status callback or dial action may
/// have been lost, and the general sweep would ask only after <see cref="QueueOptions.SweepAfterSeconds"/>, holding
/// the agent that long while callers wait beside her. A call that ended is settled from Twilio's answer exactly as its
/// lost status callback would have settled it.
/// </summary>
public sealed class RingChecks(
    Database database,
    QueueStore queues,
    CallStore calls,
    CallbackStore callbacks,
    CallbackDispatcher dispatcher,
    ITwilioCalls twilio,
    DepartmentRates rates,
    IOptions<QueueOptions> queueOptions,
    IOptions<CallbackOptions> callbackOptions,
    TimeProvider time,
    ILogger<RingChecks> logger)
{
    /// <summary>How long after a ring's end its status callback or dial action may still come before Twilio is asked.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>How soon a call Twilio said was still on is asked about again (an answered call whose report was lost).</summary>
    public static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(15);

    private static readonly string[] EndedStatuses = ["completed", "busy", "failed", "no-answer", "canceled"];

    private sealed class Reserved
    {
        public string AgentId { get; set; } = "";
        public string BusyCallSid { get; set; } = "";
    }

    private sealed class RingingOffer
    {
        public long Id { get; set; }
        public string CallSid { get; set; } = "";
    }

    private sealed record CallEnded(string Status, DateTimeOffset At, int? Duration);

    /// <summary>
    /// One check of the phones whose ring is over; true when a call was settled (an agent may be free). Throws what
    /// Twilio throws when it cannot be asked now, for the sweep to try again at its next round.
    /// </summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var at = now.ToUnixTimeMilliseconds();
        var agentRing = TimeSpan.FromSeconds(queueOptions.Value.RingSeconds) + Grace;
        var customerRing = TimeSpan.FromSeconds(callbackOptions.Value.RingSeconds) + Grace;
        var askedBefore = (now - AskAgainAfter).ToUnixTimeMilliseconds();
        List<Reserved> reserved;
        List<RingingOffer> offers;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            reserved = (await connection.QueryAsync<Reserved>(
                """
                SELECT id AS AgentId, busy_call_sid AS BusyCallSid FROM agents
                WHERE busy_call_sid LIKE 'callback:%' AND COALESCE(checked_at, 0) < @askedBefore
                """, new { askedBefore })).ToList();
            // Twilio followed the redirect (connected) and the agent never picked up (no whisper): the Dial rang out by now.
            offers = (await connection.QueryAsync<RingingOffer>(
                $"""
                SELECT id AS Id, call_sid AS CallSid FROM queue_entries
                WHERE state = '{EntryText.Offered}' AND bridged_at IS NULL AND connected_at IS NOT NULL AND connected_at < @rangOut
                  AND COALESCE(heard_at, 0) < @askedBefore
                """, new { rangOut = (now - agentRing).ToUnixTimeMilliseconds(), askedBefore })).ToList();
        }

        var settled = false;
        var wrapUp = TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds);
        foreach (var agent in reserved)
        {
            if (!long.TryParse(agent.BusyCallSid["callback:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                || await callbacks.FindByIdAsync(id, cancellationToken) is not { AttemptCallSid: { } callSid } callback)
                continue;
            // The customer's phone rings for the create-call's timeout; once they answered, the agent's for the Dial's.
            long? rangOut = callback.Status switch
            {
                CallbackStatus.Dialing => callback.ClaimedAt + (long)customerRing.TotalMilliseconds,
                CallbackStatus.Answered when callback.ConnectedAt is null => callback.AnsweredAt + (long)agentRing.TotalMilliseconds,
                _ => null,
            };
            if (rangOut is not { } due || due > at)
                continue;
            if (await EndOfAsync(callSid, now, cancellationToken) is not { } end)
            {
                await queues.AgentCheckedAsync(agent.AgentId, agent.BusyCallSid, now, cancellationToken);
                continue;
            }
            // What the try's status callback does (CallbackLegWebhooks.StatusAsync), at the end Twilio tells.
            rates.Ended(await calls.RecordEndAsync(callSid, end.Status, end.Duration, end.At, wrapUp, cancellationToken), end.At);
            var settings = callbackOptions.Value;
            var after = await callbacks.TryEndedAsync(callback.Id, callback.Attempts, end.Status == "completed" ? "hung-up" : end.Status,
                end.At, TimeSpan.FromSeconds(settings.RetryDelaySeconds), settings.MaxAttempts, cancellationToken: cancellationToken);
            if (after is null)
                await callbacks.AnsweredCallEndedAsync(callback.Id, callback.Attempts, end.At, wrapUp, cancellationToken);
            logger.LogWarning("Callback {Reference} try {Attempt}: its call ended {Status} unheard; settled after its ring ({After})",
                callback.Reference, callback.Attempts, end.Status, after ?? callback.Status);
            settled = true;
        }

        foreach (var offer in offers)
        {
            if (await EndOfAsync(offer.CallSid, now, cancellationToken) is not { } end)
            {
                await queues.HeardAsync(offer.Id, now, cancellationToken);
                continue;
            }
            // What the caller's status callback does (CallWebhooks.StatusAsync), at the end Twilio tells.
            rates.Ended(await calls.RecordEndAsync(offer.CallSid, end.Status, end.Duration, end.At, wrapUp, cancellationToken), end.At);
            logger.LogWarning("Call {CallSid} ended {Status} unheard after its agent's phone rang out; settled", offer.CallSid, end.Status);
            settled = true;
        }
        if (settled)
            dispatcher.Wake();
        return settled;
    }

    /// <summary>How the call ended, as Twilio tells; null while it is on, or when Twilio refused to tell (asked again later).</summary>
    private async Task<CallEnded?> EndOfAsync(string callSid, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var call = await twilio.FetchCallAsync(callSid, cancellationToken);
            if (!EndedStatuses.Contains(call.Status))
                return null;
            return new CallEnded(call.Status, call.EndTime is { } end && end < now ? end : now, call.Duration);
        }
        catch (Exception gone) when (QueueDistributor.HasEnded(gone))
        {
            // Twilio does not know the call: nobody can be on it.
            return new CallEnded("completed", now, null);
        }
        catch (Exception exception) when (!QueueSweeper.CannotAskNow(exception) && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Asking Twilio about call {CallSid} failed; asking again later", callSid);
            return null;
        }
    }
}
