using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ivr.Simulator;

/// <summary>Twilio's REST Calls API over a <see cref="Switchboard"/>: create, fetch and update (redirect, hang up)
/// calls, with Basic auth and Twilio's JSON bodies and error codes. Any host name; the path decides.</summary>
internal sealed partial class SwitchboardRestApi(Switchboard board) : HttpMessageHandler
{
    private static readonly string[] StatusEvents = ["initiated", "ringing", "answered", "completed"];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A request in flight keeps the clock still: the service waits for its answer before it moves on.
        board.Enter();
        try
        {
            if (board.Options.Faults.OutageAt(board.Clock.GetUtcNow()) is { } outage)
                return await FailAsync(outage.Kind, request, cancellationToken);
            return await HandleAsync(request, cancellationToken);
        }
        finally
        {
            board.Leave();
        }
    }

    private async Task<HttpResponseMessage> HandleAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var path = request.RequestUri!.AbsolutePath;
        var route = CallsRoute().Match(path);
        if (!route.Success)
            return Error(HttpStatusCode.NotFound, 20404, $"The requested resource {path} was not found");
        if (!IsAuthorized(request, route.Groups["account"].Value))
            return Error(HttpStatusCode.Unauthorized, 20003, "Authenticate");
        var form = ParseForm(request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct));

        if (!route.Groups["sid"].Success)
            return request.Method == HttpMethod.Post
                ? Create(form)
                : Error(HttpStatusCode.MethodNotAllowed, 20004, "Method not allowed");
        if (board.FindCall(route.Groups["sid"].Value) is not { } call)
            return Error(HttpStatusCode.NotFound, 20404, $"The requested resource {path} was not found");
        if (request.Method == HttpMethod.Get)
            return Resource(HttpStatusCode.OK, call);
        return request.Method == HttpMethod.Post
            ? Update(call, form)
            : Error(HttpStatusCode.MethodNotAllowed, 20004, "Method not allowed");
    }

    private bool IsAuthorized(HttpRequestMessage request, string account)
    {
        if (request.Headers.Authorization is not { Scheme: "Basic", Parameter: { } encoded })
            return false;
        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = $"{board.Options.AccountSid}:{board.Options.AuthToken}";
        return credentials == expected && account == board.Options.AccountSid;
    }

    private HttpResponseMessage Update(LiveCall call, ILookup<string, string> form)
    {
        var url = form["Url"].FirstOrDefault();
        var twiml = form["Twiml"].FirstOrDefault();
        var status = form["Status"].FirstOrDefault();
        Interruption? what = (url, twiml, status) switch
        {
            ({ Length: > 0 }, _, _) => new Interruption.Redirect(url, Method(form)),
            (_, { Length: > 0 }, _) => new Interruption.Inline(twiml),
            (_, _, "completed" or "canceled") => new Interruption.HangUp(status, "api"),
            _ => null,
        };
        if (what is null)
            return Error(HttpStatusCode.BadRequest, 20001, "Bad request: give Url, Twiml, or Status=completed|canceled");
        if (!call.TryInterrupt(what))
            return Error(HttpStatusCode.BadRequest, 21220, "Call is not in-progress. Cannot redirect.");
        return Resource(HttpStatusCode.OK, call);
    }

    private HttpResponseMessage Create(ILookup<string, string> form)
    {
        var to = form["To"].FirstOrDefault();
        var from = form["From"].FirstOrDefault();
        var url = form["Url"].FirstOrDefault();
        var twiml = form["Twiml"].FirstOrDefault();
        if (string.IsNullOrEmpty(to))
            return Error(HttpStatusCode.BadRequest, 21201, "No 'To' number is specified");
        if (string.IsNullOrEmpty(from))
            return Error(HttpStatusCode.BadRequest, 21603, "A 'From' phone number is required.");
        if (string.IsNullOrEmpty(url) && string.IsNullOrEmpty(twiml))
            return Error(HttpStatusCode.BadRequest, 21205, "Url parameter is required.");
        if (!string.IsNullOrEmpty(url) && !Uri.IsWellFormedUriString(url, UriKind.Absolute))
            return Error(HttpStatusCode.BadRequest, 21205, $"Url is not a valid URL: {url}");

        var timeout = int.TryParse(form["Timeout"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? Math.Clamp(seconds, 1, 600)
            : 60;
        var events = form["StatusCallbackEvent"].SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        if (events.FirstOrDefault(e => !StatusEvents.Contains(e)) is { } unknown)
            return Error(HttpStatusCode.BadRequest, 21626, $"StatusCallbackEvent '{unknown}' is not one of {string.Join(", ", StatusEvents)}");
        // Twilio always sends the completed callback; the other events only when asked for.
        events.Add("completed");
        var statusCallback = form["StatusCallback"].FirstOrDefault() is { Length: > 0 } callback ? new Uri(callback) : null;

        var call = board.CreateOutboundCall(to, from, string.IsNullOrEmpty(url) ? null : url, Method(form),
            string.IsNullOrEmpty(twiml) ? null : twiml, statusCallback, events, TimeSpan.FromSeconds(timeout));
        return Resource(HttpStatusCode.Created, call, status: "queued");
    }

    private static string Method(ILookup<string, string> form) =>
        string.Equals(form["Method"].FirstOrDefault(), "GET", StringComparison.OrdinalIgnoreCase) ? "GET" : "POST";

    private HttpResponseMessage Resource(HttpStatusCode code, LiveCall call, string? status = null)
    {
        var account = board.Options.AccountSid;
        var sid = call.Setup.CallSid;
        var start = call.Direction == "inbound" ? call.Created : call.Answered;
        var uri = $"/2010-04-01/Accounts/{account}/Calls/{sid}";
        var body = new Dictionary<string, object?>
        {
            ["sid"] = sid,
            ["date_created"] = Rfc2822(call.Created),
            ["date_updated"] = Rfc2822(board.Clock.GetUtcNow()),
            ["parent_call_sid"] = null,
            ["account_sid"] = account,
            ["to"] = call.Setup.To,
            ["to_formatted"] = call.Setup.To,
            ["from"] = call.Setup.From,
            ["from_formatted"] = call.Setup.From,
            ["phone_number_sid"] = null,
            ["status"] = status ?? call.Status,
            ["start_time"] = start is { } s ? Rfc2822(s) : null,
            ["end_time"] = call.Ended is { } e ? Rfc2822(e) : null,
            ["duration"] = call.Ended is { } end && start is { } begun
                ? ((long)(end - begun).TotalSeconds).ToString(CultureInfo.InvariantCulture)
                : null,
            ["price"] = null,
            ["price_unit"] = "USD",
            ["direction"] = call.Direction,
            ["answered_by"] = null,
            ["api_version"] = "2010-04-01",
            ["forwarded_from"] = null,
            ["group_sid"] = null,
            ["caller_name"] = null,
            ["queue_time"] = "0",
            ["trunk_sid"] = null,
            ["uri"] = uri + ".json",
            ["subresource_uris"] = new Dictionary<string, string>
            {
                ["notifications"] = uri + "/Notifications.json",
                ["recordings"] = uri + "/Recordings.json",
                ["events"] = uri + "/Events.json",
            },
        };
        return Json(code, body);
    }

    private static HttpResponseMessage Error(HttpStatusCode code, int twilioCode, string message) => Json(code, new Dictionary<string, object>
    {
        ["code"] = twilioCode,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{twilioCode}",
        ["status"] = (int)code,
    });

    private static HttpResponseMessage Json(HttpStatusCode code, object body) => new(code)
    {
        Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
    };

    private static string Rfc2822(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>Keeps repeated keys, as the SDKs send StatusCallbackEvent once per event.</summary>
    internal static ILookup<string, string> ParseForm(string encoded) =>
        encoded.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToLookup(kv => Decode(kv[0]), kv => kv.Length > 1 ? Decode(kv[1]) : "");

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    [GeneratedRegex("^/2010-04-01/Accounts/(?<account>[^/]+)/Calls(?:/(?<sid>[^/]+))?\\.json$")]
    private static partial Regex CallsRoute();
}
