using System.Text.Json.Serialization;
using Dapper;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.Options;

namespace Ivr.Api;

/// <summary>
/// <c>/healthz</c>: whether the service can take calls. Anyone is told ok or not and the live menu version; the
/// details (the database's write check, a refused menu edit) need <c>X-Api-Key</c> = Admin:ApiKey, or a console
/// session at <c>/admin/api/health</c>. 503 when calls cannot be taken: no menu is live, or the database refuses a write.
/// </summary>
public sealed class Health(Database database, MenuCatalog menus, TwilioHealth twilio, TimeProvider time, ILogger<Health> logger)
{
    /// <summary>How long a write check stands: monitors may ask every second, the single writer should not have to.</summary>
    public static readonly TimeSpan CheckFor = TimeSpan.FromSeconds(5);

    /// <summary>A write that takes longer than this counts as failed: a webhook would not wait for it either.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    public sealed record HealthView(string Status, string? MenuVersion);

    public sealed record DatabaseView(bool Writable, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Problem);

    /// <summary>
    /// The details: each part the service depends on. Twilio being unreachable or refusing the credentials holds back
    /// callbacks and redirects to agents, but calls are still answered, so it shows here without making the status 503.
    /// </summary>
    public sealed record DetailsView(
        string Status, string? MenuVersion, DatabaseView Database, TwilioHealth.View Twilio,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MenuAdminEndpoints.RejectedReloadView? RejectedReload);

    private readonly SemaphoreSlim _checking = new(1, 1);
    private (DateTimeOffset At, DatabaseView View)? _lastCheck;

    /// <summary>
    /// The answer of <c>/healthz</c>, with the details for the API key (or a session, which only reaches it as
    /// <c>/admin/api/health</c>: the console's cookie is for /admin) or when <paramref name="detailed"/>.
    /// </summary>
    public async Task<IResult> AnswerAsync(HttpContext http, bool detailed = false)
    {
        var version = LiveVersion();
        var database = await DatabaseAsync(http.RequestAborted);
        var ok = version is not null && database.Writable;
        var status = ok ? "ok" : "unavailable";
        var code = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;

        var admin = http.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
        var sent = http.Request.Headers[ApiKeyFilter.HeaderName].ToString();
        if (detailed || http.User.Identity?.IsAuthenticated == true || Secrets.IsKey(sent, admin.ApiKey))
            return Results.Json(new DetailsView(status, version, database, twilio.Current(), MenuAdminEndpoints.RejectedForHealth(menus)), statusCode: code);
        if (sent.Length > 0)
            return TypedResults.Problem(title: "Wrong key",
                detail: $"The {ApiKeyFilter.HeaderName} sent is not the key configured as Admin:ApiKey; without a key /healthz says only ok or not.",
                statusCode: StatusCodes.Status401Unauthorized);
        return Results.Json(new HealthView(status, version), statusCode: code);
    }

    private string? LiveVersion()
    {
        try
        {
            return menus.Current.Version;
        }
        catch (InvalidOperationException)
        {
            return null; // No menu has been loaded.
        }
    }

    /// <summary>Whether the database takes a write, checked with a real one through the writer at most every <see cref="CheckFor"/>.</summary>
    public async Task<DatabaseView> DatabaseAsync(CancellationToken cancellationToken)
    {
        await _checking.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_lastCheck is { } last && now - last.At < CheckFor && now >= last.At)
                return last.View;
            DatabaseView view;
            try
            {
                var changed = await database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
                    "UPDATE health_checks SET checked_at = @at WHERE id = 1",
                    new { at = now.ToUnixTimeMilliseconds() }, transaction)).WaitAsync(WriteTimeout, cancellationToken);
                view = changed == 1 ? new DatabaseView(true, null) : new DatabaseView(false, "the health_checks row is missing");
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogError(exception, "The database refused the health check's write");
                view = new DatabaseView(false, exception is TimeoutException ? $"a write took longer than {WriteTimeout.TotalSeconds:0} s" : exception.Message);
            }
            _lastCheck = (now, view);
            return view;
        }
        finally
        {
            _checking.Release();
        }
    }
}
