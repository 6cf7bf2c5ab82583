using System.Threading.Channels;

namespace Ivr.Api.Queues;

/// <summary>
/// Background work done in rounds: a round as soon as something changes (<see cref="Wake"/>: a caller joined, an
/// agent became free, a callback was booked), and otherwise when the last round said its next work comes due (an
/// agent's wrap-up ends, a retry comes due, the next slot of a rate limit), at the latest after
/// <see cref="MaxSleep"/> on the service's clock. A failed round is logged and the next one tries again a second later.
/// </summary>
public abstract class RoundsService(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The longest sleep without a round: a safety net for work that comes due without a wake and that no
    /// round foresaw. Short enough that no caller waits long for a free agent because of it.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(10);

    /// <summary>How soon a round runs again when work could be done now but the last round could not do it (a
    /// request to Twilio failed, or the round failed).</summary>
    public static readonly TimeSpan RetrySoon = TimeSpan.FromSeconds(1);

    /// <summary>The service's clock, for the rounds' own use.</summary>
    protected TimeProvider Time => time;

    /// <summary>The service's logger, for the rounds' own use.</summary>
    protected ILogger Logger => logger;

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private long _wakes;

    /// <summary>How many rounds were asked for so far: tells whether a request asked for one before its answer was out.</summary>
    public long WakesAsked => Interlocked.Read(ref _wakes);

    /// <summary>Asks for a round now.</summary>
    public void Wake()
    {
        Interlocked.Increment(ref _wakes);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Asks for a round once the webhook's answer has gone out. A round woken sooner may redirect the same call
    /// through the REST API before Twilio has that answer, and Twilio then drops the answer (and what it says).
    /// </summary>
    public void WakeAfterAnswer(HttpRequest request) =>
        request.HttpContext.Response.OnCompleted(() =>
        {
            Wake();
            return Task.CompletedTask;
        });

    /// <summary>One round of the work; returns when the next one is due if nothing wakes it, or null when only a
    /// change (a wake) can bring new work.</summary>
    protected abstract Task<DateTimeOffset?> RoundAsync(CancellationToken cancellationToken);

    /// <summary>How long to sleep after a round that asked for the next at <paramref name="due"/>.</summary>
    public static TimeSpan SleepUntil(DateTimeOffset? due, DateTimeOffset now)
    {
        if (due is not { } at)
            return MaxSleep;
        var sleep = at - now;
        // Due already: the next round at once (a timer of zero fires on the next tick of any clock).
        return sleep <= TimeSpan.Zero ? TimeSpan.Zero : sleep < MaxSleep ? sleep : MaxSleep;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset? due;
            try
            {
                due = await RoundAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "A round of {Service} failed; the next one retries", GetType().Name);
                due = time.GetUtcNow() + RetrySoon;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            using var timer = new CancellationTokenSource(SleepUntil(due, time.GetUtcNow()), time);
            using var _ = timer.Token.Register(wait.Cancel);
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Work came due with time alone.
            }
        }
    }
}
