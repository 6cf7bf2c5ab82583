using System.Text;

namespace Ivr.Api.Voice;

/// <summary>Answers a Twilio webhook with a TwiML document: 200, <c>text/xml; charset=utf-8</c>.</summary>
public sealed class TwimlResult(string document) : IResult
{
    public const string ContentType = "text/xml; charset=utf-8";

    public string Document { get; } = document;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        return response.WriteAsync(Document, Encoding.UTF8, httpContext.RequestAborted);
    }
}
