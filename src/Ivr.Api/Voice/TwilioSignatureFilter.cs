using Microsoft.Extensions.Options;
using Twilio.Security;

namespace Ivr.Api.Voice;

/// <summary>
/// Rejects webhook requests whose X-Twilio-Signature does not sign the public URL and the form fields (403), so
/// only Twilio can drive calls. GET requests and non-form bodies are signed over the URL alone. The check itself is
/// the Twilio SDK's <see cref="RequestValidator"/>.
/// </summary>
public sealed partial class TwilioSignatureFilter(
    IOptions<IvrOptions> ivrOptions,
    IOptions<TwilioOptions> twilioOptions,
    ILogger<TwilioSignatureFilter> logger) : IEndpointFilter
{
    public const string HeaderName = "X-Twilio-Signature";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        // Local mode's token is public (the simulator's), so its webhooks count only from where local mode is allowed.
        if (twilioOptions.Value.IsLocalMode && !LocalPhone.LocalClients.MayUse(context.HttpContext, ivrOptions.Value))
        {
            LogNotLocal(logger, request.Path);
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }
        if (!ivrOptions.Value.ValidateSignatures)
            return await next(context);

        var signature = request.Headers[HeaderName].FirstOrDefault();
        // Nothing unsigned is worth reading: refused before its body is.
        if (string.IsNullOrEmpty(signature))
        {
            LogRejected(logger, "missing", request.Query["CallSid"].FirstOrDefault(), Masked(PublicUrl.For(request, ivrOptions.Value.PublicBaseUrl)));
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        List<KeyValuePair<string, string?>> fields = [];
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
            fields = [.. form.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v)))];
        }

        var url = PublicUrl.For(request, ivrOptions.Value.PublicBaseUrl);
        if (IsValid(twilioOptions.Value.SigningToken, url, fields, signature))
            return await next(context);

        var callSid = fields.FirstOrDefault(f => f.Key == "CallSid").Value ?? request.Query["CallSid"].FirstOrDefault();
        LogRejected(logger, "invalid", callSid, Masked(url));
        return Results.StatusCode(StatusCodes.Status403Forbidden);
    }

    /// <summary>
    /// True when <paramref name="signature"/> signs <paramref name="url"/> (or it with or without the scheme's default
    /// port: Twilio keeps or drops it inconsistently) and <paramref name="fields"/>, as <see cref="RequestValidator"/>
    /// checks it. Twilio's voice webhooks never repeat a field, and the validator cannot sign a repeated one: refused.
    /// </summary>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string?>> fields, string? signature)
    {
        // Twilio calls http(s) URLs only; for others the validator would try a port variant of another scheme.
        if (string.IsNullOrEmpty(signature) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return false;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            if (!parameters.TryAdd(name, value ?? ""))
                return false;
        }
        return new RequestValidator(authToken).Validate(AsTwilioSigns(url), parameters, signature);
    }

    /// <summary>
    /// <paramref name="url"/> without an explicit default port (:443 on https, :80 on http) and without a fragment
    /// (Twilio reads the connection overrides after '#' and neither sends nor signs them). The validator tries the URL
    /// as given and then toggles its port, but reads an explicit default port as no port, so it would never try the
    /// URL without it.
    /// </summary>
    internal static string AsTwilioSigns(string url)
    {
        if (url.IndexOf('#') is var hash and >= 0)
            url = url[..hash];
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsDefaultPort)
            return url;
        var authorityEnd = url.IndexOfAny(['/', '?'], uri.Scheme.Length + 3) is var end and >= 0 ? end : url.Length;
        var defaultPort = uri.Scheme == Uri.UriSchemeHttps ? ":443" : ":80";
        return url.AsSpan(0, authorityEnd).EndsWith(defaultPort, StringComparison.Ordinal)
            ? string.Concat(url.AsSpan(0, authorityEnd - defaultPort.Length), url.AsSpan(authorityEnd))
            : url;
    }

    // Action URLs can carry a caller's number (a callback to confirm); logs get it masked.
    private static string Masked(string url) => PhoneMask.InText(url);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Refused a webhook to {Path} from another machine: local mode (no Twilio credentials) takes webhooks from this machine only, unless Ivr:LocalMode=open")]
    private static partial void LogNotLocal(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Rejected a webhook with a {Problem} X-Twilio-Signature (CallSid {CallSid}, URL {Url}); check Twilio:AuthToken and Ivr:PublicBaseUrl")]
    private static partial void LogRejected(ILogger logger, string problem, string? callSid, string url);
}
