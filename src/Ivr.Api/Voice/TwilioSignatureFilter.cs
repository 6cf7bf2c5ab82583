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
        if (!ivrOptions.Value.ValidateSignatures)
            return await next(context);

        var request = context.HttpContext.Request;
        List<KeyValuePair<string, string?>> fields = [];
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
            fields = [.. form.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v)))];
        }

        var url = PublicUrl.For(request, ivrOptions.Value.PublicBaseUrl);
        var signature = request.Headers[TwilioSignature.HeaderName].FirstOrDefault();
        if (TwilioSignature.IsValid(twilioOptions.Value.SigningToken, url, fields, signature))
            return await next(context);

        var callSid = fields.FirstOrDefault(f => f.Key == "CallSid").Value ?? request.Query["CallSid"].FirstOrDefault();
        LogRejected(logger, string.IsNullOrEmpty(signature) ? "missing" : "invalid", callSid, url);
        return Results.StatusCode(StatusCodes.Status403Forbidden);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Rejected a webhook with a {Problem} X-Twilio-Signature (CallSid {CallSid}, URL {Url}); check Twilio:AuthToken and Ivr:PublicBaseUrl")]
    private static partial void LogRejected(ILogger logger, string problem, string? callSid, string url);
}
