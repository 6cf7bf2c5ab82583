using Ivr.Api.Persistence;

namespace Ivr.Api.Admin;

/// <summary>GET /admin/api/audit: who did what, newest first (admins only).</summary>
public static class AuditEndpoints
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder adminApi)
    {
        adminApi.MapGet("/audit", async (int? limit, AuditLog audit, CancellationToken ct) =>
            TypedResults.Ok(await audit.ListAsync(Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit), ct)));
        return adminApi;
    }
}
