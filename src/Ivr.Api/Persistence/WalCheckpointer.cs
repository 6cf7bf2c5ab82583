namespace Ivr.Api.Persistence;

/// <summary>
/// Keeps SQLite's write-ahead log short by checkpointing every second on its own connection, so that the
/// fsyncs of a checkpoint never hold up a webhook's write. SQLite only: on PostgreSQL it stops at once (the server
/// checkpoints its own log).
/// </summary>
public sealed class WalCheckpointer(Database database, ILogger<WalCheckpointer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.IsPostgres)
            return;
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await database.CheckpointAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Checkpoint of {Database} failed; the next one retries", database.DataSource);
            }
        }
    }
}
