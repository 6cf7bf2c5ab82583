namespace Ivr.Api.Queues;

/// <summary>
/// Rebuilds <see cref="DepartmentRates"/> from the database every <see cref="DepartmentRates.RefreshEvery"/> on the
/// service's clock, so that handle times and patience learned from calls answered on other instances count here too.
/// </summary>
public sealed class RatesRefresher(DepartmentRates rates, TimeProvider time, ILogger<RatesRefresher> logger) : BackgroundService
{
    private TaskCompletionSource _round = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next rebuild is over (whatever became of it).</summary>
    public Task NextRound => Volatile.Read(ref _round).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Loaded at start already; the first rebuild is one interval later.
                await Task.Delay(DepartmentRates.RefreshEvery, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await rates.RefreshAsync(time.GetUtcNow(), stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // What this instance learned stays in use until the next rebuild.
                logger.LogWarning(exception, "Learning handle times and patience from the database failed; tried again in {Seconds} s",
                    DepartmentRates.RefreshEvery.TotalSeconds);
            }
            Interlocked.Exchange(ref _round, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
