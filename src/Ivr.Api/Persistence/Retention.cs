using Dapper;
using Microsoft.Extensions.Options;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;

namespace Ivr.Api.Persistence;

/// <summary>
/// Deletes personal data older than Data:RetentionDays: calls with their events and wait announcements, queue
/// entries that ended, and callbacks that are over (connected, failed, cancelled) with their tries. Runs at start
/// and then once a day by the service's clock. Rows are found on a reading connection and deleted by key in small
/// batches, so the single writer is never held for more than a moment and webhooks go on meanwhile.
/// </summary>
public sealed class Retention : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>How often it wakes to see whether a day has passed on the service's clock.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(10);

    private const int Batch = 500;

    /// <summary>The statuses of a callback that is over; any other status is still someone's booking.</summary>
    private static readonly string[] FinishedCallbacks = [CallbackText.Connected, CallbackText.Failed, CallbackText.Canceled];

    private readonly Database database;
    private readonly IOptions<DataOptions> options;
    private readonly TimeProvider time;
    private readonly TimeProvider wakeUps;
    private readonly ILogger<Retention> logger;

    public Retention(Database database, IOptions<DataOptions> options, TimeProvider time, ILogger<Retention> logger)
        : this(database, options, time, TimeProvider.System, logger)
    {
    }

    /// <summary>
    /// With the clock it wakes on given apart: on the real clock in the service, so that a simulated clock's next
    /// timer stays the hotline's own work (simulations jump to it) and never a purge a day away.
    /// </summary>
    internal Retention(Database database, IOptions<DataOptions> options, TimeProvider time, TimeProvider wakeUps, ILogger<Retention> logger)
    {
        this.database = database;
        this.options = options;
        this.time = time;
        this.wakeUps = wakeUps;
        this.logger = logger;
    }

    /// <summary>After each wake-up, once the next is set: the rows deleted, or null when no purge was due.</summary>
    internal event Action<int?>? Checked;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var due = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            int? deleted = null;
            if (time.GetUtcNow() >= due)
            {
                due = time.GetUtcNow() + Interval;
                try
                {
                    deleted = await PurgeAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(exception, "Deleting data older than {Days} days failed; it is tried again in a day", options.Value.RetentionDays);
                    deleted = 0;
                }
            }
            var wake = Task.Delay(CheckEvery, wakeUps, stoppingToken);
            Checked?.Invoke(deleted);
            try
            {
                await wake;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Deletes what is older than the retention period; returns how many rows went.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = (time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays)).ToUnixTimeMilliseconds();
        var deleted = 0;
        deleted += await DeleteAsync<long>(
            "SELECT id FROM call_events WHERE at < @cutoff",
            $"DELETE FROM call_events WHERE id {database.In("@ids")}", cutoff, cancellationToken);
        deleted += await DeleteAsync<long>(
            "SELECT id FROM announcements WHERE at < @cutoff",
            $"DELETE FROM announcements WHERE id {database.In("@ids")}", cutoff, cancellationToken);
        deleted += await DeleteAsync<long>(
            "SELECT id FROM queue_entries WHERE ended_at IS NOT NULL AND ended_at < @cutoff",
            $"DELETE FROM queue_entries WHERE id {database.In("@ids")}", cutoff, cancellationToken);
        deleted += await DeleteAsync<long>(
            "SELECT id FROM shop_lookups WHERE at < @cutoff",
            $"DELETE FROM shop_lookups WHERE id {database.In("@ids")}", cutoff, cancellationToken);
        // A callback's tries go with it (they reference it); the booking is over and its last change is old.
        var finished = $"SELECT id FROM callbacks WHERE status IN ('{string.Join("', '", FinishedCallbacks)}') " +
                       "AND COALESCE(ended_at, updated_at, requested_at) < @cutoff";
        deleted += await DeleteAsync<long>(finished,
            $"""
            DELETE FROM callback_attempts WHERE callback_id {database.In("@ids")};
            DELETE FROM callbacks WHERE id {database.In("@ids")};
            """, cutoff, cancellationToken);
        // A call is kept while anything still refers to it (a waiting entry, an open callback, an agent on it).
        deleted += await DeleteAsync<string>(
            """
            SELECT call_sid FROM calls c
            WHERE c.updated_at < @cutoff
              AND NOT EXISTS (SELECT 1 FROM queue_entries q WHERE q.call_sid = c.call_sid)
              AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.call_sid = c.call_sid)
              AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.busy_call_sid = c.call_sid)
            """,
            $"DELETE FROM calls WHERE call_sid {database.In("@ids")}", cutoff, cancellationToken);
        if (deleted > 0)
            logger.LogInformation("Deleted {Count} rows older than {Days} days (Data:RetentionDays)", deleted, options.Value.RetentionDays);
        return deleted;
    }

    private async Task<int> DeleteAsync<TKey>(string select, string delete, long cutoff, CancellationToken cancellationToken)
    {
        List<TKey> keys;
        await using (var connection = await database.OpenAsync(cancellationToken))
            keys = (await connection.QueryAsync<TKey>(select, new { cutoff })).ToList();
        var deleted = 0;
        foreach (var chunk in keys.Chunk(Batch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await database.WriteAsync((connection, transaction) =>
                connection.ExecuteAsync(delete, new { ids = chunk }, transaction), cancellationToken);
            deleted += chunk.Length;
        }
        return deleted;
    }
}
