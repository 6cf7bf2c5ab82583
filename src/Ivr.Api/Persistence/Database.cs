using System.Data.Common;
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
public sealed partial class Database : IAsyncDisposable
{
    public const string DefaultFileName = "ivr.db";
    public const string SynchronousKey = "Data:Synchronous";

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
    private readonly TimeProvider _timeProvider;

    public Database(IConfiguration configuration, TimeProvider? timeProvider = null)
        : this(configuration, timeProvider, DefaultLogRestartBytes)
    {
    }

    /// <summary>With the size at which the write-ahead log is restarted given, for tests that fill it quickly.</summary>
    internal Database(IConfiguration configuration, TimeProvider? timeProvider, long logRestartBytes)
    {
        var configured = configuration.GetConnectionString("Ivr");
        _timeProvider = timeProvider ?? TimeProvider.System;
        LogRestartBytes = logRestartBytes;
        _lastLogRestart = _timeProvider.GetTimestamp();
        if (IsPostgresConnectionString(configured))
        {
            var postgres = new NpgsqlConnectionStringBuilder(configured);
            // Every webhook runs the same few statements: prepared once per connection, they skip parsing and planning.
            if (postgres.MaxAutoPrepare == 0)
                postgres.MaxAutoPrepare = 64;
            Synchronous = ReadSynchronous(configuration);
            // Ordinary writes do not wait for the server's log to reach the disk (durable ones ask for it, below).
            if (Synchronous == SynchronousMode.Normal)
                postgres.Options = $"{postgres.Options} -c synchronous_commit=off".Trim();
            _connectionString = postgres.ConnectionString;
            _postgres = NpgsqlDataSource.Create(postgres);
            DataSource = $"{postgres.Host}:{postgres.Port}/{postgres.Database}";
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
    /// How ordinary writes are committed (<c>Data:Synchronous</c>); durable writes are always fsynced. On PostgreSQL
    /// Normal commits ordinary writes with <c>synchronous_commit = off</c>, Full as the server is configured.
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
    /// transaction (group commit): a write that fails is rolled back alone and its caller gets the exception; the
    /// others are committed. The returned task completes as soon as the batch holding this write is committed,
    /// whatever is queued behind it.
    /// </summary>
    /// <paramref name="work"/> may run more than once: on SQLite when a write after it in its batch fails (the batch is
    /// then run again, each write in a savepoint of its own), on PostgreSQL after a serialization conflict (see
    /// <see cref="WritePostgresAsync{T}"/>). So it must do nothing outside the database, only compute its result from
    /// what it read; the caller gets the result of the run that was committed.
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        _postgres is not null
            ? WritePostgresAsync(_postgres, work, durable: false, cancellationToken)
            : Enqueue(new PendingWrite<T>(work, durable: false, cancellationToken));

    /// <summary>
    /// Like <see cref="WriteAsync{T}"/>, for a write that must survive a power cut once its caller has been told
    /// (a booking whose reference is read out): its batch is committed with <c>synchronous = FULL</c>, an fsync
    /// of the write-ahead log before the task completes.
    /// </summary>
    public Task<T> WriteDurableAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        _postgres is not null
            ? WritePostgresAsync(_postgres, work, durable: true, cancellationToken)
            : Enqueue(new PendingWrite<T>(work, durable: true, cancellationToken));

    /// <summary>
    /// A command for <paramref name="sql"/> on the writer, compiled on first use and reused afterwards: every
    /// webhook runs the same few statements, and compiling them again each time would be most of their cost.
    /// Only for use inside <see cref="WriteAsync{T}"/>, whose work runs on the one writer loop, one write at a time
    /// (on PostgreSQL, where it is a plain command, on any connection).
    /// </summary>
    public DbCommand Prepared(DbConnection writer, DbTransaction? transaction, string sql)
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
