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

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Per connection: WAL makes commits cheap without fsync on every one; a crash loses at most the last commits.
        await connection.ExecuteAsync("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction, one writer at a time.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
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
