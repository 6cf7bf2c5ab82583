using System.Xml.Linq;
using Ivr.Api.Voice;

namespace Ivr.Api.Tests;

/// <summary>Posts webhooks the way Twilio does: its form fields, signed over the public URL.</summary>
public sealed class TwilioRequests(HttpClient client, string token = TwilioOptions.LocalAuthToken)
{
    /// <summary>The fields Twilio sends with an inbound call's first webhook (a Polish mobile calling the shop).</summary>
    public static Dictionary<string, string> IncomingCall(string callSid, string from = "+48500100200") => new()
    {
        ["AccountSid"] = "AC0123456789abcdef0123456789abcdef", ["ApiVersion"] = "2010-04-01", ["CallSid"] = callSid,
        ["CallStatus"] = "ringing", ["Called"] = "+48221000000", ["CalledCity"] = "", ["CalledCountry"] = "PL",
        ["CalledState"] = "", ["CalledZip"] = "", ["Caller"] = from, ["CallerCity"] = "", ["CallerCountry"] = "PL",
        ["CallerState"] = "", ["CallerZip"] = "", ["Direction"] = "inbound", ["From"] = from, ["FromCity"] = "",
        ["FromCountry"] = "PL", ["FromState"] = "", ["FromZip"] = "", ["To"] = "+48221000000", ["ToCity"] = "",
        ["ToCountry"] = "PL", ["ToState"] = "", ["ToZip"] = "",
    };

    /// <summary>A Gather action request: the standard fields plus what the caller pressed or said.</summary>
    public static Dictionary<string, string> Gathered(string callSid, string? digits = null, string? speech = null)
    {
        var form = IncomingCall(callSid);
        form["CallStatus"] = "in-progress";
        if (digits is not null)
        {
            form["Digits"] = digits;
            form["FinishedOnKey"] = "";
        }
        if (speech is not null)
        {
            form["SpeechResult"] = speech;
            form["Confidence"] = "0.91";
        }
        return form;
    }

    public static string NewCallSid() => "CA" + Guid.NewGuid().ToString("N");

    /// <summary>Headers sent with every webhook (such as I-Twilio-Idempotency-Token).</summary>
    public Dictionary<string, string> Headers { get; } = [];

    public async Task<HttpResponseMessage> PostAsync(string pathAndQuery, Dictionary<string, string> form, string? signature = null)
    {
        // As Twilio does: the connection overrides after '#' are for Twilio alone, neither sent nor signed.
        if (pathAndQuery.IndexOf('#') is var hash and >= 0)
            pathAndQuery = pathAndQuery[..hash];
        var url = HotlineFactory.PublicBaseUrl + pathAndQuery;
        var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        foreach (var (name, value) in Headers)
            request.Headers.Add(name, value);
        request.Headers.Add("X-Twilio-Signature",
            signature ?? Ivr.Api.Tests.Voice.TwilioSignatureTests.Compute(token, url, form.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))));
        return await client.SendAsync(request);
    }

    /// <summary>Posts and returns the TwiML, asserting that it is a 200 with a well-formed Response.</summary>
    public async Task<XDocument> TwimlAsync(string pathAndQuery, Dictionary<string, string> form)
    {
        using var response = await PostAsync(pathAndQuery, form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.StartsWith("text/xml", response.Content.Headers.ContentType?.ToString());
        var document = XDocument.Parse(body);
        Assert.Equal("Response", document.Root?.Name.LocalName);
        return document;
    }

    /// <summary>The path and query of the first Gather's action, as the next request would use it.</summary>
    public static string GatherAction(XDocument twiml)
    {
        var action = twiml.Descendants("Gather").Single().Attribute("action")!.Value;
        Assert.StartsWith(HotlineFactory.PublicBaseUrl, action);
        return action[HotlineFactory.PublicBaseUrl.Length..];
    }

    public static List<string> Spoken(XDocument twiml) => twiml.Descendants("Say").Select(s => s.Value).ToList();
}
