using System.Globalization;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Voice;

/// <summary>
/// A voice webhook as Twilio sent it: the form read once into the fields the hotline uses (a field Twilio did not
/// send is empty), the request for its route and query values, and the absolute URLs to answer it with.
/// </summary>
public sealed record VoiceRequest
{
    public required HttpRequest Http { get; init; }
    public string CallSid { get; init; } = "";
    public string From { get; init; } = "";
    public string To { get; init; } = "";
    public string Digits { get; init; } = "";
    public string SpeechResult { get; init; } = "";
    public string CallStatus { get; init; } = "";
    public int? CallDuration { get; init; }
    public string DialCallStatus { get; init; } = "";
    public int? DialCallDuration { get; init; }
    public string QueueResult { get; init; } = "";
    public int? QueueTime { get; init; }
    public string ParentCallSid { get; init; } = "";

    private string? PublicBaseUrl { get; init; }
    private string? ConnectionOverrides { get; init; }

    /// <summary>Reads the form (a request without one has empty fields) and keeps the result for the apology path.</summary>
    public static async Task<VoiceRequest> ReadAsync(HttpContext http)
    {
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : FormCollection.Empty;
        var services = http.RequestServices;
        var request = new VoiceRequest
        {
            Http = http.Request,
            CallSid = form["CallSid"].ToString(),
            From = form["From"].ToString(),
            To = form["To"].ToString(),
            Digits = form["Digits"].ToString(),
            SpeechResult = form["SpeechResult"].ToString(),
            CallStatus = form["CallStatus"].ToString(),
            CallDuration = Number(form["CallDuration"]),
            DialCallStatus = form["DialCallStatus"].ToString(),
            DialCallDuration = Number(form["DialCallDuration"]),
            QueueResult = form["QueueResult"].ToString(),
            QueueTime = Number(form["QueueTime"]),
            ParentCallSid = form["ParentCallSid"].ToString(),
            PublicBaseUrl = services.GetRequiredService<IOptions<IvrOptions>>().Value.PublicBaseUrl,
            ConnectionOverrides = services.GetRequiredService<IOptions<TwilioOptions>>().Value.ConnectionOverrides,
        };
        http.Features.Set(request);
        return request;
    }

    /// <summary>A query string value of the webhook URL (empty when absent).</summary>
    public string Query(string name) => Http.Query[name].ToString();

    /// <summary>A query string value as a number; null when absent or not a number.</summary>
    public long? QueryNumber(string name) =>
        long.TryParse(Http.Query[name], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A value of the route (<c>{department}</c>, <c>{id}</c>).</summary>
    public string Route(string name) => Http.RouteValues[name]?.ToString() ?? "";

    /// <summary>
    /// The absolute URL Twilio is to request next: the public base the signature is checked against, with the
    /// connection overrides that make Twilio retry a refused or slow webhook.
    /// </summary>
    public Uri Url(string pathAndQuery) =>
        new(Twilio.ConnectionOverrides.Apply(PublicUrl.Action(PublicBaseUrl, Http, pathAndQuery), ConnectionOverrides));

    private static int? Number(string? value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null;
}
