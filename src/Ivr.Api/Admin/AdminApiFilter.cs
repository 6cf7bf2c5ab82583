using Ivr.Api.Queues;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Admin;

/// <summary>
/// Guards <c>/admin/api</c>: a signed-in console session whose role the endpoint allows (<see cref="ConsoleAccess"/>),
/// or the <c>X-Api-Key</c> of <c>Admin:ApiKey</c> for scripts, which may do everything.
/// A session's requests that change something must also carry <see cref="ConsoleRequest.HeaderName"/>: another site
/// can make a browser send the session cookie, but never that header, so a forged form post is refused.
/// </summary>
public sealed class AdminApiFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity?.IsAuthenticated == true)
        {
            if (!ConsoleRequest.IsSafe(http.Request) && !ConsoleRequest.IsMarked(http.Request))
                return ConsoleRequest.Unmarked();
            // Endpoints name the least role they allow; the rest are for admins.
            var least = http.GetEndpoint()?.Metadata.GetMetadata<ConsoleAccess>()?.Least ?? ConsoleRole.Admin;
            var role = ConsoleCredentials.RoleOf(http.User);
            if (role < least)
                return TypedResults.Problem(
                    title: "Not for your role",
                    detail: $"This needs the {least.Name()} role; {http.User.Identity?.Name} is a {role.Name()}.",
                    statusCode: StatusCodes.Status403Forbidden);
            return await next(context);
        }

        var admin = options.Value;
        var sent = http.Request.Headers[ApiKeyFilter.HeaderName].ToString();
        var configured = admin.ApiKey;
        if (Secrets.IsKey(sent, configured))
            return await next(context);

        if (string.IsNullOrEmpty(configured) && !admin.HasConsoleUser)
            return TypedResults.Problem(
                title: "The admin API is closed",
                detail: "Neither an API key nor a console user is configured: set Admin:ApiKey (sent as X-Api-Key), " +
                        "or Admin:Username and Admin:Password to sign in at /admin.",
                statusCode: StatusCodes.Status403Forbidden);
        return TypedResults.Problem(
            title: "Sign in first",
            detail: sent.Length > 0
                ? $"The {ApiKeyFilter.HeaderName} sent is not the key configured as Admin:ApiKey."
                : $"Sign in to the console at /admin, or send the key configured as Admin:ApiKey in the {ApiKeyFilter.HeaderName} header.",
            statusCode: StatusCodes.Status401Unauthorized);
    }
}

/// <summary>The header the console's own scripts add to every request that changes something.</summary>
public static class ConsoleRequest
{
    public const string HeaderName = "X-Ivr-Console";

    public static bool IsSafe(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method);

    public static bool IsMarked(HttpRequest request) => request.Headers[HeaderName] == "1";

    public static IResult Unmarked() => TypedResults.Problem(
        title: "Request refused",
        detail: $"Changes from a console session must carry the header {HeaderName}: 1 (the console adds it; a page on another site cannot).",
        statusCode: StatusCodes.Status403Forbidden);
}
