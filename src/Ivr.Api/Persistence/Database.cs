using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Ivr.Api.Persistence;

/// <summary>
/// The one place that knows which database is used: opens connections, creates and upgrades the schema, and
/// serialises writes (SQLite has a single writer; waiting on a lock here is cheaper and fairer than its busy loop).
/// </summary>
public sealed class Database
{
    public const string DefaultFileName = "ivr.db";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private DbConnection? _writer;

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

    /// <summary>Runs <paramref name="work"/> in a write transaction, one writer at a time.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            _writer ??= await OpenWriterAsync(cancellationToken);
            await using var transaction = await _writer.BeginTransactionAsync(cancellationToken);
            var result = await work(_writer, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            // A writer in an unknown state is replaced rather than reused.
            _writer?.Dispose();
            _writer = null;
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // The one writing connection, kept open: its settings are made once, and writes skip the pool.
    private async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL without fsync on every commit: a power cut may lose the last commits, never corrupt the file.
        // Checkpoints (which do fsync) run in the background (WalCheckpointer), not inside a caller's webhook.
        await connection.ExecuteAsync(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0;");
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
