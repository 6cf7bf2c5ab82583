using Dapper;

namespace Ivr.Api.Persistence;

/// <summary>One time a menu went live: its id, the content-hash version calls are pinned to, when and how.</summary>
public sealed class MenuActivationRow
{
    public long Id { get; set; }
    public string Version { get; set; } = "";
    public string Source { get; set; } = "";
    public string File { get; set; } = "";
    public long ActivatedAt { get; set; }
    public string? Author { get; set; }
    public string? Note { get; set; }

    public DateTimeOffset ActivatedAtTime => DateTimeOffset.FromUnixTimeMilliseconds(ActivatedAt);
}

/// <summary>
/// Every menu version the service has run, with its YAML, so that a call finishes on the version it started on;
/// and every activation of one, so that the history of the live menu can be listed, compared and rolled back.
/// </summary>
public sealed class MenuVersionStore(Database database)
{
    private const string SelectActivations = """
        SELECT id AS Id, version AS Version, source AS Source, file AS File, activated_at AS ActivatedAt, author AS Author, note AS Note
        FROM menu_activations
        """;

    /// <summary>
    /// Stores the content under its version (once) and records that it went live, by whom and why when a person did
    /// it (then also in the audit log); returns the activation's id.
    /// </summary>
    public Task<long> RecordActivationAsync(
        string version, string file, string content, string source, Menus.MenuChangeBy? by, DateTimeOffset now,
        CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            await connection.ExecuteAsync(
                """
                INSERT INTO menu_versions (version, file, content, loaded_at) VALUES (@version, @file, @content, @at)
                ON CONFLICT (version) DO NOTHING
                """, new { version, file, content, at }, transaction);
            var id = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO menu_activations (version, source, file, activated_at, author, note)
                VALUES (@version, @source, @file, @at, @author, @note)
                RETURNING id
                """, new { version, source, file, at, author = by?.Author, note = by?.Note }, transaction);
            if (by is not null)
                await AuditLog.RecordAsync(connection, transaction, by.Author, $"menu-{source}", $"version {id} ({version})", by.Note, now);
            return id;
        }, cancellationToken);

    public async Task<string?> FindContentAsync(string version, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT content FROM menu_versions WHERE version = @version", new { version });
    }

    /// <summary>Every activation, newest first.</summary>
    public async Task<IReadOnlyList<MenuActivationRow>> ListActivationsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<MenuActivationRow>($"{SelectActivations} ORDER BY id DESC")).ToList();
    }

    /// <summary>
    /// The newest activation, the live menu of every instance on this database; null before the first. Cheap: each
    /// instance asks every second.
    /// </summary>
    public async Task<MenuActivationRow?> NewestActivationAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MenuActivationRow>($"{SelectActivations} ORDER BY id DESC LIMIT 1");
    }

    public async Task<MenuActivationRow?> FindActivationAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MenuActivationRow>($"{SelectActivations} WHERE id = @id", new { id });
    }
}
