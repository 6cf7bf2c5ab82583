using Ivr.Api.Menus;
using Ivr.Api.Twilio;
using Ivr.Api.Voice;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Queues;

/// <summary>
/// Connects waiting callers to free agents: whenever something changes (a caller joins, an agent comes back) and
/// when an agent's wrap-up or time away ends while someone waits, it offers each department's longest-waiting caller to its longest-free agent and
/// redirects that call through Twilio's REST API to TwiML that dials the agent.
/// </summary>
public sealed class QueueDistributor(
    QueueStore queues,
    MenuCatalog menus,
    ITwilioCalls twilio,
    TwilioHealth twilioHealth,
    IOptions<IvrOptions> ivr,
    IOptions<TwilioOptions> twilioOptions,
    IServer server,
    TimeProvider time,
    ILogger<QueueDistributor> logger) : RoundsService(time, logger)
{
    /// <summary>Seconds a caller whose redirect failed for a passing reason is left out of the offers.</summary>
    public const int SetAsideAfterFailureSeconds = 15;

    private bool _warned;

    private readonly SemaphoreSlim _oneRound = new(1, 1);

    protected override async Task<DateTimeOffset?> RoundAsync(CancellationToken cancellationToken)
    {
        // What is due is judged at the round's start: anything that came due while it ran gets the next round at once.
        var now = Time.GetUtcNow();
        await DistributeAsync(cancellationToken);
        var next = await queues.NextDueAsync(menus.Current, now, cancellationToken);
        // While Twilio is left alone, the round that may send the trial request is due when the wait is over.
        return twilioHealth.MayCall ? next : QueueStore.Earliest(next, twilioHealth.Current().NextTrialAt);
    }

    /// <summary>
    /// One round over every department until nobody waits or nobody is free. Rounds run one at a time, so that a
    /// caller set aside by one is not offered by another meanwhile.
    /// </summary>
    public async Task DistributeAsync(CancellationToken cancellationToken)
    {
        if (PublicUrl.OfService(ivr.Value, twilioOptions.Value, server) is not { } publicBase)
        {
            // (In local mode the address is missing only until the server has started.)
            if (!_warned && !twilioOptions.Value.IsLocalMode)
                Logger.LogWarning("Ivr:PublicBaseUrl is not set: callers wait in queues but cannot be redirected to " +
                                  "agents, because Twilio needs an absolute URL of this service for that");
            _warned = !twilioOptions.Value.IsLocalMode;
            return;
        }
        await _oneRound.WaitAsync(cancellationToken);
        try
        {
            var definition = menus.Current;
            foreach (var department in definition.Departments.Values)
                await DistributeAsync(department, definition.Hotline.TimeZone, publicBase, cancellationToken);
        }
        finally
        {
            _oneRound.Release();
        }
    }

    private async Task DistributeAsync(Ivr.Flows.Model.Department department, TimeZoneInfo zone, string publicBase, CancellationToken cancellationToken)
    {
        // Twilio down or refusing us: offer nothing, so callers keep their places and agents stay free.
        while (twilioHealth.MayCall && await queues.TryOfferAsync(department, zone, Time.GetUtcNow(), cancellationToken) is { } offer)
        {
            var url = $"{publicBase}/voice/queue/{department.Id}/connect?entry={offer.EntryId}&offer={offer.Number}";
            try
            {
                await twilio.UpdateCallAsync(offer.CallSid,
                    UpdateCallRequest.Redirect(new Uri(ConnectionOverrides.Apply(url, twilioOptions.Value.ConnectionOverrides))), cancellationToken);
                Logger.LogInformation("Call {CallSid} in {Department} offered to {Agent}", offer.CallSid, department.Id, offer.AgentId);
            }
            catch (Exception gone) when (HasEnded(gone) && !cancellationToken.IsCancellationRequested)
            {
                // The caller hung up and we never heard (a lost status callback): nobody is left to serve. Closing the
                // entry keeps it from coming first in every round; the agent is free and the round goes on.
                Logger.LogWarning("Call {CallSid} in {Department} has ended ({Reason}); its place in line is closed as lost",
                    offer.CallSid, department.Id, gone.Message);
                await queues.CloseLostAsync(offer.EntryId, offer.Number, Time.GetUtcNow(), CancellationToken.None);
            }
            catch (TwilioUnavailableException held) when (!cancellationToken.IsCancellationRequested)
            {
                // The breaker held the request back (nothing was sent): the caller keeps their place as it was.
                Logger.LogInformation("Call {CallSid} stays in line: {Reason}", offer.CallSid, held.Message);
                await queues.ReturnAsync(offer.EntryId, offer.Number, Time.GetUtcNow(), awayFor: null, setAside: null, CancellationToken.None);
                return;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A passing failure (5xx, timeout, network): the caller keeps their place but is set aside for a moment,
                // so that the callers behind them are offered next; this department waits for the next round, in case
                // Twilio itself is down. Twilio may have carried the request out all the same (only its answer was
                // lost): if it already asked for this offer's TwiML, the agent's phone rings for this caller and the
                // offer stands.
                if (await queues.ReturnUnlessConnectedAsync(offer.EntryId, offer.Number, Time.GetUtcNow(),
                        TimeSpan.FromSeconds(SetAsideAfterFailureSeconds), CancellationToken.None))
                    Logger.LogWarning(exception, "Redirecting call {CallSid} to {Agent} failed; it is offered again in {Seconds} s",
                        offer.CallSid, offer.AgentId, SetAsideAfterFailureSeconds);
                else
                    Logger.LogWarning(exception, "Redirecting call {CallSid} to {Agent} reported a failure, but Twilio followed it",
                        offer.CallSid, offer.AgentId);
                return;
            }
        }
    }

    /// <summary>
    /// Twilio's answer that a call cannot be redirected because it is over: 21220 "Call is not in-progress", or 404
    /// for a call it does not know (as is a SID that is not a call SID at all).
    /// </summary>
    public static bool HasEnded(Exception exception) => exception is
        TwilioApiException { Code: 21220 } or TwilioApiException { HttpStatus: 404 } or ArgumentException { ParamName: "callSid" };
}
