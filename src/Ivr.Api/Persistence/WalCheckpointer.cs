namespace Ivr.Api.Persistence;

/// <summary>
/// Keeps SQLite's write-ahead log short by checkpointing twenty times a second on its own connection, so that the
/// fsyncs of a checkpoint never hold up a webhook's write, and the writer's own log restart (every 64 MB written under
/// load), which waits for the end of one of these, finds little left to copy: every 200 ms instead of every second cut
/// the p90 of new-call webhooks under load from about 70 to 45 ms, and every 50 ms, with the restart right after one,
/// their p99 at 32 connections from 72-85 to 49-62 ms (docs/benchmarks.md). SQLite only: on PostgreSQL it stops at
/// once (the server checkpoints its own log).
/// </summary>
public sealed class WalCheckpointer(Database database, ILogger<WalCheckpointer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

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
