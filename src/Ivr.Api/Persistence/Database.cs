using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Ivr.Api.Persistence;

/// <summary>
/// The one place that knows which database is used: opens connections, creates and upgrades the schema, and
/// funnels writes through one writer (SQLite has a single writer; one queue is cheaper and fairer than its busy loop).
/// </summary>
public sealed class Database : IAsyncDisposable
{
    public const string DefaultFileName = "ivr.db";
    public const string SynchronousKey = "Data:Synchronous";

    private readonly string _connectionString;
    private const int MaxBatch = 128;
    private static readonly TimeSpan LogRestartInterval = TimeSpan.FromSeconds(10);
    private readonly TimeProvider _timeProvider;
    private long _lastLogRestart;

    private readonly Channel<PendingWrite> _queue =
        Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writerLoop;
    private DbConnection? _writer;
    private readonly Dictionary<string, DbCommand> _prepared = [];

    public Database(IConfiguration configuration, TimeProvider? timeProvider = null)
    {
        var configured = configuration.GetConnectionString("Ivr");
        var builder = new SqliteConnectionStringBuilder(
            string.IsNullOrWhiteSpace(configured)
                ? $"Data Source={Path.Combine(AppContext.BaseDirectory, DefaultFileName)}"
                : configured)
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        Synchronous = ReadSynchronous(configuration);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _lastLogRestart = _timeProvider.GetTimestamp();
        // The loop outlives the request that first asks for the database: it must not carry that request's context.
        using (ExecutionContext.SuppressFlow())
            _writerLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>How ordinary writes are committed (<c>Data:Synchronous</c>); durable writes are always fsynced.</summary>
    public SynchronousMode Synchronous { get; }

    private static SynchronousMode ReadSynchronous(IConfiguration configuration)
    {
        var value = configuration[SynchronousKey];
        if (string.IsNullOrWhiteSpace(value))
            return SynchronousMode.Normal;
        if (Enum.TryParse<SynchronousMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode))
            return mode;
        throw new InvalidOperationException(
            $"{SynchronousKey} is '{value}'; set it to Normal (fsync only bookings and other durable writes) or Full (fsync every commit).");
    }

    /// <summary>A pooled connection for reading.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one atomic write. The writer commits whatever writes have gathered in one
    /// transaction (group commit), each inside its own savepoint: a write that fails is rolled back alone and its
    /// caller gets the exception; the others are committed. The returned task completes as soon as the batch holding
    /// this write is committed, whatever is queued behind it.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        Enqueue(new PendingWrite<T>(work, durable: false, cancellationToken));

    /// <summary>
    /// Like <see cref="WriteAsync{T}"/>, for a write that must survive a power cut once its caller has been told
    /// (a booking whose reference is read out): its batch is committed with <c>synchronous = FULL</c>, an fsync
    /// of the write-ahead log before the task completes.
    /// </summary>
    public Task<T> WriteDurableAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        Enqueue(new PendingWrite<T>(work, durable: true, cancellationToken));

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
        var committed = new List<PendingWrite>(batch.Count);
        try
        {
            _writer ??= await OpenWriterAsync(CancellationToken.None);
            // The writer runs with NORMAL (no fsync per commit) unless Data:Synchronous is Full; a batch holding a
            // durable write is committed with FULL, which also makes every earlier commit in the log durable.
            var fsyncThisBatch = Synchronous == SynchronousMode.Normal && batch.Exists(write => write.Durable);
            if (fsyncThisBatch)
                await _writer.ExecuteAsync("PRAGMA synchronous = FULL");
            await using (var transaction = await _writer.BeginTransactionAsync())
            {
                foreach (var write in batch)
                {
                    if (write.CancellationToken.IsCancellationRequested)
                    {
                        write.Canceled();
                        continue;
                    }
                    transaction.Save("write");
                    try
                    {
                        await write.RunAsync(_writer, transaction);
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
            }
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

    // The background checkpoint copies pages beside the writer, but a writer that is never idle never lets the
    // log start over, and a log hundreds of megabytes long slows every page lookup. So every ten seconds, between two
    // batches, the writer itself finishes the copy (mostly done already) and restarts the log.
    private async Task RestartLogIfDueAsync(DbConnection writer)
    {
        if (_timeProvider.GetElapsedTime(_lastLogRestart) < LogRestartInterval)
            return;
        _lastLogRestart = _timeProvider.GetTimestamp();
        await writer.ExecuteAsync("PRAGMA wal_checkpoint(RESTART)");
    }

    private void ReplaceWriter()
    {
        foreach (var command in _prepared.Values)
            command.Dispose();
        _prepared.Clear();
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>
    /// A command for <paramref name="sql"/> on the writer, compiled on first use and reused afterwards: every
    /// webhook runs the same few statements, and compiling them again each time would be most of their cost.
    /// Only for use inside <see cref="WriteAsync{T}"/>, whose work runs on the one writer loop, one write at a time.
    /// </summary>
    public DbCommand Prepared(DbConnection writer, DbTransaction transaction, string sql)
    {
        if (!ReferenceEquals(writer, _writer))
            throw new InvalidOperationException("Prepared statements belong to the writer connection of WriteAsync.");
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = writer.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        // Writes already queued are committed and answered; then the writer's connection goes.
        _queue.Writer.TryComplete();
        await _writerLoop;
        ReplaceWriter();
    }

    // The one writing connection, kept open: its settings are made once, and writes skip the pool.
    private async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL with NORMAL: a commit is not fsynced, so a power cut may lose the last commits (never corrupt the
        // file); durable writes switch their batch to FULL. Checkpoints (which do fsync) run in the background
        // (WalCheckpointer), not inside a caller's webhook.
        var synchronous = Synchronous == SynchronousMode.Full ? "FULL" : "NORMAL";
        await connection.ExecuteAsync(
            $"PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536;");
        return connection;
    }

    /// <summary>Copies committed pages from the write-ahead log into the database file without blocking writers.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA wal_checkpoint(PASSIVE)");
    }

    /// <summary>Creates the schema on first run and applies the upgrades a newer version brings.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(DataSource));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);

        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var current = await connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_version") ?? 0;
        for (var version = (int)current + 1; version <= Schema.Migrations.Count; version++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(Schema.Migrations[version - 1], transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_version (version) VALUES (@version)", new { version }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }
}

public static class DbCommandExtensions
{
    /// <summary>Sets a named parameter of a reused command, adding it on first use.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.Parameters.Contains(name) ? command.Parameters[name] : null;
        if (parameter is null)
        {
            parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }
        parameter.Value = value ?? DBNull.Value;
        return command;
    }
}

/// <summary>How the writer commits ordinary writes (<c>Data:Synchronous</c>).</summary>
public enum SynchronousMode
{
    /// <summary>No fsync per commit (SQLite's NORMAL in WAL mode); durable writes are still fsynced.</summary>
    Normal,

    /// <summary>Every commit fsyncs the write-ahead log (SQLite's FULL).</summary>
    Full,
}
