namespace Ivr.Api.Menus;

/// <summary>
/// Keeps this instance on the live menu of the database: every <see cref="PollInterval"/> on the service's clock it
/// asks for the newest activation's id (one indexed row) and, when another instance saved, rolled back or took a
/// file edit since, makes that version live here. So an edit on any instance is live on all within about a second.
/// </summary>
public sealed class MenuSync(MenuCatalog catalog, TimeProvider time, ILogger<MenuSync> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private TaskCompletionSource _round = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next look at the database is over (whatever it found).</summary>
    public Task NextRound => Volatile.Read(ref _round).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await catalog.FollowDatabaseAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is unreachable for a moment: this instance keeps its live menu and asks again.
                logger.LogWarning(exception, "Asking the database for the live menu failed; asked again in {Seconds} s", PollInterval.TotalSeconds);
            }
            Interlocked.Exchange(ref _round, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            try
            {
                await Task.Delay(PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
