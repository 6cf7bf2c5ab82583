// The run of a call and its TwiML loop. The verbs' parts: CallSession.Gather.cs (Say, Gather), CallSession.Queue.cs
// (Enqueue), CallSession.Dial.cs (Dial, the agents); the webhooks a call sends: CallSession.Webhooks.cs.
using System.Globalization;
using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>One call in progress: its events, virtual clock and request count.</summary>
/// <remarks>Alone (<paramref name="live"/> null) time is a counter that jumps, a queue holds the caller for one round
/// of wait music and a dial completes at once. On a <see cref="Switchboard"/> time passes on its
/// <see cref="VirtualClock"/>, queues hold callers until the REST API redirects them or their patience runs out,
/// and dials ring simulated agents; the REST API interrupts whatever runs through <see cref="LiveCall.Interrupted"/>.</remarks>
internal sealed partial class CallSession(HttpClient http, SimulatorOptions options, ICaller caller, CallSetup setup, CancellationToken ct, LiveCall? live = null)
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
