using System.Threading.Channels;
using Ivr.Api.Menus;
using Ivr.Api.Twilio;
using Ivr.Api.Voice;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Queues;

/// <summary>
/// Connects waiting callers to free agents: whenever something changes (a caller joins, an agent comes back) and
/// at least every second, it offers each department's longest-waiting caller to its longest-free agent and
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
    ILogger<QueueDistributor> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private bool _warned;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a distribution round now (a caller joined, an agent became free).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DistributeAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "Distribution round failed; the next one retries");
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            using var tick = new CancellationTokenSource(Tick, time);
            using var _ = tick.Token.Register(wait.Cancel);
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // A quiet second: agents may have come back from wrap-up or a missed call.
            }
        }
    }

    // Ivr:PublicBaseUrl; in local mode, where the simulator calls on this machine, the server's own address will do.
    private string? PublicBase()
    {
        if (!string.IsNullOrEmpty(ivr.Value.PublicBaseUrl))
            return ivr.Value.PublicBaseUrl.TrimEnd('/');
        if (!twilioOptions.Value.IsLocalMode)
            return null;
        return PublicUrl.Listening(server);
    }

    /// <summary>One round over every department until nobody waits or nobody is free.</summary>
    public async Task DistributeAsync(CancellationToken cancellationToken)
    {
        if (PublicBase() is not { } publicBase)
        {
            // (In local mode the address is missing only until the server has started.)
            if (!_warned && !twilioOptions.Value.IsLocalMode)
                logger.LogWarning("Ivr:PublicBaseUrl is not set: callers wait in queues but cannot be redirected to " +
                                  "agents, because Twilio needs an absolute URL of this service for that");
            _warned = !twilioOptions.Value.IsLocalMode;
            return;
        }
        var definition = menus.Current;
        foreach (var department in definition.Departments.Values)
        {
            while (await queues.TryOfferAsync(department, definition.Hotline.TimeZone, time.GetUtcNow(), cancellationToken) is { } offer)
            {
                var url = $"{publicBase}/voice/queue/{department.Id}/connect?entry={offer.EntryId}";
                try
                {
                    await twilio.UpdateCallAsync(offer.CallSid, UpdateCallRequest.Redirect(new Uri(url)), cancellationToken);
                    logger.LogInformation("Call {CallSid} in {Department} offered to {Agent}", offer.CallSid, department.Id, offer.AgentId);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The caller keeps their place and the agent stays free; the next round tries again.
                    logger.LogWarning(exception, "Redirecting call {CallSid} to {Agent} failed", offer.CallSid, offer.AgentId);
                    await queues.ReturnAsync(offer.EntryId, time.GetUtcNow(), awayFor: null, CancellationToken.None);
                    break;
                }
            }
        }
    }
}
