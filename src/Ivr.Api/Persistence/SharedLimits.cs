using System.Data.Common;
using Dapper;

namespace Ivr.Api.Persistence;

/// <summary>
/// Limits counted in the database, so that several instances together allow no more than one would: events per key
/// in a sliding window (bookings, lookups) and failed console sign-ins per client. Each count is one write, and a
/// write first locks its key's row, so two instances counting the same key take turns. Every row expires; expired
/// ones go once a minute, and past <see cref="MaxKeys"/> keys the ones expiring soonest go first.
/// </summary>
public sealed class SharedLimits(Database database)
{
    /// <summary>As many keys as the in-memory limiter keeps; an attacker with many addresses only evicts their own.</summary>
    public const int MaxKeys = 100_000;

    private static readonly TimeSpan TidyEvery = TimeSpan.FromMinutes(1);
    private long _nextTidy;

    /// <summary>
    /// Counts an event for <paramref name="key"/> if fewer than <paramref name="limit"/> happened within
    /// <paramref name="window"/> before <paramref name="now"/> on any instance; otherwise counts nothing and returns how
    /// long until the next one is allowed.
    /// </summary>
    public Task<TimeSpan?> TryAcquireAsync(string key, int limit, TimeSpan window, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            var span = (long)window.TotalMilliseconds;
            await TidyAsync(connection, transaction, at);
            // The key's row is written first: on PostgreSQL it stays locked to this transaction, so counts never race.
            await connection.ExecuteAsync(
                """
                INSERT INTO rate_limit_keys (limit_key, expires_at) VALUES (@key, @expires)
                ON CONFLICT (limit_key) DO UPDATE SET expires_at = excluded.expires_at
                """, new { key, expires = at + span }, transaction);
            await connection.ExecuteAsync("DELETE FROM rate_limit_events WHERE limit_key = @key AND at <= @since",
                new { key, since = at - span }, transaction);
            var count = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rate_limit_events WHERE limit_key = @key",
                new { key }, transaction);
            if (count >= limit)
            {
                // The event that must leave the window before another fits.
                var leaving = await connection.ExecuteScalarAsync<long>(
                    "SELECT at FROM rate_limit_events WHERE limit_key = @key ORDER BY at LIMIT 1 OFFSET @skip",
                    new { key, skip = count - limit }, transaction);
                return (TimeSpan?)TimeSpan.FromMilliseconds(leaving + span - at);
            }
            await connection.ExecuteAsync("INSERT INTO rate_limit_events (limit_key, at, expires_at) VALUES (@key, @at, @expires)",
                new { key, at, expires = at + span }, transaction);
            return null;
        }, cancellationToken);

    /// <summary>How long <paramref name="client"/> must still wait before signing in, or null when it may try.</summary>
    public async Task<TimeSpan?> SignInRetryAfterAsync(string client, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var until = await connection.QuerySingleOrDefaultAsync<long?>(
            "SELECT locked_until FROM sign_in_failures WHERE client = @client", new { client });
        var at = now.ToUnixTimeMilliseconds();
        return until is { } locked && locked > at ? TimeSpan.FromMilliseconds(locked - at) : null;
    }

    /// <summary>
    /// Counts a failed sign-in of <paramref name="client"/>, as <see cref="Admin.LoginThrottle"/> does in memory: the
    /// count starts again once <paramref name="window"/> has passed since its first failure or its pause is over, and
    /// the <paramref name="maxFailures"/>th failure pauses the client for <paramref name="lockOut"/>. One statement, so
    /// two instances counting at once never lose a failure.
    /// </summary>
    public Task SignInFailedAsync(string client, int maxFailures, TimeSpan window, TimeSpan lockOut, DateTimeOffset now,
        CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            await TidyAsync(connection, transaction, at);
            await connection.ExecuteAsync(
                """
                INSERT INTO sign_in_failures (client, failures, first_at, locked_until, expires_at)
                VALUES (@client, 1, @at, NULL, @expires)
                ON CONFLICT (client) DO UPDATE SET
                    failures = CASE WHEN @at - sign_in_failures.first_at > @window OR sign_in_failures.locked_until <= @at
                                    THEN 1 ELSE sign_in_failures.failures + 1 END,
                    first_at = CASE WHEN @at - sign_in_failures.first_at > @window OR sign_in_failures.locked_until <= @at
                                    THEN @at ELSE sign_in_failures.first_at END,
                    locked_until = CASE WHEN @at - sign_in_failures.first_at > @window OR sign_in_failures.locked_until <= @at THEN NULL
                                        WHEN sign_in_failures.failures + 1 >= @maxFailures THEN @lockedUntil
                                        ELSE NULL END,
                    expires_at = @expires
                """,
                new
                {
                    client, at, window = (long)window.TotalMilliseconds, maxFailures, lockedUntil = at + (long)lockOut.TotalMilliseconds,
                    expires = at + (long)(window + lockOut).TotalMilliseconds,
                }, transaction);
            return 0;
        }, cancellationToken);

    /// <summary>A successful sign-in forgets the client's failures.</summary>
    public Task SignInSucceededAsync(string client, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) =>
            connection.ExecuteAsync("DELETE FROM sign_in_failures WHERE client = @client", new { client }, transaction), cancellationToken);

    private async Task TidyAsync(DbConnection connection, DbTransaction transaction, long at)
    {
        if (at < Interlocked.Read(ref _nextTidy))
            return;
        Interlocked.Exchange(ref _nextTidy, at + (long)TidyEvery.TotalMilliseconds);
        await connection.ExecuteAsync(
            """
            DELETE FROM rate_limit_events WHERE expires_at <= @at;
            DELETE FROM rate_limit_keys WHERE expires_at <= @at;
            DELETE FROM sign_in_failures WHERE expires_at <= @at;
            """, new { at }, transaction);
        var keys = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rate_limit_keys", transaction: transaction);
        if (keys <= MaxKeys)
            return;
        // Still full of live keys: the tenth expiring soonest goes, with its events.
        await connection.ExecuteAsync(
            """
            DELETE FROM rate_limit_keys WHERE limit_key IN (SELECT limit_key FROM rate_limit_keys ORDER BY expires_at LIMIT @excess);
            DELETE FROM rate_limit_events WHERE limit_key NOT IN (SELECT limit_key FROM rate_limit_keys);
            """, new { excess = keys - MaxKeys * 9 / 10 }, transaction);
    }
}
