using System.Globalization;
using Ivr.Api.Callbacks;
using Ivr.Api.Twilio;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Queues;

/// <summary>
/// Asks Twilio about calls the service has not heard of for <see cref="QueueOptions.SweepAfterSeconds"/>: callers in
/// a queue and agents on a call. A status callback or dial action lost in a restart, a database error or the network
/// would otherwise leave a caller in line, or an agent busy, forever. Calls that ended are settled; live ones are
/// asked about again a sweep period later. While Twilio cannot be reached the sweep stops and marks nothing as heard,
/// so the next sweep (within <see cref="RoundsService.MaxSleep"/>) asks again, and a call that ended during an outage
/// frees its agent as soon as Twilio answers.
/// </summary>
public sealed class QueueSweeper(
    QueueStore queues,
    CallbackStore callbacks,
    ITwilioCalls twilio,
    DepartmentRates rates,
    QueueDistributor distributor,
    RingChecks ringChecks,
    IOptions<QueueOptions> options,
    TimeProvider time,
    ILogger<QueueSweeper> logger) : RoundsService(time, logger)
{
    /// <summary>Calls asked about in one sweep at most, so that a sweep stays short when Twilio is slow.</summary>
    public const int MostPerSweep = 20;

    private static readonly string[] EndedStatuses = ["completed", "busy", "failed", "no-answer", "canceled"];
    private readonly SemaphoreSlim _oneSweep = new(1, 1);

    // Nothing says when a call will stop being heard of: the sweep runs at every wake and at the rounds' longest sleep.
    protected override async Task<DateTimeOffset?> RoundAsync(CancellationToken cancellationToken)
    {
        await SweepAsync(cancellationToken);
        return null;
    }

    /// <summary>One sweep over the callers and agents not heard of for a sweep period.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await _oneSweep.WaitAsync(cancellationToken);
        try
        {
            var settings = options.Value;
            var wrapUp = TimeSpan.FromSeconds(settings.WrapUpSeconds);
            var before = Time.GetUtcNow() - TimeSpan.FromSeconds(settings.SweepAfterSeconds);
            var settled = false;
            try
            {
                // Phones that must have stopped ringing are asked about first, long before a sweep period.
                settled |= await ringChecks.CheckAsync(cancellationToken);
                foreach (var entry in await queues.UnheardAsync(before, MostPerSweep, cancellationToken))
                {
                    if (await EndOfAsync(entry.CallSid, cancellationToken) is not { } endedAt)
                    {
                        await queues.HeardAsync(entry.Id, Time.GetUtcNow(), cancellationToken);
                        continue;
                    }
                    if (await queues.SettleEndedAsync(entry.Id, endedAt, wrapUp, cancellationToken) is { } entrySettled)
                    {
                        Logger.LogWarning("Call {CallSid} in {Department} ended unheard; its entry is now {State}",
                            entry.CallSid, entry.Department, entrySettled.State);
                        rates.Settled(entrySettled);
                        settled = true;
                    }
                }
                foreach (var agent in await queues.UnheardAgentsAsync(before, MostPerSweep, cancellationToken))
                    settled |= await SweepAgentAsync(agent, wrapUp, cancellationToken);
            }
            catch (Exception down) when (CannotAskNow(down) && !cancellationToken.IsCancellationRequested)
            {
                // Asking about the others would fail too. Nothing was marked heard, so the next sweep asks again
                // rather than a sweep period later: an agent whose call ended meanwhile is not held past the outage.
                Logger.LogWarning("Twilio cannot be asked about calls now ({Reason}); the sweep goes on at the next round", down.Message);
            }
            if (settled)
                distributor.Wake();
        }
        finally
        {
            _oneSweep.Release();
        }
    }

    // An agent on a call no offered entry accounts for: a callback's reservation, or a call whose entry is settled.
    private async Task<bool> SweepAgentAsync(AgentRow agent, TimeSpan wrapUp, CancellationToken cancellationToken)
    {
        var busyWith = agent.BusyCallSid!;
        string? callSid = busyWith;
        if (busyWith.StartsWith("callback:", StringComparison.Ordinal))
        {
            var callback = long.TryParse(busyWith["callback:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? await callbacks.FindByIdAsync(id, cancellationToken) : null;
            if (callback?.Status == CallbackStatus.Dialing)
            {
                // Placing the call is the dispatcher's to settle (it never dials twice); only the reservation's age is ours.
                await queues.AgentCheckedAsync(agent.Id, busyWith, Time.GetUtcNow(), cancellationToken);
                return false;
            }
            callSid = callback?.Status == CallbackStatus.Answered ? callback.AttemptCallSid : null;
            if (callSid is not null && await EndOfAsync(callSid, cancellationToken) is { } callbackEnded)
            {
                // The dispatcher settles an answered try whose call ended without a conversation reported.
                await callbacks.AnsweredCallEndedAsync(callback!.Id, callback.Attempts, callbackEnded, wrapUp, cancellationToken);
                Logger.LogWarning("Callback {Reference}'s call {CallSid} ended unheard", callback.Reference, callSid);
                await queues.AgentCheckedAsync(agent.Id, busyWith, Time.GetUtcNow(), cancellationToken);
                return true;
            }
            if (callSid is not null)
            {
                await queues.AgentCheckedAsync(agent.Id, busyWith, Time.GetUtcNow(), cancellationToken);
                return false;
            }
            // The callback is settled (or gone) and the reservation outlived it.
            Logger.LogWarning("Agent {Agent} was still reserved for a settled callback ({Reservation}); freed", agent.Id, busyWith);
            return await queues.FreeAgentAsync(agent.Id, busyWith, Time.GetUtcNow(), cancellationToken);
        }

        if (await EndOfAsync(callSid, cancellationToken) is not { } endedAt)
        {
            await queues.AgentCheckedAsync(agent.Id, busyWith, Time.GetUtcNow(), cancellationToken);
            return false;
        }
        Logger.LogWarning("Agent {Agent}'s call {CallSid} ended unheard; free after wrap-up", agent.Id, callSid);
        return await queues.FreeAgentAsync(agent.Id, busyWith, endedAt + wrapUp, cancellationToken);
    }

    /// <summary>
    /// Twilio is down, refuses requests for now or is left alone by the breaker: nothing is known about the call, and
    /// it must be asked again soon, not taken as heard of.
    /// </summary>
    internal static bool CannotAskNow(Exception exception) =>
        exception is TwilioUnavailableException or TwilioApiException { HttpStatus: 429 } || TwilioFailure.IsOutage(exception);

    /// <summary>
    /// When the call ended, as Twilio tells; null while it is on, or when Twilio refused to tell about this call (then
    /// it is asked again a sweep period later). Throws when Twilio cannot be asked now (<see cref="CannotAskNow"/>).
    /// </summary>
    private async Task<DateTimeOffset?> EndOfAsync(string callSid, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        try
        {
            var call = await twilio.FetchCallAsync(callSid, cancellationToken);
            if (!EndedStatuses.Contains(call.Status))
                return null;
            return call.EndTime is { } end && end < now ? end : now;
        }
        catch (Exception gone) when (QueueDistributor.HasEnded(gone))
        {
            // Twilio does not know the call: nobody can be on it.
            return now;
        }
        catch (Exception exception) when (!CannotAskNow(exception) && !cancellationToken.IsCancellationRequested)
        {
            Logger.LogWarning(exception, "Asking Twilio about call {CallSid} failed; asking again in a sweep period", callSid);
            return null;
        }
    }
}
