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
    IOptions<IvrOptions> ivr,
    IOptions<TwilioOptions> twilioOptions,
    IServer server,
    TimeProvider time,
    ILogger<QueueDistributor> logger) : RoundsService(time, logger)
{
    private bool _warned;

    protected override async Task<DateTimeOffset?> RoundAsync(CancellationToken cancellationToken)
    {
        // What is due is judged at the round's start: anything that came due while it ran gets the next round at once.
        var now = Time.GetUtcNow();
        await DistributeAsync(cancellationToken);
        return await queues.NextDueAsync(menus.Current, now, cancellationToken);
    }

    /// <summary>One round over every department until nobody waits or nobody is free.</summary>
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
        var definition = menus.Current;
        foreach (var department in definition.Departments.Values)
        {
            while (await queues.TryOfferAsync(department, definition.Hotline.TimeZone, Time.GetUtcNow(), cancellationToken) is { } offer)
            {
                var url = $"{publicBase}/voice/queue/{department.Id}/connect?entry={offer.EntryId}";
                try
                {
                    await twilio.UpdateCallAsync(offer.CallSid, UpdateCallRequest.Redirect(new Uri(url)), cancellationToken);
                    Logger.LogInformation("Call {CallSid} in {Department} offered to {Agent}", offer.CallSid, department.Id, offer.AgentId);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The caller keeps their place and the agent stays free; the next round tries again.
                    Logger.LogWarning(exception, "Redirecting call {CallSid} to {Agent} failed", offer.CallSid, offer.AgentId);
                    await queues.ReturnAsync(offer.EntryId, Time.GetUtcNow(), awayFor: null, CancellationToken.None);
                    break;
                }
            }
        }
    }
}
