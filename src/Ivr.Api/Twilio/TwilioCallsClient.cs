using System.Net;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using SdkClient = Twilio.Clients.TwilioRestClient;

namespace Ivr.Api.Twilio;

/// <summary>
/// Twilio's REST Calls API through the Twilio SDK (<see cref="CallResource"/>), on a typed <see cref="HttpClient"/>
/// whose requests <see cref="TwilioApiRouting"/> sends to <c>Twilio:ApiBaseUrl</c>: Twilio, or the local simulator.
/// 429, 5xx, network errors and timeouts are retried with backoff, so one call can take several seconds: use it from
/// background work (callback dispatcher, queue distributor), never inside a voice webhook.
/// </summary>
public sealed partial class TwilioCallsClient : ITwilioCalls
{
    /// <summary>The account the client and the local simulator use when no Twilio credentials are configured.</summary>
    public const string LocalAccountSid = "AC00000000000000000000000000000000";

    /// <summary>The password of <see cref="LocalAccountSid"/>, the same token the simulator signs webhooks with.</summary>
    public const string LocalAuthToken = TwilioOptions.LocalAuthToken;

    /// <summary>Added to the SDK's own User-Agent, so Twilio's logs show which service called.</summary>
    public const string UserAgent = "Ivr.Hotline/1.0";

    internal const int MaxRetries = 3;
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly SdkClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger<TwilioCallsClient> _logger;

    public TwilioCallsClient(System.Net.Http.HttpClient http, IOptions<TwilioOptions> options, TimeProvider time, ILogger<TwilioCallsClient> logger)
    {
        var accountSid = string.IsNullOrWhiteSpace(options.Value.AccountSid) ? LocalAccountSid : options.Value.AccountSid;
        // The timeout is ours (RequestTimeout, per try), so the wrapper around the typed client has none.
        var routed = new System.Net.Http.HttpClient(new TwilioApiRouting(http, options)) { Timeout = Timeout.InfiniteTimeSpan };
        _client = new SdkClient(accountSid, options.Value.SigningToken, httpClient: new SystemNetHttpClient(routed))
        {
            UserAgentExtensions = [UserAgent],
        };
        (_time, _logger) = (time, logger);
    }

    public Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.ToOptions();
        return SendAsync("POST", "Calls.json", () => CallResource.CreateAsync(options, _client), retryIfUnsure: false, ct);
    }

    public Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckCallSid(callSid);
        var options = request.ToOptions(callSid);
        return SendAsync("POST", $"Calls/{callSid}.json", () => CallResource.UpdateAsync(options, _client), retryIfUnsure: true, ct);
    }

    public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct)
    {
        CheckCallSid(callSid);
        // A read changes nothing at Twilio, so it is retried like an update.
        return SendAsync("GET", $"Calls/{callSid}.json", () => CallResource.FetchAsync(new FetchCallOptions(callSid), _client), retryIfUnsure: true, ct);
    }

    /// <param name="retryIfUnsure">
    /// Whether a request Twilio may have carried out (a 5xx, a timeout, a connection lost after sending) may be sent
    /// again. True for updates, which land the call on the same TwiML twice at worst; false for creates, where a second
    /// request can ring the customer twice: only refusals (429) and connections never made are retried, and the
    /// caller learns that the outcome is unknown from the exception.
    /// </param>
    /// <param name="resource">The path under the account, for messages.</param>
    private async Task<TwilioCall> SendAsync(string method, string resource, Func<Task<CallResource>> send, bool retryIfUnsure, CancellationToken ct)
    {
        var path = $"/2010-04-01/Accounts/{_client.AccountSid}/{resource}";
        for (var attempt = 0; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RequestTimeout);
            var exchange = new TwilioApiRouting.Exchange(timeout.Token);
            TwilioApiRouting.Begin(exchange);
            try
            {
                return TwilioCall.Of(await send());
            }
            catch (ApiConnectionException wrapped)
                when (wrapped.InnerException is HttpRequestException network && attempt < MaxRetries && (retryIfUnsure || TwilioFailure.NeverSent(network)))
            {
                failure = network.Message;
            }
            catch (ApiConnectionException wrapped) when (wrapped.InnerException is HttpRequestException network)
            {
                // The SDK wraps what the network said; the breaker and the dispatcher read the network's own exception.
                ExceptionDispatchInfo.Throw(network);
                throw;
            }
            catch (ApiConnectionException wrapped) when (wrapped.InnerException is OperationCanceledException && ct.IsCancellationRequested)
            {
                ct.ThrowIfCancellationRequested();
                throw;
            }
            catch (ApiConnectionException unanswered) when (unanswered.InnerException is OperationCanceledException)
            {
                if (attempt == MaxRetries || !retryIfUnsure)
                    throw new TimeoutException(
                        $"Twilio did not answer {method} {path} within {RequestTimeout.TotalSeconds:0} s, {attempt + 1} times.", unanswered);
                failure = $"no answer within {RequestTimeout.TotalSeconds:0} s";
            }
            catch (Exception refused) when (refused is ApiException or ApiStandardException)
            {
                // The caller gave up while Twilio answered: what it answered no longer matters.
                ct.ThrowIfCancellationRequested();
                var error = Rejection(refused, exchange);
                var status = (HttpStatusCode)error.HttpStatus;
                if (!IsTransient(status) || attempt == MaxRetries || (status != HttpStatusCode.TooManyRequests && !retryIfUnsure))
                    throw error;
                retryAfter = RetryAfter(exchange.RetryAfter);
                failure = $"HTTP {error.HttpStatus} {error.Message}";
            }

            var delay = retryAfter ?? Backoff(attempt);
            _logger.LogWarning("Twilio {Method} {Path} failed ({Failure}); retry {Retry} of {MaxRetries} in {Delay} ms",
                method, path, failure, attempt + 1, MaxRetries, (int)delay.TotalMilliseconds);
            await Task.Delay(delay, _time, ct);
        }
    }

    /// <summary>
    /// The SDK's exception as a <see cref="TwilioApiException"/> with the HTTP status the answer had: the SDK keeps it
    /// only when Twilio's error body came with it (a proxy's HTML, or an empty 429, leave it 0).
    /// </summary>
    private static TwilioApiException Rejection(Exception refused, TwilioApiRouting.Exchange exchange)
    {
        var (code, status, moreInfo) = refused switch
        {
            ApiException api => (api.Code, api.Status, api.MoreInfo),
            ApiStandardException standard => (standard.Code, standard.Status, standard.Type),
            _ => (0, 0, null),
        };
        var httpStatus = exchange.Status is { } answered ? (int)answered : status;
        if (code != 0)
            return new TwilioApiException(httpStatus, code, refused.Message, moreInfo, refused);
        var excerpt = refused.Message.Length > 300 ? refused.Message[..300] + "..." : refused.Message;
        return new TwilioApiException(httpStatus, null,
            $"Twilio answered HTTP {httpStatus} {exchange.ReasonPhrase} without a Twilio error body: {excerpt}", null, refused);
    }

    private static void CheckCallSid(string callSid)
    {
        if (callSid is null || !CallSidPattern().IsMatch(callSid))
            throw new ArgumentException($"'{callSid}' is not a call SID (CA followed by 32 hex digits).", nameof(callSid));
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
            { Date: { } date } => date - _time.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        // A long Retry-After would hold a dispatcher slot for minutes; the caller's own retry handles a longer outage.
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, MaxRetryAfter.Ticks)) : null;
    }

    [GeneratedRegex("^CA[0-9a-fA-F]{32}$")]
    private static partial Regex CallSidPattern();
}

public static class TwilioCallsClientExtensions
{
    /// <summary>
    /// Registers <see cref="ITwilioCalls"/>: the typed <see cref="TwilioCallsClient"/> behind the circuit breaker of
    /// <see cref="TwilioHealth"/>. Twilio options come from AddHotlineOptions.
    /// </summary>
    public static IServiceCollection AddTwilioRestClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TwilioHealth>();
        services.AddHttpClient<TwilioCallsClient>();
        services.AddTransient<ITwilioCalls>(provider => new GuardedTwilioCalls(
            provider.GetRequiredService<TwilioCallsClient>(), provider.GetRequiredService<TwilioHealth>()));
        return services;
    }
}
