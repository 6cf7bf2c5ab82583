namespace Ivr.Api.Callbacks;

/// <summary>The admin's view of callbacks: list them by status and department, cancel one.</summary>
public static class CallbackAdminEndpoints
{
    /// <summary>One callback as the admin API shows it.</summary>
    public sealed record CallbackAdminView(
        string Reference, string Department, string Number, string Language, string Source, string Status,
        DateTimeOffset RequestedAt, DateTimeOffset? BookedAt, DateTimeOffset DueAt, DateTimeOffset? ExpectedAt, int Attempts,
        string? LastResult, DateTimeOffset? ConnectedAt)
    {
        public static CallbackAdminView From(Callback c) => new(
            c.Reference, c.Department, c.Number, c.Language, c.Source, c.StoredStatus,
            DateTimeOffset.FromUnixTimeMilliseconds(c.RequestedAt), At(c.BookedAt), DateTimeOffset.FromUnixTimeMilliseconds(c.DueAt),
            At(c.ExpectedAt), c.Attempts, c.LastResult, At(c.ConnectedAt));

        private static DateTimeOffset? At(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
    }

    /// <summary>Maps <c>GET callbacks?status=&amp;department=&amp;limit=</c> and <c>POST callbacks/{reference}/cancel</c> on an admin group.</summary>
    public static IEndpointRouteBuilder MapCallbackAdmin(this IEndpointRouteBuilder group)
    {
        group.MapGet("/callbacks", async (string? status, string? department, int? limit, CallbackStore store, CancellationToken ct) =>
        {
            if (status is not null && !CallbackLifecycle.Names.Contains(status))
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["status"] = [$"Unknown status '{status}': use one of {string.Join(", ", CallbackLifecycle.Names)}."],
                });
            var callbacks = await store.ListAsync(status, department, Math.Clamp(limit ?? 200, 1, 1000), ct);
            return Results.Ok(callbacks.Select(CallbackAdminView.From));
        });

        group.MapPost("/callbacks/{reference}/cancel", async (string reference, CallbackStore store, TimeProvider time, CancellationToken ct) =>
        {
            var callback = await store.CancelByReferenceAsync(reference, "cancelled by an admin", time.GetUtcNow(), ct);
            if (callback is null)
                return Results.Problem(title: "No such callback", detail: $"No callback has the reference {reference}.", statusCode: 404);
            if (callback.Status != CallbackStatus.Canceled)
                return Results.Problem(title: "The callback cannot be cancelled",
                    detail: $"Callback {reference} is {callback.StoredStatus}; only a pending one can be cancelled.", statusCode: 409);
            return Results.Ok(CallbackAdminView.From(callback));
        });
        return group;
    }
}
