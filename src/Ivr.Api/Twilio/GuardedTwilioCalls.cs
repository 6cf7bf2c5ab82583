using Ivr.Api.Metrics;

namespace Ivr.Api.Twilio;

/// <summary>
/// The REST client behind the circuit breaker of <see cref="TwilioHealth"/>: while Twilio cannot be reached or
/// rejects the credentials, requests fail at once with <see cref="TwilioUnavailableException"/> (nothing is sent),
/// and every outcome of a request that is sent is reported to the health. Each method is one line through
/// <see cref="GuardAsync{T}"/>.
/// </summary>
public sealed class GuardedTwilioCalls(TwilioCallsClient inner, TwilioHealth health) : ITwilioCalls
{
    public Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct) =>
        GuardAsync(() => inner.CreateCallAsync(request, ct));

    public Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct) =>
        GuardAsync(() => inner.UpdateCallAsync(callSid, request, ct));

    public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct) =>
        GuardAsync(() => inner.FetchCallAsync(callSid, ct));

    private async Task<T> GuardAsync<T>(Func<Task<T>> send)
    {
        if (!health.TryEnter())
        {
            HotlineMetrics.TwilioRequestEnded("not_sent");
            throw new TwilioUnavailableException(health.Current());
        }
        try
        {
            var answer = await send();
            health.Answered();
            HotlineMetrics.TwilioRequestEnded("answered");
            return answer;
        }
        catch (TwilioApiException rejected) when (rejected.HttpStatus is 401 or 403)
        {
            health.CredentialsRejected();
            HotlineMetrics.TwilioRequestEnded("credentials_rejected");
            throw;
        }
        catch (Exception failed) when (TwilioFailure.IsOutage(failed))
        {
            health.Unreachable();
            HotlineMetrics.TwilioRequestEnded("unreachable");
            throw;
        }
        catch (TwilioApiException)
        {
            health.Answered(); // Twilio refused this request, so it is up and takes the credentials
            HotlineMetrics.TwilioRequestEnded("refused");
            throw;
        }
        catch
        {
            health.Inconclusive();
            HotlineMetrics.TwilioRequestEnded("error");
            throw;
        }
    }
}

/// <summary>Nothing was sent: Twilio is left alone for now (breaker open, or credentials rejected).</summary>
public sealed class TwilioUnavailableException(TwilioHealth.View health)
    : Exception($"Twilio is not called now: {health.Status} since {health.Since:u}; next trial at {health.NextTrialAt:u}.")
{
    public TwilioHealth.View Health { get; } = health;
}

/// <summary>How a failed request to Twilio is read: whether Twilio is down, and whether a new call was certainly not placed.</summary>
public static class TwilioFailure
{
    /// <summary>No connection, no name, no TLS: the request never reached Twilio.</summary>
    public static bool NeverSent(HttpRequestException exception) =>
        exception.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError;

    /// <summary>Twilio could not be reached or failed the request: what the circuit breaker counts.</summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        HttpRequestException or TimeoutException => true,
        TwilioApiException { HttpStatus: >= 500 } => true,
        _ => false,
    };

    /// <summary>
    /// Whether a create-call certainly placed no call, so its try can be given back: nothing was sent (breaker, no
    /// connection), Twilio refused it for now (429) or rejected the credentials (401/403), or Twilio itself answered
    /// a 5xx with its error body (it creates a call only with a 201). A 504, or a 5xx without Twilio's body, came
    /// from a gateway that may have passed the request on: unsure, like a timeout.
    /// </summary>
    public static bool CertainlyNotPlaced(Exception exception) => exception switch
    {
        TwilioUnavailableException => true,
        HttpRequestException network => NeverSent(network),
        TwilioApiException { HttpStatus: 429 or 401 or 403 } => true,
        TwilioApiException { HttpStatus: >= 500 and not 504, Code: not null } => true,
        _ => false,
    };
}
