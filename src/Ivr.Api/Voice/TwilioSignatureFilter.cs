using Microsoft.Extensions.Options;

namespace Ivr.Api.Voice;

/// <summary>
/// Rejects webhook requests whose X-Twilio-Signature does not sign the public URL and the form fields (403), so
/// only Twilio can drive calls. GET requests and non-form bodies are signed over the URL alone.
/// </summary>
public sealed partial class TwilioSignatureFilter(
    IOptions<IvrOptions> ivrOptions,
    IOptions<TwilioOptions> twilioOptions,
    ILogger<TwilioSignatureFilter> logger) : IEndpointFilter
{
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

        var signature = request.Headers[TwilioSignature.HeaderName].FirstOrDefault();
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
        if (TwilioSignature.IsValid(twilioOptions.Value.SigningToken, url, fields, signature))
            return await next(context);

        var callSid = fields.FirstOrDefault(f => f.Key == "CallSid").Value ?? request.Query["CallSid"].FirstOrDefault();
        LogRejected(logger, "invalid", callSid, Masked(url));
        return Results.StatusCode(StatusCodes.Status403Forbidden);
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
