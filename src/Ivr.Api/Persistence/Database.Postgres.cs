using System.Data;
using System.Data.Common;
using Dapper;
using Npgsql;

namespace Ivr.Api.Persistence;

/// <summary>PostgreSQL: each write its own SERIALIZABLE transaction, retried on a conflict; migrations under a lock.</summary>
public sealed partial class Database
{
    /// <summary>How often a write refused for a concurrent one (serialization failure, deadlock) is tried in all.</summary>
    public const int MaxWriteAttempts = 100;

    // Any fixed number works: every instance takes the same lock around migrating.
    private const long MigrationLock = 0x1C0_5C4E_4D41;

    /// <summary>
    /// One write on PostgreSQL: its own connection and SERIALIZABLE transaction, so that however many writes run at
    /// once, on however many instances, the outcome is as if they ran one after another, as under SQLite's single
    /// writer (a caller is never offered twice, an agent never given two calls, a callback never claimed twice). When
    /// PostgreSQL cannot order one after the others it refuses it (SQLSTATE 40001, or 40P01 for a deadlock): then
    /// nothing of it was kept, and it runs again from the start on what is committed now. As on SQLite, only a
    /// durable write waits for PostgreSQL's log to reach the disk; with <c>Data:Synchronous=Normal</c> an ordinary
    /// one commits with <c>synchronous_commit = off</c> (a crash of the server may lose its last fraction of a
    /// second of commits, never leave half of one).
    /// </summary>
    private static async Task<T> WritePostgresAsync<T>(
        NpgsqlDataSource postgres, Func<DbConnection, DbTransaction, Task<T>> work, bool durable, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await using var connection = await postgres.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                if (durable)
                    await connection.ExecuteAsync("SET LOCAL synchronous_commit = on", transaction: transaction);
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
