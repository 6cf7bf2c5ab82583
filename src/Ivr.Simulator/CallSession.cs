using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>One call in progress: its events, virtual clock and request count.</summary>
internal sealed class CallSession(HttpClient http, SimulatorOptions options, ICaller caller, CallSetup setup, CancellationToken ct)
{
    private const double CharactersSpokenPerSecond = 15;

    private abstract record Outcome;
    private sealed record FellThrough : Outcome;
    private sealed record LeftQueue : Outcome;
    private sealed record Ended(string Reason) : Outcome;
    private sealed record Fetch(string Url, string Method, IReadOnlyList<KeyValuePair<string, string>> Parameters, bool IsRedirect = false) : Outcome;

    private static readonly FellThrough Next = new();

    private readonly List<CallEvent> events = [];
    private readonly DateTimeOffset startedAt = options.Clock.GetUtcNow();
    private TimeSpan clock;
    private int requests;
    private string finalStatus = "completed";

    public async Task<CallRecord> RunAsync(string voiceUrl)
    {
        var outcome = await FollowAsync(new Fetch(voiceUrl, "POST", []), inQueue: false);
        var endReason = outcome is Ended ended ? ended.Reason : "completed";
        if (options.StatusCallbackUrl is { } statusCallback)
            await PostStatusCallbackAsync(statusCallback);
        return new CallRecord(setup.CallSid, events, endReason, finalStatus, clock);
    }

    /// <summary>Requests a document, runs it, and keeps going while the TwiML sends the call to another URL.</summary>
    private async Task<Outcome> FollowAsync(Fetch first, bool inQueue)
    {
        var redirectsInQueue = new HashSet<string>();
        Outcome outcome = first;
        while (outcome is Fetch fetch)
        {
            // Hold music usually loops back to itself; the simulated caller hangs up when it comes around.
            if (inQueue && fetch.IsRedirect && !redirectsInQueue.Add(fetch.Url))
                return Next;
            if (++requests > options.MaxRequestsPerCall)
                return Fail($"more than {options.MaxRequestsPerCall} requests in one call: the TwiML loops");

            var (status, body) = await SendAsync(fetch.Url, fetch.Method, fetch.Parameters);
            if (status is < 200 or > 299)
                return Fail($"{fetch.Method} {fetch.Url} answered HTTP {status}");
            try
            {
                outcome = await RunAsync(Twiml.Parse(body), fetch.Url, inQueue);
            }
            catch (InvalidTwimlException e)
            {
                return Fail($"{e.Message} (from {fetch.Url})");
            }
        }
        return outcome;
    }

    private async Task<Outcome> RunAsync(XElement response, string documentUrl, bool inQueue)
    {
        foreach (var verb in response.Elements())
        {
            var outcome = await ExecuteAsync(verb, documentUrl, inQueue);
            if (outcome is not FellThrough)
                return outcome;
        }
        return Next;
    }

    private async Task<Outcome> ExecuteAsync(XElement verb, string documentUrl, bool inQueue)
    {
        switch (verb.Name.LocalName)
        {
            case "Say":
                Say(verb);
                return Next;
            case "Play":
                Add(new Played(Twiml.OwnText(verb), Twiml.Integer(verb, "loop", 0) ?? 1));
                return Next;
            case "Pause":
                var seconds = Twiml.Integer(verb, "length", 0) ?? 1;
                Add(new Paused(seconds));
                clock += TimeSpan.FromSeconds(seconds);
                return Next;
            case "Gather":
                return await GatherAsync(verb, documentUrl, inQueue);
            case "Redirect":
                var target = Twiml.OwnText(verb);
                if (target.Length == 0)
                    throw new InvalidTwimlException("<Redirect> needs a URL");
                var url = Twiml.Resolve(documentUrl, target);
                Add(new Redirected(url));
                return new Fetch(url, Twiml.Method(verb), [], IsRedirect: true);
            case "Hangup":
                Add(new HungUp("twiml"));
                return new Ended("hung up by TwiML");
            case "Reject":
                var reason = Twiml.Text(verb, "reason") ?? "rejected";
                Add(new Rejected(reason));
                finalStatus = reason == "busy" ? "busy" : "no-answer";
                return new Ended($"rejected ({reason})");
            case "Leave":
                return inQueue ? new LeftQueue() : Next;
            case "Enqueue" when inQueue:
                throw new InvalidTwimlException("<Enqueue> is not allowed in a waitUrl document");
            case "Enqueue":
                return await EnqueueAsync(verb, documentUrl);
            case "Dial":
                return Dial(verb, documentUrl);
            default:
                throw new InvalidTwimlException($"unknown verb <{verb.Name}>");
        }
    }

    private void Say(XElement verb)
    {
        var text = string.Join(' ', verb.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var language = Twiml.Text(verb, "language") ?? "en-US";
        var voice = Twiml.Text(verb, "voice");
        // loop="0" repeats until the caller hangs up; once is enough to know what was said.
        var loop = Math.Max(1, Twiml.Integer(verb, "loop", 0) ?? 1);
        for (var i = 0; i < loop; i++)
        {
            Add(new Said(text, language, voice));
            clock += SpeakingTime(text);
        }
    }

    private async Task<Outcome> GatherAsync(XElement verb, string documentUrl, bool inQueue)
    {
        var input = Twiml.Text(verb, "input") ?? "dtmf";
        var modes = input.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (modes.Length == 0 || modes.Any(m => m is not ("dtmf" or "speech")))
            throw new InvalidTwimlException($"<Gather> input=\"{input}\" must be dtmf, speech or \"dtmf speech\"");
        var timeout = Twiml.Integer(verb, "timeout", 1) ?? 5;
        var numDigits = Twiml.Integer(verb, "numDigits", 1);
        var finishOnKey = Twiml.Text(verb, "finishOnKey") ?? "#";
        var action = Twiml.Resolve(documentUrl, Twiml.Text(verb, "action") is { Length: > 0 } a ? a : documentUrl);
        var method = Twiml.Method(verb);
        var actionOnEmptyResult = Twiml.Boolean(verb, "actionOnEmptyResult");
        var hints = Twiml.Text(verb, "hints");

        foreach (var prompt in verb.Elements())
            await ExecuteAsync(prompt, documentUrl, inQueue);

        var language = Twiml.Text(verb, "language") ?? "en-US";
        var listeningFrom = clock;
        var answer = await caller.ListenAsync(new GatherPrompt(input, timeout, numDigits, finishOnKey, hints, language), ct);
        if (answer is CallerInput.HangUp)
            return HangUpByCaller("caller hung up");

        List<KeyValuePair<string, string>> parameters = [];
        CallerInput heard = new CallerInput.Silence();
        switch (answer)
        {
            case CallerInput.Keys keys when modes.Contains("dtmf"):
                var (digits, finishedOnKey, timedOut) = CollectKeys(keys.Digits, numDigits, finishOnKey);
                clock += TimeSpan.FromSeconds(keys.Digits.Length + (timedOut ? timeout : 0));
                if (digits.Length > 0)
                {
                    heard = new CallerInput.Keys(digits);
                    parameters = [new("Digits", digits), new("FinishedOnKey", finishedOnKey)];
                }
                break;
            case CallerInput.Speech speech when modes.Contains("speech"):
                clock += SpeakingTime(speech.Text);
                heard = speech;
                parameters = [new("SpeechResult", speech.Text), new("Confidence", "0.9")];
                break;
            default:
                // Silence, or input of a kind this Gather does not listen for: Twilio waits out the timeout.
                clock += TimeSpan.FromSeconds(timeout);
                break;
        }

        Add(new Listened(input, heard, timeout, hints), at: listeningFrom);
        if (heard is CallerInput.Silence && !actionOnEmptyResult)
            return Next;
        return new Fetch(action, method, parameters);
    }

    /// <summary>Ends on finishOnKey (not included; pressed first it means no input), on numDigits, or on timeout.</summary>
    internal static (string Digits, string FinishedOnKey, bool TimedOut) CollectKeys(string pressed, int? numDigits, string finishOnKey)
    {
        var digits = new StringBuilder();
        foreach (var key in pressed)
        {
            if (finishOnKey.Length > 0 && key == finishOnKey[0])
                return (digits.ToString(), finishOnKey, false);
            digits.Append(key);
            if (digits.Length == numDigits)
                return (digits.ToString(), "", false);
        }
        return (digits.ToString(), "", true);
    }

    private async Task<Outcome> EnqueueAsync(XElement verb, string documentUrl)
    {
        var queue = Twiml.OwnText(verb);
        if (queue.Length == 0)
            throw new InvalidTwimlException("<Enqueue> needs a queue name");
        var waitUrl = Twiml.Text(verb, "waitUrl") is { Length: > 0 } w ? Twiml.Resolve(documentUrl, w) : null;
        var waitMethod = Twiml.Method(verb, "waitUrlMethod");
        var action = Twiml.Text(verb, "action") is { Length: > 0 } a ? Twiml.Resolve(documentUrl, a) : null;
        var method = Twiml.Method(verb);
        Add(new Enqueued(queue, waitUrl, action));

        var queueSid = "QU" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queue)))[..32];
        var enqueuedAt = clock;
        var waited = waitUrl is null ? Next : await FollowAsync(new Fetch(waitUrl, waitMethod,
        [
            new("QueuePosition", "1"), new("QueueSid", queueSid), new("QueueTime", "0"), new("AvgQueueTime", "0"),
            new("CurrentQueueSize", "1"), new("MaxQueueSize", "1000"),
        ]), inQueue: true);
        if (waited is Ended)
            return waited;

        // No agents are simulated yet: unless the wait TwiML says <Leave>, the caller gives up and hangs up.
        var left = waited is LeftQueue;
        List<KeyValuePair<string, string>> result =
        [
            new("QueueResult", left ? "leave" : "hangup"), new("QueueSid", queueSid), new("QueueTime", WholeSeconds(clock - enqueuedAt)),
        ];
        if (left)
            return action is null ? Next : new Fetch(action, method, result);

        HangUpByCaller("caller hung up in queue");
        if (action is not null && ++requests <= options.MaxRequestsPerCall)
            await SendAsync(action, method, result); // the call is gone, so the document is ignored
        return new Ended("caller hung up in queue");
    }

    private Outcome Dial(XElement verb, string documentUrl)
    {
        IReadOnlyList<DialTarget> targets = verb.HasElements
            ? verb.Elements().Select(e => new DialTarget(e.Name.LocalName, e.Value.Trim())).ToList()
            : [new DialTarget("Number", Twiml.OwnText(verb))];
        if (targets.Any(t => t.Address.Length == 0))
            throw new InvalidTwimlException("<Dial> has nothing to dial");
        var action = Twiml.Text(verb, "action") is { Length: > 0 } a ? Twiml.Resolve(documentUrl, a) : null;
        var method = Twiml.Method(verb);
        Add(new Dialed(targets, action, verb.Attributes().ToDictionary(x => x.Name.LocalName, x => x.Value)));

        // Nobody is simulated on the other end: the dialed leg "completes" at once.
        return action is null ? Next : new Fetch(action, method,
            [new("DialCallStatus", "completed"), new("DialCallSid", Sids.New("CA")), new("DialCallDuration", "0")]);
    }

    private Ended HangUpByCaller(string reason)
    {
        Add(new HungUp("caller"));
        return new Ended(reason);
    }

    private Ended Fail(string reason)
    {
        Add(new ApplicationError(reason));
        return new Ended($"application error: {reason}");
    }

    private async Task PostStatusCallbackAsync(Uri url)
    {
        var minutes = (int)Math.Ceiling(clock.TotalMinutes);
        var timestamp = (startedAt + clock).ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        await SendAsync(url.OriginalString, "POST",
        [
            new("CallDuration", WholeSeconds(clock)), new("Duration", minutes.ToString(CultureInfo.InvariantCulture)),
            new("Timestamp", timestamp), new("CallbackSource", "call-progress-events"), new("SequenceNumber", "0"),
        ], callStatus: finalStatus);
    }

    private async Task<(int Status, string Body)> SendAsync(string url, string method, IReadOnlyList<KeyValuePair<string, string>> specific, string? callStatus = null)
    {
        // The first webhook of an inbound call arrives while it rings; later ones while it is in progress.
        callStatus ??= events.OfType<Requested>().Any() ? "in-progress" : "ringing";
        List<KeyValuePair<string, string>> form =
        [
            new("CallSid", setup.CallSid), new("AccountSid", options.AccountSid), new("From", setup.From), new("To", setup.To),
            new("Caller", setup.From), new("Called", setup.To), new("CallStatus", callStatus), new("ApiVersion", "2010-04-01"),
            new("Direction", "inbound"),
        ];
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

        using (request)
        using (var response = await http.SendAsync(request, ct))
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            Add(new Requested(url, method, form.ToDictionary(p => p.Key, p => p.Value), status));
            return (status, body);
        }
    }

    private void Add(CallEvent e, TimeSpan? at = null)
    {
        var stamped = e with { At = at ?? clock };
        events.Add(stamped);
        options.OnEvent?.Invoke(stamped);
    }

    private static TimeSpan SpeakingTime(string text) => TimeSpan.FromSeconds(text.Length / CharactersSpokenPerSecond);

    private static string WholeSeconds(TimeSpan span) => ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
