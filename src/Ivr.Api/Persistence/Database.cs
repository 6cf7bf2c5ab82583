using System.Data.Common;
using System.Diagnostics;
using System.Collections.Concurrent;
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

    private readonly string _connectionString;
    private const int MaxBatch = 128;
    private static readonly TimeSpan LogRestartInterval = TimeSpan.FromSeconds(10);
    private long _lastLogRestart = Stopwatch.GetTimestamp();

    private readonly ConcurrentQueue<PendingWrite> _pending = new();
    private int _writing;
    private DbConnection? _writer;
    private readonly Dictionary<string, DbCommand> _prepared = [];

    public Database(IConfiguration configuration)
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
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>A pooled connection for reading.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one atomic write. One writer at a time commits whatever writes have
    /// gathered in one transaction (group commit), each inside its own savepoint: a write that fails is rolled back
    /// alone and its caller gets the exception; the others are committed.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        T result = default!;
        var write = new PendingWrite(async (connection, transaction) => result = await work(connection, transaction), cancellationToken);
        _pending.Enqueue(write);
        // The first caller to find nobody writing becomes the writer and also commits what others queue meanwhile,
        // so a lone write runs on its own thread and a busy hotline's writes share commits.
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            await DrainAsync();
        await write.Done.Task;
        return result;
    }

    private sealed class PendingWrite(Func<DbConnection, DbTransaction, Task> run, CancellationToken cancellationToken)
    {
        public Func<DbConnection, DbTransaction, Task> Run { get; } = run;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task DrainAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.TryDequeue(out var write))
                batch.Add(write);
            if (batch.Count > 0)
            {
                await CommitAsync(batch);
                continue;
            }
            // Hand over; a write queued just before the hand-over is picked up by taking the role back.
            Volatile.Write(ref _writing, 0);
            if (_pending.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
                return;
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        var committed = new List<PendingWrite>(batch.Count);
        try
        {
            _writer ??= await OpenWriterAsync(CancellationToken.None);
            await using var transaction = await _writer.BeginTransactionAsync();
            foreach (var write in batch)
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Done.TrySetCanceled(write.CancellationToken);
                    continue;
                }
                transaction.Save("write");
                try
                {
                    await write.Run(_writer, transaction);
                    transaction.Release("write");
                    committed.Add(write);
                }
                catch (Exception exception)
                {
                    transaction.Rollback("write");
                    transaction.Release("write");
                    write.Done.TrySetException(exception);
                }
            }
            await transaction.CommitAsync();
            foreach (var write in committed)
                write.Done.TrySetResult();
            await RestartLogIfDueAsync(_writer);
        }
        catch (Exception exception)
        {
            // The batch as a whole failed (disk full, file gone): nothing of it was kept, every caller hears of it,
            // and a writer in an unknown state is replaced rather than reused.
            foreach (var write in batch)
                write.Done.TrySetException(exception);
            ReplaceWriter();
        }
    }

    // The background checkpoint copies pages beside the writer, but a writer that is never idle never lets the
    // log start over, and a log hundreds of megabytes long slows every page lookup. So every ten seconds, between two
    // batches, the writer itself finishes the copy (mostly done already) and restarts the log.
    private async Task RestartLogIfDueAsync(DbConnection writer)
    {
        if (Stopwatch.GetElapsedTime(_lastLogRestart) < LogRestartInterval)
            return;
        _lastLogRestart = Stopwatch.GetTimestamp();
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
    /// Only for use inside <see cref="WriteAsync{T}"/>, which runs one write at a time.
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
        // Let a writer in progress finish before its connection goes.
        while (Volatile.Read(ref _writing) == 1)
            await Task.Delay(10);
        ReplaceWriter();
    }

    // The one writing connection, kept open: its settings are made once, and writes skip the pool.
    private async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL without fsync on every commit: a power cut may lose the last commits, never corrupt the file.
        // Checkpoints (which do fsync) run in the background (WalCheckpointer), not inside a caller's webhook.
        await connection.ExecuteAsync(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536;");
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
