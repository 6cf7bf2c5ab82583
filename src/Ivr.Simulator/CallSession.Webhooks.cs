using System.Globalization;

namespace Ivr.Simulator;

/// <summary>The webhooks a call sends: signed requests as Twilio makes them, status and progress callbacks, and the
/// switchboard's faults on them (lost, late, twice, reordered).</summary>
internal sealed partial class CallSession
{
    /// <summary>The action callback of a call that is ending (the caller hung up), under the switchboard's faults:
    /// lost, after the status callback, late, or twice. Its answer is ignored, as the call is gone.</summary>
    private async Task SendActionOfEndingCallAsync(string action, string method, IReadOnlyList<KeyValuePair<string, string>> parameters,
        WebhookFate? drawn = null)
    {
        if (live is null)
        {
            await SendAsync(action, method, parameters, kind: WebhookKind.Action);
            return;
        }
        // Twilio has the call completed from the moment the caller hangs up, whatever the webhooks still do.
        live.End(finalStatus);
        var fate = drawn ?? live.Dice.Draw(action: true);
        if (fate.Lost)
        {
            live.Board.Inject("lose-action");
            return;
        }
        if (fate.Reordered && live.StatusCallback is { } statusCallback && live.StatusEvents.Contains("completed"))
        {
            live.Board.Inject("reorder");
            await PostStatusCallbackAsync(statusCallback);
            statusPosted = true;
        }
        if (fate.Late)
            await DelayAsync(live.Board.Options.Faults.LateBy, "late");
        await SendAsync(action, method, parameters, kind: WebhookKind.Action);
        if (fate.Twice)
            await SendCopyAsync(action, method, parameters, WebhookKind.Action);
    }

    /// <summary>A second delivery of a webhook just sent; its answer is ignored.</summary>
    private async Task SendCopyAsync(string url, string method, IReadOnlyList<KeyValuePair<string, string>> parameters, WebhookKind kind,
        string? callStatus = null)
    {
        live!.Board.Inject("duplicate");
        await SendAsync(url, method, parameters, callStatus, kind: kind, copy: true);
    }

    /// <summary>A wait for a late webhook: on the switchboard's clock, and not cut short by the REST API.</summary>
    private async Task DelayAsync(TimeSpan span, string fault)
    {
        live!.Board.Inject(fault);
        await live.Board.WaitAsync(span, CancellationToken.None);
        Sync();
    }

    private async Task PostStatusCallbackAsync(Uri url)
    {
        var talked = finalStatus == "completed" ? clock - answeredAt : TimeSpan.Zero;
        var minutes = (int)Math.Ceiling(talked.TotalMinutes);
        List<KeyValuePair<string, string>> parameters =
        [
            new("CallDuration", WholeSeconds(talked)), new("Duration", minutes.ToString(CultureInfo.InvariantCulture)),
            .. ProgressParameters(),
        ];
        await PostStatusAsync(url, parameters, finalStatus, canBeLate: true);
    }

    /// <summary>The initiated, ringing and answered callbacks of an outbound call, when asked for with StatusCallbackEvent.</summary>
    private async Task PostProgressAsync(string statusEvent, string callStatus)
    {
        if (live!.StatusCallback is { } url && live.StatusEvents.Contains(statusEvent))
            await PostStatusAsync(url, ProgressParameters(), callStatus, canBeLate: false);
    }

    /// <summary>A status callback under the switchboard's faults: lost, late (only the last one, sent after the call
    /// ended, so that a late one never holds the call up), or twice.</summary>
    private async Task PostStatusAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> parameters, string callStatus, bool canBeLate)
    {
        var fate = live?.Dice.Draw(action: false) ?? WebhookFate.Normal;
        if (fate.Lost)
        {
            live!.Board.Inject("lose-status");
            return;
        }
        if (fate.Late && canBeLate)
            await DelayAsync(live!.Board.Options.Faults.LateBy, "late");
        await SendAsync(url.OriginalString, "POST", parameters, callStatus, kind: WebhookKind.Status);
        if (fate.Twice)
            await SendCopyAsync(url.OriginalString, "POST", parameters, WebhookKind.Status, callStatus);
    }

    private List<KeyValuePair<string, string>> ProgressParameters()
    {
        Sync();
        var timestamp = (startedAt + clock).ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        return
        [
            new("Timestamp", timestamp), new("CallbackSource", "call-progress-events"),
            new("SequenceNumber", (sequenceNumber++).ToString(CultureInfo.InvariantCulture)),
        ];
    }

    private async Task<(int Status, string Body)> SendAsync(string url, string method, IReadOnlyList<KeyValuePair<string, string>> specific,
        string? callStatus = null, Leg? leg = null, WebhookKind kind = WebhookKind.Document, bool copy = false)
    {
        // Like Twilio, the connection overrides after '#' are read here and neither sent nor signed.
        if (url.IndexOf('#') is var hash and >= 0)
            url = url[..hash];
        // The first webhook of an inbound call arrives while it rings; later ones while it is in progress.
        callStatus ??= events.OfType<Requested>().Any() || live?.Direction == "outbound-api" ? "in-progress" : "ringing";
        leg ??= new Leg(setup.CallSid, setup.From, setup.To, live?.Direction ?? "inbound", null);
        List<KeyValuePair<string, string>> form =
        [
            new("CallSid", leg.CallSid), new("AccountSid", options.AccountSid), new("From", leg.From), new("To", leg.To),
            new("Caller", leg.From), new("Called", leg.To), new("CallStatus", callStatus), new("ApiVersion", "2010-04-01"),
            new("Direction", leg.Direction),
        ];
        if (leg.ParentCallSid is { } parent)
            form.Add(new("ParentCallSid", parent));
        form.AddRange(specific);
        HttpRequestMessage request;
        if (method == "GET")
        {
            // Twilio appends the parameters to the query string and signs the whole URL.
            var query = string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
            var fullUrl = url + (url.Contains('?') ? "&" : "?") + query;
            request = new HttpRequestMessage(HttpMethod.Get, fullUrl);
            request.Headers.Add(RequestSigner.HeaderName, RequestSigner.Sign(options.AuthToken, fullUrl, []));
        }
        else
        {
            request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add(RequestSigner.HeaderName, RequestSigner.Sign(options.AuthToken, url, form));
        }
        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");
        // Twilio marks each webhook with a token that its retries repeat; a duplicate delivery here is another webhook.
        request.Headers.Add("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString("N"));

        int status;
        string body;
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, ct);
                body = await response.Content.ReadAsStringAsync(ct);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException) when (live is not null)
            {
                // The service is down (connection refused): Twilio plays its own error; kept apart from answers.
                (status, body) = (0, "");
            }
        }
        var verbs = status is >= 200 and <= 299 ? Verbs(body) : null;
        Add(new Requested(url, method, form.ToDictionary(p => p.Key, p => p.Value), status) { Verbs = verbs ?? [] });
        live?.Board.Record(new WebhookAnswer(leg.CallSid, url, kind, status, verbs is not null,
            options.Clock.GetUtcNow(), copy));
        return (status, body);
    }

    /// <summary>The top-level verbs of a TwiML answer; null when it is not TwiML.</summary>
    private static List<string>? Verbs(string body)
    {
        try
        {
            return Twiml.Parse(body).Elements().Select(e => e.Name.LocalName).ToList();
        }
        catch (InvalidTwimlException)
        {
            return null;
        }
    }
}
