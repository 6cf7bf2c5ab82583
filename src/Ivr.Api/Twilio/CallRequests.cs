using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Twilio;

/// <summary>
/// An outbound call: <see cref="To"/>, <see cref="From"/> and exactly one of <see cref="Url"/> (fetched with POST)
/// or <see cref="Twiml"/>. Checked when sent (the SDK's <see cref="CreateCallOptions"/> checks nothing); a broken
/// request throws <see cref="ArgumentException"/>.
/// </summary>
public sealed record CreateCallRequest
{
    /// <summary>Every status callback event Twilio knows, in the order a call goes through them.</summary>
    public static readonly IReadOnlyList<string> AllStatusCallbackEvents = ["initiated", "ringing", "answered", "completed"];

    /// <summary>E.164 number, SIP URI or <c>client:name</c>.</summary>
    public required string To { get; init; }

    /// <summary>A Twilio number of the account (the caller id).</summary>
    public required string From { get; init; }

    public Uri? Url { get; init; }
    public string? Twiml { get; init; }
    public Uri? StatusCallback { get; init; }

    /// <summary>Events posted to <see cref="StatusCallback"/>; Twilio's default is <c>completed</c> only.</summary>
    public IReadOnlyList<string> StatusCallbackEvents { get; init; } = [];

    /// <summary>Seconds to let the phone ring (Twilio: default 60, at most 600).</summary>
    public int? TimeoutSeconds { get; init; }

    internal CreateCallOptions ToOptions()
    {
        if (string.IsNullOrWhiteSpace(To))
            throw new ArgumentException("CreateCallRequest.To is empty: set the number to call.", nameof(To));
        if (string.IsNullOrWhiteSpace(From))
            throw new ArgumentException("CreateCallRequest.From is empty: set the Twilio number calls come from.", nameof(From));
        if ((Url is null) == (Twiml is null))
            throw new ArgumentException("CreateCallRequest needs exactly one of Url and Twiml.", nameof(Url));
        if (StatusCallback is null && StatusCallbackEvents.Count > 0)
            throw new ArgumentException("CreateCallRequest.StatusCallbackEvents need a StatusCallback URL.", nameof(StatusCallback));
        if (StatusCallbackEvents.FirstOrDefault(e => !AllStatusCallbackEvents.Contains(e)) is { } unknown)
            throw new ArgumentException(
                $"CreateCallRequest.StatusCallbackEvents: '{unknown}' is not one of {string.Join(", ", AllStatusCallbackEvents)}.",
                nameof(StatusCallbackEvents));
        if (TimeoutSeconds is < 1 or > 600)
            throw new ArgumentException($"CreateCallRequest.TimeoutSeconds is {TimeoutSeconds}: use 1 to 600.", nameof(TimeoutSeconds));

        var options = new CreateCallOptions(new PhoneNumber(To), new PhoneNumber(From)) { Timeout = TimeoutSeconds };
        (options.Url, options.Twiml, options.Method) = Instructions.Of(Url, Twiml);
        if (StatusCallback is not null)
        {
            options.StatusCallback = new Uri(Instructions.Absolute(StatusCallback, nameof(StatusCallback)));
            options.StatusCallbackMethod = HttpMethod.Post;
            options.StatusCallbackEvent = [.. StatusCallbackEvents];
        }
        return options;
    }
}

/// <summary>A change to a live call: redirect it to a URL or to TwiML, or end it. Built through the factory methods.</summary>
public sealed record UpdateCallRequest
{
    private UpdateCallRequest(Uri? url, string? twiml, CallResource.UpdateStatusEnum? status) => (Url, Twiml, Status) = (url, twiml, status);

    public Uri? Url { get; }
    public string? Twiml { get; }
    public CallResource.UpdateStatusEnum? Status { get; }

    /// <summary>The call leaves its current TwiML and fetches <paramref name="url"/> with POST.</summary>
    public static UpdateCallRequest Redirect(Uri url)
    {
        Instructions.Absolute(url, nameof(url));
        return new(url, null, null);
    }

    /// <summary>The call leaves its current TwiML and runs <paramref name="twiml"/>.</summary>
    public static UpdateCallRequest WithTwiml(string twiml)
    {
        Instructions.CheckTwiml(twiml, nameof(twiml));
        return new(null, twiml, null);
    }

    /// <summary>Hangs up a call in progress (<c>Status=completed</c>).</summary>
    public static UpdateCallRequest Hangup() => new(null, null, CallResource.UpdateStatusEnum.Completed);

    /// <summary>Cancels a call that is still queued or ringing (<c>Status=canceled</c>).</summary>
    public static UpdateCallRequest Cancel() => new(null, null, CallResource.UpdateStatusEnum.Canceled);

    internal UpdateCallOptions ToOptions(string callSid)
    {
        var options = new UpdateCallOptions(callSid);
        if (Status is not null)
            options.Status = Status;
        else
            (options.Url, options.Twiml, options.Method) = Instructions.Of(Url, Twiml);
        return options;
    }
}

/// <summary>The Url-or-Twiml fields the create and update requests share.</summary>
file static class Instructions
{
    private const int MaxTwimlLength = 4000;

    /// <summary>The Url (fetched with POST) or the TwiML of a create or an update; exactly one is given.</summary>
    public static (Uri? Url, Twiml? Twiml, HttpMethod? Method) Of(Uri? url, string? twiml)
    {
        if (url is not null)
            return (new Uri(Absolute(url, "Url")), null, HttpMethod.Post);
        CheckTwiml(twiml, "Twiml");
        return (null, new Twiml(twiml), null);
    }

    public static string Absolute(Uri url, string name) =>
        url is { IsAbsoluteUri: true, Scheme: "http" or "https" }
            ? url.AbsoluteUri
            : throw new ArgumentException($"{name} must be an absolute http(s) URL, got '{url}'.", name);

    public static void CheckTwiml(string? twiml, string name)
    {
        if (string.IsNullOrWhiteSpace(twiml))
            throw new ArgumentException("Twiml is empty.", name);
        if (twiml.Length > MaxTwimlLength)
            throw new ArgumentException($"Twiml has {twiml.Length} characters; Twilio accepts at most {MaxTwimlLength}.", name);
    }
}
