using System.Net;
using System.Text;

namespace Ivr.Api.Tests.Twilio;

/// <summary>Stands in for the network: records each request and answers from a script, repeating its last entry.</summary>
internal sealed class RecordingHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script) : HttpMessageHandler
{
    public List<RecordedRequest> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Requests.Add(new RecordedRequest(
            request.Method,
            request.RequestUri!,
            request.Headers.Authorization?.ToString(),
            request.Headers.Accept.ToString(),
            request.Headers.UserAgent.ToString(),
            request.Content?.Headers.ContentType?.MediaType,
            request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct)));
        return script[Math.Min(Requests.Count, script.Length) - 1](request);
    }

    public static Func<HttpRequestMessage, HttpResponseMessage> Json(HttpStatusCode status, string json) =>
        _ => new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static Func<HttpRequestMessage, HttpResponseMessage> Throws(Exception exception) => _ => throw exception;
}

internal sealed record RecordedRequest(
    HttpMethod Method, Uri Uri, string? Authorization, string Accept, string UserAgent, string? ContentType, string Body);
