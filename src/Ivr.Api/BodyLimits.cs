using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Ivr.Api;

/// <summary>
/// Caps request bodies by where they go (Ivr:MaxVoiceBodyBytes, Ivr:MaxAdminBodyBytes, Ivr:MaxBodyBytes), so that
/// nobody can make the service buffer megabytes: a declared length over the cap is answered 413 before anything is
/// read, and the server stops reading an undeclared (chunked) body at the cap. The callback form and API are left to
/// <see cref="Callbacks.RequestBody"/>, which caps them at 4 KB with an answer in the customer's language.
/// </summary>
public static class BodyLimits
{
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var ivr = context.RequestServices.GetRequiredService<IOptions<IvrOptions>>().Value;
            var path = context.Request.Path;
            long? limit =
                path.StartsWithSegments("/voice") ? ivr.MaxVoiceBodyBytes
                : path.StartsWithSegments("/admin/api") ? ivr.MaxAdminBodyBytes
                : path.StartsWithSegments("/callback") || path.StartsWithSegments("/api/callbacks") ? null
                : ivr.MaxBodyBytes;
            if (limit is null)
            {
                await next(context);
                return;
            }
            if (context.Request.ContentLength > limit)
            {
                await TooLargeAsync(context, limit.Value);
                return;
            }
            // Kestrel enforces this while reading, also for a chunked body; the in-memory test server has no such feature.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                size.MaxRequestBodySize = limit;
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                await TooLargeAsync(context, limit.Value);
            }
        });

    // A voice webhook this large was not sent by Twilio (whose are a few KB), so a plain 413 is right there too.
    private static Task TooLargeAsync(HttpContext context, long limit) =>
        Results.Problem(
            title: "Request body too large",
            detail: $"This address takes at most {limit} bytes.",
            statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);
}
