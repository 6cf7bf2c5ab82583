using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Model;

namespace Ivr.Api.Shop;

/// <summary>One lookup in the shop during a call, as kept for the caller's history.</summary>
public sealed record ShopLookupRow(string CallSid, string? Caller, long At, string Kind, string? OrderNumber, string Outcome, string? Failure);

/// <summary>Keeps a row per lookup in the shop (table <c>shop_lookups</c>): who asked, what, and how it ended.</summary>
public sealed class ShopLookupStore(Database database)
{
    public Task RecordAsync(string callSid, string? caller, DateTimeOffset at, string kind, string? orderNumber,
        LookupOutcome outcome, ShopFailure? failure, CancellationToken ct = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO shop_lookups (call_sid, caller, at, kind, order_number, outcome, failure)
            VALUES (@callSid, @caller, @at, @kind, @orderNumber, @outcome, @failure)
            """,
            new
            {
                callSid, caller, at = at.ToUnixTimeMilliseconds(), kind, orderNumber,
                outcome = Name(outcome), failure = failure?.ToString().ToLowerInvariant(),
            }, transaction), ct);

    /// <summary>True when the call has made a lookup already.</summary>
    public async Task<bool> HasLookupAsync(string callSid, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM shop_lookups WHERE call_sid = @callSid", new { callSid }) > 0;
    }

    /// <summary>The lookups of one number, newest first.</summary>
    public async Task<IReadOnlyList<ShopLookupRow>> ForCallerAsync(string caller, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<ShopLookupRow>(
            """
            SELECT call_sid AS CallSid, caller AS Caller, at AS At, kind AS Kind, order_number AS OrderNumber,
                   outcome AS Outcome, failure AS Failure
            FROM shop_lookups WHERE caller = @caller ORDER BY at DESC, id DESC
            """, new { caller })).ToList();
    }

    public static string Name(LookupOutcome outcome) => outcome switch
    {
        LookupOutcome.Found => "found",
        LookupOutcome.NotFound => "not_found",
        _ => "unavailable",
    };
}
