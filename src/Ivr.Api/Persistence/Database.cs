using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ivr.Api.Persistence;

/// <summary>
/// The one place that knows which database is used: opens connections, creates and upgrades the schema, and runs
/// writes. On SQLite (the default) writes go through one writer (SQLite has a single writer; one queue is cheaper and
/// fairer than its busy loop). On PostgreSQL (a <c>Host=</c> connection string), where several instances write at
/// once, each write is its own SERIALIZABLE transaction, retried when PostgreSQL refuses it for a concurrent one: every
/// store's read-then-write keeps the meaning it has under the single SQLite writer, across instances.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    public const string DefaultFileName = "ivr.db";
    public const string SynchronousKey = "Data:Synchronous";

    /// <summary>How often a write refused for a concurrent one (serialization failure, deadlock) is tried in all.</summary>
    public const int MaxWriteAttempts = 100;

    // Any fixed number works: every instance takes the same lock around migrating.
    private const long MigrationLock = 0x1C0_5C4E_4D41;

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
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
        _timeProvider = timeProvider ?? TimeProvider.System;
        _lastLogRestart = _timeProvider.GetTimestamp();
        if (IsPostgresConnectionString(configured))
        {
            var postgres = new NpgsqlConnectionStringBuilder(configured);
            // Every webhook runs the same few statements: prepared once per connection, they skip parsing and planning.
            if (postgres.MaxAutoPrepare == 0)
                postgres.MaxAutoPrepare = 64;
            _connectionString = postgres.ConnectionString;
            _postgres = NpgsqlDataSource.Create(postgres);
            DataSource = $"{postgres.Host}:{postgres.Port}/{postgres.Database}";
            Synchronous = SynchronousMode.Full;
            _queue.Writer.TryComplete();
            _writerLoop = Task.CompletedTask;
            return;
        }
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
        // The loop outlives the request that first asks for the database: it must not carry that request's context.
        using (ExecutionContext.SuppressFlow())
            _writerLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>A PostgreSQL connection string names its server (<c>Host=</c>); anything else is a SQLite file.</summary>
    public static bool IsPostgresConnectionString(string? connectionString) =>
        connectionString is not null && connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    /// <summary>True on PostgreSQL (several instances may share it), false on the embedded SQLite file.</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary>
    /// "Is one of the list <paramref name="parameter"/>" (a Dapper list parameter such as <c>@ids</c>): Dapper expands
    /// <c>IN @ids</c> into one parameter per item on SQLite, but hands PostgreSQL the list as one array, which needs
    /// <c>= ANY(@ids)</c>. Write <c>$"WHERE id {database.In("@ids")}"</c>.
    /// </summary>
    public string In(string parameter) => IsPostgres ? $"= ANY({parameter})" : $"IN {parameter}";

    /// <summary>The database file, or on PostgreSQL its server and database (never the password).</summary>
    public string DataSource { get; }

    /// <summary>
    /// How ordinary writes are committed (<c>Data:Synchronous</c>, SQLite only); durable writes are always fsynced.
    /// PostgreSQL commits as its server is configured (<c>synchronous_commit</c>), durable by default.
    /// </summary>
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
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(cancellationToken);
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
    /// On PostgreSQL <paramref name="work"/> may run more than once (see <see cref="WritePostgresAsync{T}"/>): it must
    /// do nothing outside the database, only compute its result from what it read.
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        _postgres is not null
            ? WritePostgresAsync(_postgres, work, cancellationToken)
            : Enqueue(new PendingWrite<T>(work, durable: false, cancellationToken));

    /// <summary>
    /// Like <see cref="WriteAsync{T}"/>, for a write that must survive a power cut once its caller has been told
    /// (a booking whose reference is read out): its batch is committed with <c>synchronous = FULL</c>, an fsync
    /// of the write-ahead log before the task completes.
    /// </summary>
    public Task<T> WriteDurableAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        _postgres is not null
            ? WritePostgresAsync(_postgres, work, cancellationToken)
            : Enqueue(new PendingWrite<T>(work, durable: true, cancellationToken));

    /// <summary>
    /// One write on PostgreSQL: its own connection and SERIALIZABLE transaction, so that however many writes run at
    /// once, on however many instances, the outcome is as if they ran one after another, as under SQLite's single
    /// writer (a caller is never offered twice, an agent never given two calls, a callback never claimed twice). When
    /// PostgreSQL cannot order one after the others it refuses it (SQLSTATE 40001, or 40P01 for a deadlock): then
    /// nothing of it was kept, and it runs again from the start on what is committed now.
    /// </summary>
    private static async Task<T> WritePostgresAsync<T>(
        NpgsqlDataSource postgres, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await using var connection = await postgres.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                var result = await work(connection, transaction);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (PostgresException exception) when (IsConflict(exception) && attempt < MaxWriteAttempts)
            {
                // A short random pause, longer each time up to 50 ms, so that the writes that collided spread out.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(50, 2 + 4 * attempt))), cancellationToken);
            }
        }
    }

    private static bool IsConflict(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

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
        if (_postgres is not null)
        {
            // Each write has its own connection here; Npgsql prepares repeated statements itself (MaxAutoPrepare).
            var fresh = writer.CreateCommand();
            fresh.CommandText = sql;
            fresh.Transaction = transaction;
            return fresh;
        }
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
        if (_postgres is not null)
            await _postgres.DisposeAsync();
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
        if (IsPostgres)
            return;
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA wal_checkpoint(PASSIVE)");
    }

    /// <summary>Creates the schema on first run and applies the upgrades a newer version brings.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            await MigratePostgresAsync(_postgres, cancellationToken);
            return;
        }
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
            await connection.ExecuteAsync(Schema.Migrations[version - 1].Sqlite, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_version (version) VALUES (@version)", new { version }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    // Instances starting at once: the first to take the lock migrates, the others wait for it and then find nothing
    // left to do. All of it is one transaction (PostgreSQL's DDL is transactional), so a crash leaves no half step.
    private static async Task MigratePostgresAsync(NpgsqlDataSource postgres, CancellationToken cancellationToken)
    {
        await using var connection = await postgres.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@lock)", new { @lock = MigrationLock }, transaction);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", transaction: transaction);
        var current = await connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_version", transaction: transaction) ?? 0;
        for (var version = (int)current + 1; version <= Schema.Migrations.Count; version++)
        {
            await connection.ExecuteAsync(Schema.Migrations[version - 1].Postgres, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_version (version) VALUES (@version)", new { version }, transaction);
        }
        await transaction.CommitAsync(cancellationToken);
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
