using System.Threading.Channels;

namespace Ivr.Api.Queues;

/// <summary>
/// Background work done in rounds: a round as soon as something changes (<see cref="Wake"/>: a caller joined, an
/// agent became free, a callback was booked) and at least every second on the service's clock (agents come back
/// from wrap-up, retries come due). A failed round is logged and the next one tries again.
/// </summary>
public abstract class RoundsService(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The service's clock, for the rounds' own use.</summary>
    protected TimeProvider Time => time;

    /// <summary>The service's logger, for the rounds' own use.</summary>
    protected ILogger Logger => logger;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a round now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>One round of the work.</summary>
    protected abstract Task RoundAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "A round of {Service} failed; the next one retries", GetType().Name);
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
                // A quiet second: time alone may have made work due.
            }
        }
    }
}
