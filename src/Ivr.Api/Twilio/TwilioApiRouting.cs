using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Twilio;

/// <summary>
/// The handler under the Twilio SDK's HTTP client. It sends each request the SDK built for https://api.twilio.com
/// to <c>Twilio:ApiBaseUrl</c> (Twilio, or the local simulator's switchboard) through the service's own
/// <see cref="HttpClient"/>, with the cancellation token of the <see cref="Exchange"/> in progress, since the SDK's
/// calls take none; and it notes the answer's status and Retry-After there, which the SDK's exceptions do not keep.
/// </summary>
internal sealed class TwilioApiRouting(HttpClient http, IOptions<TwilioOptions> options) : HttpMessageHandler
{
    private static readonly AsyncLocal<Exchange?> InProgress = new();

    private readonly Uri _apiBase = new(options.Value.EffectiveApiBaseUrl.TrimEnd('/') + "/");

    /// <summary>One request to Twilio as the retry loop sees it: its token going in, the answer's headline coming out.</summary>
    public sealed class Exchange(CancellationToken token)
    {
        public CancellationToken Token { get; } = token;
        public HttpStatusCode? Status { get; private set; }
        public string? ReasonPhrase { get; private set; }
        public RetryConditionHeaderValue? RetryAfter { get; private set; }

        internal void Answered(HttpResponseMessage response) =>
            (Status, ReasonPhrase, RetryAfter) = (response.StatusCode, response.ReasonPhrase, response.Headers.RetryAfter);
    }

    /// <summary>Makes <paramref name="exchange"/> the one the SDK's requests in this async flow belong to.</summary>
    public static void Begin(Exchange exchange) => InProgress.Value = exchange;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var exchange = InProgress.Value;
        // A message goes through one HttpClient only, so the typed client gets a copy addressed to Twilio:ApiBaseUrl.
        var routed = new HttpRequestMessage(request.Method, new Uri(_apiBase, request.RequestUri!.PathAndQuery.TrimStart('/')))
        {
            Content = request.Content,
            Version = request.Version,
        };
        foreach (var (name, values) in request.Headers)
            routed.Headers.TryAddWithoutValidation(name, values);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, exchange?.Token ?? CancellationToken.None);
        var response = await http.SendAsync(routed, linked.Token);
        exchange?.Answered(response);
        return response;
    }
}
