using Ivr.Api.Menus;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Ivr.Api.Voice;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Callbacks;

/// <summary>
/// Places callbacks: whenever a department's first in line is a due callback and an agent is free, it claims the
/// booking with that agent (one transaction, so no two instances dial the same booking) and asks Twilio to call
/// the customer, at most <see cref="CallbackOptions.CallsPerSecond"/> calls a second. Tries that Twilio never
/// confirmed are given up only after <see cref="CallbackOptions.UnconfirmedAttemptSeconds"/>, longer than any ring,
/// so that a restart in the middle of a try never rings the customer a second time while the first call may be live.
/// While Twilio cannot be reached or rejects the credentials (<see cref="TwilioHealth"/>), nothing is claimed, and a
/// try that certainly placed no call is given back unused.
/// </summary>
public sealed class CallbackDispatcher(
    CallbackStore store,
    MenuCatalog menus,
    ITwilioCalls twilio,
    TwilioHealth twilioHealth,
    IOptions<CallbackOptions> options,
    IOptions<IvrOptions> ivr,
    IOptions<TwilioOptions> twilioOptions,
    IServer server,
    TimeProvider time,
    ILogger<CallbackDispatcher> logger) : RoundsService(time, logger)
{
    /// <summary>How long after an answered try's call ended its conversation may still be reported (the agent's leg).</summary>
    public static readonly TimeSpan AnsweredGrace = TimeSpan.FromSeconds(60);

    private DateTimeOffset _nextCallAllowed = DateTimeOffset.MinValue;
    private bool _warned;

    private readonly SemaphoreSlim _oneRound = new(1, 1);

    protected override async Task<DateTimeOffset?> RoundAsync(CancellationToken cancellationToken)
    {
        // What is due is judged at the round's start: anything that came due while it ran gets the next round at once.
        var now = Time.GetUtcNow();
        await DispatchAsync(cancellationToken);
        var next = await store.NextDueAsync(menus.Current, now,
            TimeSpan.FromSeconds(options.Value.UnconfirmedAttemptSeconds), AnsweredGrace, cancellationToken);
        if (!twilioHealth.MayCall)
            next = QueueStore.Earliest(next, twilioHealth.Current().NextTrialAt); // the trial request, when the wait is over
        // Never before the rate limit's next slot.
        return next < _nextCallAllowed ? _nextCallAllowed : next;
    }

    /// <summary>
    /// One round: settle tries Twilio never confirmed, then place what is due, within the rate limit. Rounds run one
    /// at a time, so that the rate limit holds and a round returns only once the tries it waited for are recorded.
    /// </summary>
    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        await _oneRound.WaitAsync(cancellationToken);
        try
        {
            await DispatchOneAtATimeAsync(cancellationToken);
        }
        finally
        {
            _oneRound.Release();
        }
    }

    private async Task DispatchOneAtATimeAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await SettleUnconfirmedAsync(settings, cancellationToken);

        if (PublicUrl.OfService(ivr.Value, twilioOptions.Value, server) is not { } publicBase || twilioOptions.Value.CallerId is not { } from)
        {
            // In local mode the address is missing only until the server has started; with Twilio credentials the
            // settings are checked at start, so this is a last guard.
            if (!_warned && !twilioOptions.Value.IsLocalMode)
                Logger.LogWarning("Callbacks cannot be placed: set Ivr:PublicBaseUrl and Twilio:PhoneNumber (the number callbacks come from)");
            _warned = !twilioOptions.Value.IsLocalMode;
            return;
        }

        var definition = menus.Current;
        foreach (var department in definition.Departments.Values)
        {
            // Twilio down or refusing us: claim nothing, so no booking loses a try and no agent is held.
            while (twilioHealth.MayCall && Time.GetUtcNow() >= _nextCallAllowed
                   && await store.ClaimAsync(department, definition.Hotline.TimeZone, Time.GetUtcNow(), cancellationToken) is { } claim)
            {
                _nextCallAllowed = Time.GetUtcNow() + TimeSpan.FromSeconds(1 / settings.CallsPerSecond);
                await PlaceAsync(claim, publicBase, from, settings, cancellationToken);
            }
        }
    }

    private async Task PlaceAsync(CallbackClaim claim, string publicBase, string from, CallbackOptions settings, CancellationToken cancellationToken)
    {
        var path = $"{publicBase}/voice/callbacks/{claim.CallbackId}";
        var request = new CreateCallRequest
        {
            To = claim.Number,
            From = from,
            Url = new Uri(ConnectionOverrides.Apply($"{path}/answer?attempt={claim.Attempt}", twilioOptions.Value.ConnectionOverrides)),
            StatusCallback = new Uri(ConnectionOverrides.Apply($"{path}/status?attempt={claim.Attempt}", twilioOptions.Value.ConnectionOverrides)),
            TimeoutSeconds = settings.RingSeconds,
        };
        try
        {
            var call = await twilio.CreateCallAsync(request, cancellationToken);
            await store.PlacedAsync(claim.CallbackId, claim.Attempt, call.Sid, Time.GetUtcNow(), CancellationToken.None);
            Logger.LogInformation("Callback {Reference} try {Attempt}: calling the customer as {CallSid} for {Agent}",
                claim.Reference, claim.Attempt, call.Sid, claim.AgentId);
        }
        catch (Exception notPlaced) when (TwilioFailure.CertainlyNotPlaced(notPlaced))
        {
            // Too many calls for now (429), Twilio unreachable or refusing our credentials: the try never happened;
            // the booking keeps its tries and its place, and the agent is free again.
            Logger.LogWarning("Callback {Reference}: Twilio did not place the call ({Message}); trying again later",
                claim.Reference, PhoneMask.InText(notPlaced.Message));
            await store.ReturnClaimAsync(claim.CallbackId, claim.Attempt, Time.GetUtcNow(), CancellationToken.None);
        }
        catch (TwilioApiException refused) when (refused.HttpStatus is >= 400 and < 500)
        {
            // Twilio refused the request (a number it will not call, a permission): certainly not placed.
            // Twilio's message may name the number ("Account not authorized to call +48..."): the log masks it.
            Logger.LogWarning("Callback {Reference} try {Attempt} was refused by Twilio: {Message}", claim.Reference, claim.Attempt,
                PhoneMask.InText(refused.Message));
            await store.TryEndedAsync(claim.CallbackId, claim.Attempt, $"refused: {refused.Message}", Time.GetUtcNow(),
                TimeSpan.FromSeconds(settings.RetryDelaySeconds), settings.MaxAttempts, cancellationToken: CancellationToken.None);
        }
        catch (Exception unsure) when (!cancellationToken.IsCancellationRequested)
        {
            // A gateway's 5xx, a timeout, a connection lost after sending: Twilio may have placed the call. The agent
            // goes back to the queue now; the try stays open until Twilio's webhooks tell, or until it is safe to
            // assume nothing rang.
            Logger.LogWarning("Callback {Reference} try {Attempt}: unsure whether Twilio placed the call ({Failure}); " +
                              "waiting for its webhooks before trying again", claim.Reference, claim.Attempt,
                $"{unsure.GetType().Name}: {PhoneMask.InText(unsure.Message)}");
            await store.ReleaseAgentAsync(claim.CallbackId, Time.GetUtcNow(), awayFor: null, CancellationToken.None);
        }
    }

    private async Task SettleUnconfirmedAsync(CallbackOptions settings, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        foreach (var stale in await store.UnconfirmedAsync(now - TimeSpan.FromSeconds(settings.UnconfirmedAttemptSeconds), cancellationToken))
        {
            // No answer webhook and no status callback for longer than any ring: nothing is ringing any more.
            var result = stale.AttemptCallSid is null ? "unconfirmed" : "no-status";
            var status = await store.TryEndedAsync(stale.Id, stale.Attempts, result, now,
                TimeSpan.FromSeconds(settings.RetryDelaySeconds), settings.MaxAttempts, cancellationToken: cancellationToken);
            Logger.LogWarning("Callback {Reference} try {Attempt} was never confirmed by Twilio; now {Status}",
                stale.Reference, stale.Attempts, status);
        }
        foreach (var hungUp in await store.AnsweredButEndedAsync(now - AnsweredGrace, cancellationToken))
        {
            // The customer answered but the call ended without a conversation with an agent being reported.
            var status = await store.TryEndedAsync(hungUp.Id, hungUp.Attempts, "hung-up", now,
                TimeSpan.FromSeconds(settings.RetryDelaySeconds), settings.MaxAttempts, answeredToo: true, cancellationToken);
            Logger.LogInformation("Callback {Reference} try {Attempt} was answered but never put through; now {Status}",
                hungUp.Reference, hungUp.Attempts, status);
        }
    }
}
