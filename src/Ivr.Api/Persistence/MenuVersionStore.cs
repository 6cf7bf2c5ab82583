using Dapper;

namespace Ivr.Api.Persistence;

/// <summary>Every menu version the service has run, with its YAML, so that a call finishes on the version it started on.</summary>
public sealed class MenuVersionStore(Database database)
{
    public Task SaveAsync(string version, string file, string content, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO menu_versions (version, file, content, loaded_at) VALUES (@version, @file, @content, @at)
            ON CONFLICT (version) DO NOTHING
            """, new { version, file, content, at = now.ToUnixTimeMilliseconds() }, transaction), cancellationToken);

    public async Task<string?> FindContentAsync(string version, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT content FROM menu_versions WHERE version = @version", new { version });
    }
}
