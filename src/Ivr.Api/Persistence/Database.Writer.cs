using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Ivr.Api.Persistence;

/// <summary>SQLite's one writer: the queue of writes, the group commit, and the write-ahead log kept short.</summary>
public sealed partial class Database
{
    private const int MaxBatch = 128;
    private static readonly TimeSpan LogRestartInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The write-ahead log is restarted once the writer has appended this much to it, however short the time since the
    /// last restart; the file is kept at this size. Each restart holds the writer while it copies and fsyncs what the
    /// background checkpoint has not copied yet (a few to about 100 ms under saturation on the project's machine), so
    /// a longer log means fewer of them: 64 MB instead of 16 MB gave 14 % more new calls a second under saturation
    /// (docs/benchmarks.md).
    /// </summary>
    public const long DefaultLogRestartBytes = 64 * 1024 * 1024;

    /// <summary>How much the writer appends to the write-ahead log before it restarts it (see <see cref="DefaultLogRestartBytes"/>).</summary>
    public long LogRestartBytes { get; }
    private static readonly TimeSpan LogRestartRetry = TimeSpan.FromMilliseconds(100);
    private long _lastLogRestart;
    private long _nextLogRestartTry;
    // Bytes the writer has appended to the write-ahead log since it last started over (pages of _pageSize each).
    private long _logBytes;
    private long _pageSize;
    // 1 once a background checkpoint has ended, until the writer's next look at the log (RestartLogIfDueAsync).
    private int _checkpointEnded;

    private readonly Channel<PendingWrite> _queue =
        Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writerLoop;
    private SqliteConnection? _writer;
    private readonly Dictionary<string, DbCommand> _prepared = [];

    private Task<T> Enqueue<T>(PendingWrite<T> write)
    {
        return _queue.Writer.TryWrite(write)
            ? write.Done.Task
            : Task.FromException<T>(new ObjectDisposedException(nameof(Database), "The database is shut down; no more writes are taken."));
    }

    private abstract class PendingWrite(bool durable, CancellationToken cancellationToken)
    {
        public bool Durable { get; } = durable;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public abstract Task RunAsync(DbConnection connection, DbTransaction transaction);
        public abstract void Committed();
        public abstract void Failed(Exception exception);
        public abstract void Canceled();
    }

    private sealed class PendingWrite<T>(Func<DbConnection, DbTransaction, Task<T>> work, bool durable, CancellationToken cancellationToken)
        : PendingWrite(durable, cancellationToken)
    {
        private T _result = default!;

        // Continuations run on the caller's side, never on the writer loop, so no caller holds up the next batch.
        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override async Task RunAsync(DbConnection connection, DbTransaction transaction) => _result = await work(connection, transaction);
        public override void Committed() => Done.TrySetResult(_result);
        public override void Failed(Exception exception) => Done.TrySetException(exception);
        public override void Canceled() => Done.TrySetCanceled(CancellationToken);
    }

    // The one writer: takes what has gathered (up to MaxBatch), commits it, answers those callers, and goes on.
    // A caller only ever waits for its own batch; the loop ends when DisposeAsync closes the queue and it is empty.
    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
                batch.Add(write);
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            _writer ??= await OpenWriterAsync(CancellationToken.None);
            var live = new List<PendingWrite>(batch.Count);
            foreach (var write in batch)
            {
                if (write.CancellationToken.IsCancellationRequested)
                    write.Canceled();
                else
                    live.Add(write);
            }
            // The writer runs with NORMAL (no fsync per commit) unless Data:Synchronous is Full; a batch holding a
            // durable write is committed with FULL, which also makes every earlier commit in the log durable.
            var fsyncThisBatch = Synchronous == SynchronousMode.Normal && live.Exists(write => write.Durable);
            if (fsyncThisBatch)
                await _writer.ExecuteAsync("PRAGMA synchronous = FULL");
            // A batch runs as one plain transaction first. Only when one of its writes fails is it rolled back and run
            // again with a savepoint around each write, so that the failed one alone is left out (a write may therefore
            // run twice: see WriteAsync). Most batches fail nowhere and skip two statements a write, and the copies of
            // the pages each savepoint keeps (docs/benchmarks.md).
            var committed = await TryRunAsOneAsync(_writer, live) ? live : await RunEachInSavepointAsync(_writer, live);
            Metrics.HotlineMetrics.WriterCommitted(batch.Count, Stopwatch.GetElapsedTime(started));
            foreach (var write in committed)
                write.Committed();
            if (fsyncThisBatch)
                await _writer.ExecuteAsync("PRAGMA synchronous = NORMAL");
            await RestartLogIfDueAsync(_writer);
        }
        catch (Exception exception)
        {
            // The batch as a whole failed (disk full, file gone): nothing of it was kept, every caller hears of it,
            // and a writer in an unknown state is replaced rather than reused.
            foreach (var write in batch)
                write.Failed(exception);
            ReplaceWriter();
        }
    }

    // Runs the writes in one transaction and commits it: false, with nothing kept, as soon as one of them fails.
    private static async Task<bool> TryRunAsOneAsync(SqliteConnection writer, List<PendingWrite> writes)
    {
        await using var transaction = await writer.BeginTransactionAsync();
        foreach (var write in writes)
        {
            try
            {
                await write.RunAsync(writer, transaction);
            }
            catch (Exception)
            {
                await transaction.RollbackAsync();
                return false;
            }
        }
        await transaction.CommitAsync();
        return true;
    }

    // Runs the writes in one transaction, each in a savepoint of its own: one that fails is rolled back alone and its
    // caller told. Returns those committed.
    private static async Task<List<PendingWrite>> RunEachInSavepointAsync(SqliteConnection writer, List<PendingWrite> writes)
    {
        var committed = new List<PendingWrite>(writes.Count);
        await using var transaction = await writer.BeginTransactionAsync();
        foreach (var write in writes)
        {
            transaction.Save("write");
            try
            {
                await write.RunAsync(writer, transaction);
                transaction.Release("write");
                committed.Add(write);
            }
            catch (Exception exception)
            {
                transaction.Rollback("write");
                transaction.Release("write");
                write.Failed(exception);
            }
        }
        await transaction.CommitAsync();
        return committed;
    }

    // The background checkpoint copies pages beside the writer, but a writer that is never idle never lets the log
    // start over: under saturation small batches append tens of megabytes a second, and a log hundreds of megabytes
    // long slows every page lookup. So between two batches, every ten seconds or as soon as the writer has appended
    // LogRestartBytes to the log, the writer itself finishes the copy (mostly done already), waits briefly for readers
    // still on older pages (busy_timeout), and has the next commit write the log again from its start (RESTART).
    // The writer is held while that copy and its fsyncs run, and they take as long as there is to sync: so a restart
    // that is due waits for the first batch after a background checkpoint has ended, when what is left is only what
    // was written while that checkpoint ran. Should none end (a failing checkpoint), the log starts over anyway once
    // it holds half again LogRestartBytes.
    // The file is not emptied: cutting it and growing it again held the writer four to ten times as long
    // (docs/benchmarks.md), and journal_size_limit keeps it at LogRestartBytes. Readers that keep it busy make it try
    // again later.
    private async Task RestartLogIfDueAsync(SqliteConnection writer)
    {
        // SQLite counts the pages the writer's cache has written out, which in WAL mode go to the log, one frame each.
        raw.sqlite3_db_status(writer.Handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var pagesWritten, out _, 1);
        _logBytes += pagesWritten * _pageSize;
        var checkpointJustEnded = Interlocked.Exchange(ref _checkpointEnded, 0) == 1;
        var now = _timeProvider.GetTimestamp();
        if (now < _nextLogRestartTry)
            return;
        if (_timeProvider.GetElapsedTime(_lastLogRestart, now) < LogRestartInterval && _logBytes < LogRestartBytes)
            return;
        if (!checkpointJustEnded && _logBytes < LogRestartBytes * 3 / 2)
            return;
        var (busy, _, _) = await writer.QuerySingleAsync<(long Busy, long Frames, long Copied)>("PRAGMA wal_checkpoint(RESTART)");
        if (busy == 0)
            (_lastLogRestart, _logBytes) = (now, 0);
        else
            _nextLogRestartTry = now + (long)(LogRestartRetry.TotalSeconds * _timeProvider.TimestampFrequency);
    }

    private void ReplaceWriter()
    {
        foreach (var command in _prepared.Values)
            command.Dispose();
        _prepared.Clear();
        _writer?.Dispose();
        _writer = null;
    }

    // The one writing connection, kept open: its settings are made once, and writes skip the pool.
    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL with NORMAL: a commit is not fsynced, so a power cut may lose the last commits (never corrupt the
        // file); durable writes switch their batch to FULL. Checkpoints (which do fsync) run in the background
        // (WalCheckpointer), not inside a caller's webhook.
        var synchronous = Synchronous == SynchronousMode.Full ? "FULL" : "NORMAL";
        // journal_size_limit: a log SQLite restarts on its own is cut back to that size too; busy_timeout: how long the
        // writer's log restart waits for readers on older pages (nothing else makes the only writer wait).
        // cache_size: 8 MB. A commit after a B-tree page split walks the whole page cache (SQLite parks a moved page
        // under the number of the file's lock page, beyond the file's end, and the commit then trims every page past
        // the end), so a larger cache costs every such commit: at 64 MB the walk was an eighth of the process's CPU.
        await connection.ExecuteAsync(
            $"PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -8192; " +
            $"PRAGMA journal_size_limit = {LogRestartBytes}; PRAGMA busy_timeout = 100;");
        _pageSize = await connection.ExecuteScalarAsync<long>("PRAGMA page_size");
        return connection;
    }

    /// <summary>
    /// Copies committed pages from the write-ahead log into the database file without blocking writers; a log restart
    /// that is due follows it, after the writer's next batch.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (IsPostgres)
            return;
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA wal_checkpoint(PASSIVE)");
        Volatile.Write(ref _checkpointEnded, 1);
    }
}
