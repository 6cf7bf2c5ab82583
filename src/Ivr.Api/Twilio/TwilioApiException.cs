namespace Ivr.Api.Twilio;

/// <summary>
/// Twilio refused a request. <see cref="Code"/> is Twilio's error code (21211 invalid To, 20003 bad credentials, ...;
/// see https://www.twilio.com/docs/api/errors), null when the answer carried no Twilio error body. The SDK's own
/// exception, when there is one, is the inner exception.
/// </summary>
public sealed class TwilioApiException(int httpStatus, int? code, string message, string? moreInfo, Exception? inner = null)
    : Exception(message, inner)
{
    public int HttpStatus { get; } = httpStatus;
    public int? Code { get; } = code;
    public string? MoreInfo { get; } = moreInfo;
}
