using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>One call in progress: its events, virtual clock and request count.</summary>
/// <remarks>Alone (<paramref name="live"/> null) time is a counter that jumps, a queue holds the caller for one round
/// of wait music and a dial completes at once. On a <see cref="Switchboard"/> time passes on its
/// <see cref="VirtualClock"/>, queues hold callers until the REST API redirects them or their patience runs out,
/// and dials ring simulated agents; the REST API interrupts whatever runs through <see cref="LiveCall.Interrupted"/>.</remarks>
internal sealed class CallSession(HttpClient http, SimulatorOptions options, ICaller caller, CallSetup setup, CancellationToken ct, LiveCall? live = null)
{
    private const double CharactersSpokenPerSecond = 15;

    private abstract record Outcome;
    private sealed record FellThrough : Outcome;
    private sealed record LeftByLeave : Outcome;
    private sealed record Ended(string Reason) : Outcome;
    /// <summary>Fate: for an action callback the call goes on after, what the switchboard's faults do to it.</summary>
    private sealed record Fetch(string Url, string Method, IReadOnlyList<KeyValuePair<string, string>> Parameters, bool IsRedirect = false,
        WebhookFate? Fate = null) : Outcome;
    private sealed record InlineTwiml(string Body) : Outcome;

    /// <summary>The call leg a webhook is about: the call itself, or the agent leg of a dial.</summary>
    private sealed record Leg(string CallSid, string From, string To, string Direction, string? ParentCallSid);

    private static readonly FellThrough Next = new();

    private readonly List<CallEvent> events = [];
    private readonly DateTimeOffset startedAt = options.Clock.GetUtcNow();
    private TimeSpan clock;
    private TimeSpan answeredAt;
    private int requests;
    private TimeSpan lastProgress;
    private int dials;
    private int sequenceNumber;
    private string finalStatus = "completed";
    private bool statusPosted;
    private string documentUrl = "";
    private CancellationToken interrupt = live?.Interrupted ?? CancellationToken.None;

    public async Task<CallRecord> RunAsync(string voiceUrl)
    {
        var outcome = await FollowInterruptibleAsync(new Fetch(voiceUrl, "POST", []));
        return await FinishAsync(outcome);
    }

    /// <summary>An outbound call placed through the REST API: it rings the customer first, and runs its TwiML only
    /// if answered within <paramref name="timeout"/>.</summary>
    public async Task<CallRecord> RunOutboundAsync(string? url, string method, string? twiml, SimulatedCustomer customer, TimeSpan timeout)
    {
        await PostProgressAsync("initiated", "initiated");
        live!.Status = "ringing";
        await PostProgressAsync("ringing", "ringing");
        Outcome outcome;
        try
        {
            if (customer.Busy)
                return await FinishAsync(NotAnswered("busy"));
            if (customer.PicksUp is { } picksUp)
            {
                if (!await picksUp(new RingingCall(setup.CallSid, setup.From, setup.To, timeout), interrupt))
                    return await FinishAsync(NotAnswered("no-answer"));
                Sync();
            }
            else if (customer.AnswersAfter is not { } after || after > timeout)
            {
                await PassAsync(timeout);
                return await FinishAsync(NotAnswered("no-answer"));
            }
            else
                await PassAsync(after);
        }
        catch (OperationCanceledException) when (live.Pending is Interruption.HangUp hangUp)
        {
            live.Take();
            return await FinishAsync(NotAnswered(hangUp.Status));
        }

        answeredAt = clock;
        live.Answered = options.Clock.GetUtcNow();
        live.Status = "in-progress";
        await PostProgressAsync("answered", "in-progress");
        // Url wins over Twiml, as on Twilio.
        outcome = await FollowInterruptibleAsync(url is null ? new InlineTwiml(twiml!) : new Fetch(url, method, []));
        return await FinishAsync(outcome);
    }

    private Ended NotAnswered(string status)
    {
        finalStatus = status;
        return new Ended($"not answered ({status})");
    }

    private async Task<CallRecord> FinishAsync(Outcome outcome)
    {
        var endReason = outcome is Ended ended ? ended.Reason : "completed";
        live?.End(finalStatus);
        var statusCallback = live is null ? options.StatusCallbackUrl : live.StatusCallback;
        if (statusCallback is not null && !statusPosted && (live is null || live.StatusEvents.Contains("completed")))
            await PostStatusCallbackAsync(statusCallback);
        return new CallRecord(setup.CallSid, events, endReason, finalStatus, clock)
        {
            StartedAt = startedAt,
            Direction = live?.Direction ?? "inbound",
        };
    }

    /// <summary>Follows the TwiML; when the REST API interrupts it, drops everything (queue, dial, gather) and
    /// goes where it says, as Twilio does.</summary>
    private async Task<Outcome> FollowInterruptibleAsync(Outcome outcome)
    {
        while (true)
        {
            try
            {
                return await FollowAsync(outcome, inQueue: false);
            }
            catch (OperationCanceledException) when (live?.Take() is { } interruption)
            {
                interrupt = live.Interrupted;
                switch (interruption)
                {
                    case Interruption.Redirect redirect:
                        Add(new Redirected(redirect.Url));
                        outcome = new Fetch(redirect.Url, redirect.Method, []);
                        break;
                    case Interruption.Inline inline:
                        outcome = new InlineTwiml(inline.Twiml);
                        break;
                    case Interruption.HangUp hangUp:
                        Add(new HungUp(hangUp.By));
                        finalStatus = hangUp.Status;
                        return new Ended(hangUp.By == "api" ? "hung up through the REST API" : "caller hung up");
                }
            }
        }
    }

    /// <summary>Requests a document, runs it, and keeps going while the TwiML sends the call to another URL.</summary>
    private async Task<Outcome> FollowAsync(Outcome first, bool inQueue)
    {
        var redirectsInQueue = new HashSet<string>();
        var outcome = first;
        while (outcome is Fetch or InlineTwiml)
        {
            string body;
            if (outcome is Fetch fetch)
            {
                // Hold music usually loops back to itself; alone, the simulated caller hangs up when it comes around.
                if (live is null && inQueue && fetch.IsRedirect && !redirectsInQueue.Add(fetch.Url))
                    return Next;
                // On a switchboard calls last long; only requests with no time passing in between reveal a loop.
                if (live is not null && clock > lastProgress)
                    (requests, lastProgress) = (0, clock);
                if (++requests > options.MaxRequestsPerCall)
                    return Fail(live is null
                        ? $"more than {options.MaxRequestsPerCall} requests in one call: the TwiML loops"
                        : $"more than {options.MaxRequestsPerCall} requests at one moment of the call: the TwiML loops");

                var kind = fetch.Fate is null ? WebhookKind.Document : WebhookKind.Action;
                if (fetch.Fate is { Late: true })
                    await DelayAsync(live!.Board.Options.Faults.LateBy, "late");
                var (status, responseBody) = await SendAsync(fetch.Url, fetch.Method, fetch.Parameters, kind: kind);
                if (fetch.Fate is { Twice: true })
                    await SendCopyAsync(fetch.Url, fetch.Method, fetch.Parameters, kind);
                // The REST API redirected the call while this document was on its way: Twilio drops it.
                interrupt.ThrowIfCancellationRequested();
                if (status == 0)
                    return CutOffAt(fetch.Url);
                if (status is < 200 or > 299)
                    return Fail($"{fetch.Method} {fetch.Url} answered HTTP {status}");
                (body, documentUrl) = (responseBody, fetch.Url);
            }
            else
                body = ((InlineTwiml)outcome).Body;

            try
            {
                outcome = await RunAsync(Twiml.Parse(body), documentUrl, inQueue);
            }
            catch (InvalidTwimlException e)
            {
                return Fail($"{e.Message} (from {(outcome is InlineTwiml ? "the Twiml parameter" : documentUrl)})");
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
        interrupt.ThrowIfCancellationRequested();
        switch (verb.Name.LocalName)
        {
            case "Say":
                await SayAsync(verb);
                return Next;
            case "Play":
                var loop = Twiml.Integer(verb, "loop", 0) ?? 1;
                Add(new Played(Twiml.OwnText(verb), loop));
                if (live is not null)
                    await PassAsync(live.Board.Options.PlayLength * Math.Max(1, loop));
                return Next;
            case "Pause":
                var seconds = Twiml.Integer(verb, "length", 0) ?? 1;
                Add(new Paused(seconds));
                await PassAsync(TimeSpan.FromSeconds(seconds));
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
                return inQueue ? new LeftByLeave() : Next;
            case "Enqueue" when inQueue:
                throw new InvalidTwimlException("<Enqueue> is not allowed in a waitUrl document");
            case "Enqueue":
                return await EnqueueAsync(verb, documentUrl);
            case "Dial":
                return await DialAsync(verb, documentUrl);
            default:
                throw new InvalidTwimlException($"unknown verb <{verb.Name}>");
        }
    }

    private async Task SayAsync(XElement verb)
    {
        var text = string.Join(' ', verb.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var language = Twiml.Text(verb, "language") ?? "en-US";
        var voice = Twiml.Text(verb, "voice");
        // loop="0" repeats until the caller hangs up; once is enough to know what was said.
        var loop = Math.Max(1, Twiml.Integer(verb, "loop", 0) ?? 1);
        for (var i = 0; i < loop; i++)
        {
            Add(new Said(text, language, voice));
            await PassAsync(SpeakingTime(text));
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
        CallerInput answer;
        using (var listening = CancellationTokenSource.CreateLinkedTokenSource(ct, interrupt))
            answer = await caller.ListenAsync(new GatherPrompt(input, timeout, numDigits, finishOnKey, hints, language, inQueue), listening.Token);
        if (answer is CallerInput.HangUp)
            return HangUpByCaller("caller hung up");

        List<KeyValuePair<string, string>> parameters = [];
        CallerInput heard = new CallerInput.Silence();
        switch (answer)
        {
            case CallerInput.Keys keys when modes.Contains("dtmf"):
                var (digits, finishedOnKey, timedOut) = CollectKeys(keys.Digits, numDigits, finishOnKey);
                await PassAsync(TimeSpan.FromSeconds(keys.Digits.Length + (timedOut ? timeout : 0)));
                if (digits.Length > 0)
                {
                    heard = new CallerInput.Keys(digits);
                    parameters = [new("Digits", digits), new("FinishedOnKey", finishedOnKey)];
                }
                break;
            case CallerInput.Speech speech when modes.Contains("speech"):
                await PassAsync(SpeakingTime(speech.Text));
                heard = speech;
                parameters = [new("SpeechResult", speech.Text), new("Confidence", "0.9")];
                break;
            default:
                // Silence, or input of a kind this Gather does not listen for: Twilio waits out the timeout, of which a
                // person on a live call may already have spent some saying nothing.
                Sync();
                var left = TimeSpan.FromSeconds(timeout) - (clock - listeningFrom);
                await PassAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
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

        var queueSid = QueueSid(queue);
        var enqueuedAt = clock;
        var (waited, result) = live is null
            ? await WaitOnceAsync(waitUrl, waitMethod, queueSid)
            : await WaitInQueueAsync(queue, waitUrl, waitMethod);
        if (result is null)
            return waited; // the wait TwiML ended the call itself
        var queueTime = clock - enqueuedAt;
        Add(new LeftQueue(queue, result, queueTime));
        List<KeyValuePair<string, string>> parameters =
            [new("QueueResult", result), new("QueueSid", queueSid), new("QueueTime", WholeSeconds(queueTime))];
        if (result == "leave")
            return action is null ? Next : new Fetch(action, method, parameters, Fate: live?.Dice.Draw(action: true));

        if (action is not null && ++requests <= options.MaxRequestsPerCall)
            await SendActionOfEndingCallAsync(action, method, parameters); // the call is gone, so the document is ignored
        return waited;
    }

    internal static string QueueSid(string queue) =>
        "QU" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queue)))[..32];

    /// <summary>Alone, no agents exist: unless the wait TwiML says &lt;Leave&gt;, the caller hangs up after one round.</summary>
    private async Task<(Outcome, string? Result)> WaitOnceAsync(string? waitUrl, string waitMethod, string queueSid)
    {
        var waited = waitUrl is null ? Next : await FollowAsync(new Fetch(waitUrl, waitMethod,
        [
            new("QueuePosition", "1"), new("QueueSid", queueSid), new("QueueTime", "0"), new("AvgQueueTime", "0"),
            new("CurrentQueueSize", "1"), new("MaxQueueSize", "1000"),
        ]), inQueue: true);
        return waited switch
        {
            LeftByLeave => (waited, "leave"),
            Ended => (waited, null),
            _ => (HangUpByCaller("caller hung up in queue"), "hangup"),
        };
    }

    /// <summary>Loops on the wait URL until &lt;Leave&gt;, the end of the caller's patience, or an interruption by
    /// the REST API (which leaves the queue without requesting the Enqueue action).</summary>
    private async Task<(Outcome, string? Result)> WaitInQueueAsync(string queue, string? waitUrl, string waitMethod)
    {
        var board = live!.Board;
        var member = board.Join(queue, setup.CallSid);
        var outer = interrupt;
        using var patience = new CancellationTokenSource(live.Patience, options.Clock);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(outer, patience.Token);
        interrupt = waiting.Token;
        try
        {
            while (true)
            {
                if (waitUrl is null)
                    await PassAsync(Timeout.InfiniteTimeSpan); // silence until something happens
                var waited = await FollowAsync(new Fetch(waitUrl!, waitMethod, board.QueueParameters(member)), inQueue: true);
                if (waited is LeftByLeave)
                    return (waited, "leave");
                if (waited is Ended)
                    return (waited, null);
                // The wait TwiML ran out: Twilio requests it again.
            }
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested && !outer.IsCancellationRequested)
        {
            return (HangUpByCaller("caller hung up in queue"), "hangup");
        }
        catch (OperationCanceledException) when (outer.IsCancellationRequested)
        {
            Add(new LeftQueue(queue, live.Pending is Interruption.HangUp ? "hangup" : "redirected", board.Leave(member)));
            throw;
        }
        finally
        {
            interrupt = outer;
            board.Leave(member);
        }
    }

    private async Task<Outcome> DialAsync(XElement verb, string documentUrl)
    {
        IReadOnlyList<DialTarget> targets = verb.HasElements
            ? verb.Elements().Select(e => new DialTarget(e.Name.LocalName, e.Value.Trim())).ToList()
            : [new DialTarget("Number", Twiml.OwnText(verb))];
        if (targets.Any(t => t.Address.Length == 0))
            throw new InvalidTwimlException("<Dial> has nothing to dial");
        var action = Twiml.Text(verb, "action") is { Length: > 0 } a ? Twiml.Resolve(documentUrl, a) : null;
        var method = Twiml.Method(verb);
        Add(new Dialed(targets, action, verb.Attributes().ToDictionary(x => x.Name.LocalName, x => x.Value)));

        // Alone, nobody is simulated on the other end: the dialed leg "completes" at once.
        if (live is null)
            return action is null ? Next : new Fetch(action, method,
                [new("DialCallStatus", "completed"), new("DialCallSid", Sids.New("CA")), new("DialCallDuration", "0")]);

        var dialCallSid = Sids.Derived(setup.CallSid, ++dials);
        var (status, talked) = await RingAgentsAsync(verb, documentUrl, dialCallSid);
        Add(new DialEnded(status, talked));
        if (action is null)
            return Next;
        List<KeyValuePair<string, string>> parameters =
        [
            new("DialCallStatus", status), new("DialCallSid", dialCallSid), new("DialCallDuration", WholeSeconds(talked)),
            new("DialBridged", status == "completed" ? "true" : "false"),
        ];
        var fate = live.Dice.Draw(action: true);
        if (fate.Lost || (fate.Reordered && status == "completed"))
        {
            // The caller hangs up as the conversation ends; the action that follows is lost, or comes after the status callback.
            Add(new HungUp("caller"));
            await SendActionOfEndingCallAsync(action, method, parameters, fate);
            return new Ended("caller hung up as the dial ended");
        }
        return new Fetch(action, method, parameters, Fate: fate);
    }

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

    /// <summary>Every address rings at once; the first agent to answer within the timeout wins.</summary>
    private async Task<(string Status, TimeSpan Talked)> RingAgentsAsync(XElement verb, string documentUrl, string dialCallSid)
    {
        var board = live!.Board;
        var timeout = TimeSpan.FromSeconds(Twiml.Integer(verb, "timeout", 1) ?? 30);
        var nouns = verb.HasElements ? verb.Elements().ToList() : [verb];
        var rung = nouns.Select(noun =>
        {
            var address = noun == verb ? Twiml.OwnText(verb) : noun.Value.Trim();
            var agent = board.FindAgent(address);
            var status = agent switch
            {
                null => "failed",
                { Busy: true } => "busy",
                _ when board.IsTalking(address) => "busy",
                { AnswersAfter: { } after } when after <= timeout => "answers",
                _ => "no-answer",
            };
            return (noun, address, agent, status);
        }).ToList();

        var answering = rung.Where(r => r.status == "answers").OrderBy(r => r.agent!.AnswersAfter).FirstOrDefault();
        if (answering.agent is null || !board.TryStartTalking(answering.address))
        {
            if (rung.Any(r => r.status is "no-answer" or "answers"))
            {
                await PassAsync(timeout);
                return ("no-answer", TimeSpan.Zero);
            }
            return (rung.Any(r => r.status == "busy") ? "busy" : "failed", TimeSpan.Zero);
        }

        try
        {
            await PassAsync(answering.agent.AnswersAfter!.Value);
            Add(new AgentAnswered(answering.address, dialCallSid));
            var leg = new Leg(dialCallSid, Twiml.Text(verb, "callerId") ?? setup.From, answering.address, "outbound-dial", setup.CallSid);
            if (answering.noun != verb && Twiml.Text(answering.noun, "url") is { Length: > 0 } whisperUrl
                && !await WhisperAsync(Twiml.Resolve(documentUrl, whisperUrl), Twiml.Method(answering.noun), answering.address, leg))
                return ("failed", TimeSpan.Zero);
            var bridgedAt = clock;
            Add(new Bridged(answering.address));
            await PassAsync(answering.agent.TalkTime(live.Random));
            return ("completed", clock - bridgedAt);
        }
        finally
        {
            board.StopTalking(answering.address);
        }
    }

    /// <summary>The agent leg runs the Number's url TwiML before the bridge; false if it fails, as the agent then hangs up.</summary>
    private async Task<bool> WhisperAsync(string url, string method, string address, Leg leg)
    {
        var (status, body) = await SendAsync(url, method, [], "in-progress", leg, WebhookKind.Whisper);
        if (status == 0)
        {
            Add(new CutOff(url));
            return false;
        }
        try
        {
            if (status is < 200 or > 299)
                throw new InvalidTwimlException($"{method} {url} answered HTTP {status}");
            foreach (var verb in Twiml.Parse(body).Elements())
            {
                if (verb.Name.LocalName == "Say")
                {
                    var text = string.Join(' ', verb.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                    Add(new Whispered(address, text));
                    await PassAsync(SpeakingTime(text));
                }
                else if (verb.Name.LocalName == "Pause")
                    await PassAsync(TimeSpan.FromSeconds(Twiml.Integer(verb, "length", 0) ?? 1));
            }
            return true;
        }
        catch (InvalidTwimlException e)
        {
            Add(new ApplicationError($"whisper for {address}: {e.Message}"));
            return false;
        }
    }

    private Ended HangUpByCaller(string reason)
    {
        Add(new HungUp("caller"));
        return new Ended(reason);
    }

    private Ended CutOffAt(string url)
    {
        Add(new CutOff(url));
        return new Ended("cut off: the service could not be reached");
    }

    private Ended Fail(string reason)
    {
        Add(new ApplicationError(reason));
        return new Ended($"application error: {reason}");
    }

    /// <summary>Alone the clock jumps; on a switchboard the call waits on the virtual clock, and the REST API or the
    /// caller's patience may cut the wait short.</summary>
    private async ValueTask PassAsync(TimeSpan span)
    {
        if (live is null)
        {
            clock += span;
            return;
        }
        await live.Board.WaitAsync(span, interrupt);
        Sync();
    }

    private void Sync()
    {
        if (live is not null)
            clock = options.Clock.GetUtcNow() - startedAt;
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

    private void Add(CallEvent e, TimeSpan? at = null)
    {
        Sync();
        var stamped = e with { At = at ?? clock };
        events.Add(stamped);
        options.OnEvent?.Invoke(stamped);
    }

    private static TimeSpan SpeakingTime(string text) => TimeSpan.FromSeconds(text.Length / CharactersSpokenPerSecond);

    private static string WholeSeconds(TimeSpan span) => ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
