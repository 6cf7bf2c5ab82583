using System.Data.Common;
using Dapper;

namespace Ivr.Api.Persistence;

/// <summary>One thing someone did to the hotline: who, what, to what, when.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string? Subject, string? Detail);

/// <summary>
/// Who changed what: sign-ins (and refused ones), menu saves and rollbacks, agents set away or available, callbacks
/// canceled. An entry is written in the same transaction as the change it tells of, where there is one.
/// </summary>
public sealed class AuditLog(Database database)
{
    private sealed class Row
    {
        public long Id { get; set; }
        public long At { get; set; }
        public string Actor { get; set; } = "";
        public string Action { get; set; } = "";
        public string? Subject { get; set; }
        public string? Detail { get; set; }
    }

    /// <summary>Records an entry on its own.</summary>
    public Task RecordAsync(string actor, string action, string? subject, string? detail, DateTimeOffset at,
        CancellationToken cancellationToken = default) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await RecordAsync(connection, transaction, actor, action, subject, detail, at);
            return 0;
        }, cancellationToken);

    /// <summary>Records an entry inside the write of the change it tells of.</summary>
    public static Task RecordAsync(DbConnection connection, DbTransaction transaction,
        string actor, string action, string? subject, string? detail, DateTimeOffset at) =>
        connection.ExecuteAsync(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (@at, @actor, @action, @subject, @detail)",
            new { at = at.ToUnixTimeMilliseconds(), actor, action, subject, detail }, transaction);

    /// <summary>The newest <paramref name="limit"/> entries, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, at AS At, actor AS Actor, action AS Action, subject AS Subject, detail AS Detail
            FROM audit_log ORDER BY id DESC LIMIT @limit
            """, new { limit });
        return rows.Select(r => new AuditEntry(r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Actor, r.Action, r.Subject, r.Detail)).ToList();
    }
}

/// <summary>Who is asking: the console user's name, or the API key's holder.</summary>
public static class Actor
{
    public const string ApiKey = "api-key";

    public static string Of(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : ApiKey;
}
