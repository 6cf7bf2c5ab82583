using System.Text;
using Twilio.TwiML;

namespace Ivr.Api.Voice;

/// <summary>
/// Answers a Twilio webhook with a TwiML document: 200, <c>text/xml; charset=utf-8</c>. The document is rendered
/// when the result is made, so what is answered (and kept for a repeated delivery) is fixed from then on.
/// </summary>
public sealed class TwimlResult(VoiceResponse response) : IResult
{
    public const string ContentType = "text/xml; charset=utf-8";

    public string Document { get; } = Twiml.Render(response);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        return response.WriteAsync(Document, Encoding.UTF8, httpContext.RequestAborted);
    }
}
