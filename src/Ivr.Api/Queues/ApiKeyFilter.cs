using Microsoft.Extensions.Options;

namespace Ivr.Api.Queues;

/// <summary>
/// Lets a request in only with <c>X-Api-Key</c> equal to <c>Admin:ApiKey</c>. With no key configured nobody gets in:
/// an API that changes who answers calls is never open by default.
/// </summary>
public sealed class ApiKeyFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        Refusal(context.HttpContext.Request, options.Value.ApiKey) ?? await next(context);

    /// <summary>Why <paramref name="request"/> is turned away (403 with no key configured, 401 without the key), or null.</summary>
    public static IResult? Refusal(HttpRequest request, string? configured)
    {
        if (string.IsNullOrEmpty(configured))
            return TypedResults.Problem(
                title: "The API is closed",
                detail: "No API key is configured: set Admin:ApiKey (for example the environment variable Admin__ApiKey) and send it as X-Api-Key.",
                statusCode: StatusCodes.Status403Forbidden);

        var sent = request.Headers[HeaderName].ToString();
        if (!Secrets.IsKey(sent, configured))
            return TypedResults.Problem(
                title: "Missing or wrong API key",
                detail: $"Send the key configured as Admin:ApiKey in the {HeaderName} header.",
                statusCode: StatusCodes.Status401Unauthorized);
        return null;
    }
}
