namespace Ivr.Api.Twilio;

/// <summary>
/// Places and redirects calls: Twilio's REST Calls API, or the local simulator standing in for it. Calls may retry
/// for seconds, so use it from background work, never while a webhook waits for its TwiML.
/// </summary>
public interface ITwilioCalls
{
    /// <summary>Places an outbound call; Twilio answers with the new call, usually <c>queued</c>.</summary>
    Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct);

    /// <summary>Redirects a live call to new TwiML, or ends it.</summary>
    Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct);

    /// <summary>
    /// The call as Twilio knows it now (its status, and when it ended); an unknown call is a
    /// <see cref="TwilioApiException"/> with HTTP 404 (code 20404).
    /// </summary>
    Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct);
}
