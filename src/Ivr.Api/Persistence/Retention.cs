using Dapper;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Persistence;

/// <summary>
/// Deletes personal data older than Data:RetentionDays: calls with their events and wait announcements, queue
/// entries that ended, and callbacks that are over (connected, failed, cancelled) with their tries. Runs at start
/// and then once a day, on the service's clock. Rows are found on a reading connection and deleted by key in small
/// batches, so the single writer is never held for more than a moment and webhooks go on meanwhile.
/// </summary>
public sealed class Retention(Database database, IOptions<DataOptions> options, TimeProvider time, ILogger<Retention> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);
    private const int Batch = 500;

    /// <summary>The statuses of a callback that is over; any other status is still someone's booking.</summary>
    private static readonly string[] FinishedCallbacks = ["connected", "failed", "canceled"];

    /// <summary>After each scheduled purge, with the number of rows deleted (for tests to follow the schedule).</summary>
    internal event Action<int>? Purged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // A day from the start of this run, however long the run takes.
            var next = time.GetUtcNow() + Interval;
            try
            {
                Purged?.Invoke(await PurgeAsync(stoppingToken));
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "Deleting data older than {Days} days failed; it is tried again in a day", options.Value.RetentionDays);
            }
            try
            {
                if (next - time.GetUtcNow() is { Ticks: > 0 } wait)
                    await Task.Delay(wait, time, stoppingToken);
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
            "DELETE FROM call_events WHERE id IN @ids", cutoff, cancellationToken);
        deleted += await DeleteAsync<long>(
            "SELECT id FROM announcements WHERE at < @cutoff",
            "DELETE FROM announcements WHERE id IN @ids", cutoff, cancellationToken);
        deleted += await DeleteAsync<long>(
            "SELECT id FROM queue_entries WHERE ended_at IS NOT NULL AND ended_at < @cutoff",
            "DELETE FROM queue_entries WHERE id IN @ids", cutoff, cancellationToken);
        // A callback's tries go with it (they reference it); the booking is over and its last change is old.
        var finished = $"SELECT id FROM callbacks WHERE status IN ('{string.Join("', '", FinishedCallbacks)}') " +
                       "AND COALESCE(ended_at, updated_at, requested_at) < @cutoff";
        deleted += await DeleteAsync<long>(finished,
            """
            DELETE FROM callback_attempts WHERE callback_id IN @ids;
            DELETE FROM callbacks WHERE id IN @ids;
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
            "DELETE FROM calls WHERE call_sid IN @ids", cutoff, cancellationToken);
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
