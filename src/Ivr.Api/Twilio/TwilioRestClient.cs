using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Twilio;

/// <summary>
/// Twilio's REST Calls API over a typed <see cref="HttpClient"/>; <c>Twilio:ApiBaseUrl</c> points it at Twilio or at the
/// local simulator. 429, 5xx, network errors and timeouts are retried with backoff, so one call can take several
/// seconds: use it from background work (callback dispatcher, queue distributor), never inside a voice webhook.
/// </summary>
public sealed partial class TwilioRestClient(
    HttpClient http, IOptions<TwilioOptions> options, TimeProvider time, ILogger<TwilioRestClient> logger) : ITwilioCalls
{
    /// <summary>The account the client and the local simulator use when no Twilio credentials are configured.</summary>
    public const string LocalAccountSid = "AC00000000000000000000000000000000";

    /// <summary>The password of <see cref="LocalAccountSid"/>, the same token the simulator signs webhooks with.</summary>
    public const string LocalAuthToken = TwilioOptions.LocalAuthToken;

    public const string UserAgent = "Ivr.Hotline/1.0";

    internal const int MaxRetries = 3;
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly string accountSid = string.IsNullOrWhiteSpace(options.Value.AccountSid) ? LocalAccountSid : options.Value.AccountSid;
    private readonly string authToken = options.Value.SigningToken;
    private readonly Uri apiBase = new(options.Value.EffectiveApiBaseUrl.TrimEnd('/') + "/");

    public Task<CallResource> CreateCallAsync(CreateCallRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync("Calls.json", request.ToForm(), retryIfUnsure: false, ct);
    }

    public Task<CallResource> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (callSid is null || !CallSidPattern().IsMatch(callSid))
            throw new ArgumentException($"'{callSid}' is not a call SID (CA followed by 32 hex digits).", nameof(callSid));
        return SendAsync($"Calls/{callSid}.json", request.ToForm(), retryIfUnsure: true, ct);
    }

    public Task<CallResource> FetchCallAsync(string callSid, CancellationToken ct)
    {
        if (callSid is null || !CallSidPattern().IsMatch(callSid))
            throw new ArgumentException($"'{callSid}' is not a call SID (CA followed by 32 hex digits).", nameof(callSid));
        // A read changes nothing at Twilio, so it is retried like an update.
        return SendAsync($"Calls/{callSid}.json", form: null, retryIfUnsure: true, ct);
    }

    /// <param name="retryIfUnsure">
    /// Whether a request Twilio may have carried out (a 5xx, a timeout, a connection lost after sending) may be sent
    /// again. True for updates, which land the call on the same TwiML twice at worst; false for creates, where a second
    /// request can ring the customer twice: only refusals (429) and connections never made are retried, and the
    /// caller learns that the outcome is unknown from the exception.
    /// </param>
    /// <param name="form">The fields to POST; null for a GET.</param>
    private async Task<CallResource> SendAsync(string resource, List<KeyValuePair<string, string>>? form, bool retryIfUnsure, CancellationToken ct)
    {
        var uri = new Uri(apiBase, $"2010-04-01/Accounts/{Uri.EscapeDataString(accountSid)}/{resource}");
        var method = form is null ? "GET" : "POST";
        for (var attempt = 0; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(RequestTimeout);
                using var request = NewRequest(uri, form);
                using var response = await http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                    return await response.Content.ReadFromJsonAsync<CallResource>(CallResource.Json, timeout.Token)
                           ?? throw new JsonException($"Twilio answered {method} {uri.AbsolutePath} with an empty body.");

                var error = await ReadErrorAsync(response, timeout.Token);
                var refused = response.StatusCode == HttpStatusCode.TooManyRequests;
                if (!IsTransient(response.StatusCode) || attempt == MaxRetries || (!refused && !retryIfUnsure))
                    throw error;
                retryAfter = RetryAfter(response.Headers.RetryAfter);
                failure = $"HTTP {error.HttpStatus} {error.Message}";
            }
            catch (HttpRequestException network) when (attempt < MaxRetries && (retryIfUnsure || TwilioFailure.NeverSent(network)))
            {
                failure = network.Message;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && attempt < MaxRetries && retryIfUnsure)
            {
                failure = $"no answer within {RequestTimeout.TotalSeconds:0} s";
            }
            catch (OperationCanceledException unanswered) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"Twilio did not answer {method} {uri.AbsolutePath} within {RequestTimeout.TotalSeconds:0} s, {MaxRetries + 1} times.", unanswered);
            }

            var delay = retryAfter ?? Backoff(attempt);
            logger.LogWarning("Twilio {Method} {Path} failed ({Failure}); retry {Retry} of {MaxRetries} in {Delay} ms",
                method, uri.AbsolutePath, failure, attempt + 1, MaxRetries, (int)delay.TotalMilliseconds);
            await Task.Delay(delay, time, ct);
        }
    }

    private HttpRequestMessage NewRequest(Uri uri, List<KeyValuePair<string, string>>? form) => new(form is null ? HttpMethod.Get : HttpMethod.Post, uri)
    {
        Content = form is null ? null : new FormUrlEncodedContent(form),
        Headers =
        {
            Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}"))),
            Accept = { new MediaTypeWithQualityHeaderValue("application/json") },
            UserAgent = { ProductInfoHeaderValue.Parse(UserAgent) },
        },
    };

    private static async Task<TwilioApiException> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            if (JsonSerializer.Deserialize<ErrorBody>(body, CallResource.Json) is { Message: { Length: > 0 } message } error)
                return new TwilioApiException(status, error.Code, message, error.MoreInfo);
        }
        catch (JsonException)
        {
            // A proxy or load balancer in front of Twilio answers with HTML or plain text.
        }

        var excerpt = body.Length > 200 ? body[..200] + "..." : body;
        return new TwilioApiException(status, null,
            $"Twilio answered HTTP {status} {response.ReasonPhrase} without a Twilio error body: {(excerpt.Length > 0 ? excerpt : "(empty)")}", null);
    }

    private static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>About 0.5 s, 1 s, 2 s, each ±20 % so that instances that failed together do not retry together.</summary>
    private static TimeSpan Backoff(int attempt) =>
        FirstRetryDelay * (1 << attempt) * (0.8 + 0.4 * Random.Shared.NextDouble());

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        // A long Retry-After would hold a dispatcher slot for minutes; the caller's own retry handles a longer outage.
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, MaxRetryAfter.Ticks)) : null;
    }

    [GeneratedRegex("^CA[0-9a-fA-F]{32}$")]
    private static partial Regex CallSidPattern();

    private sealed record ErrorBody(int? Code, string? Message, string? MoreInfo);
}

public static class TwilioRestClientExtensions
{
    /// <summary>
    /// Registers <see cref="ITwilioCalls"/>: the typed <see cref="TwilioRestClient"/> behind the circuit breaker of
    /// <see cref="TwilioHealth"/>. Twilio options come from AddHotlineOptions.
    /// </summary>
    public static IServiceCollection AddTwilioRestClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TwilioHealth>();
        services.AddHttpClient<TwilioRestClient>();
        services.AddTransient<ITwilioCalls>(provider => new GuardedTwilioCalls(
            provider.GetRequiredService<TwilioRestClient>(), provider.GetRequiredService<TwilioHealth>()));
        return services;
    }
}
