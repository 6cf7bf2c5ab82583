using System.Threading.Channels;
using Ivr.Simulator;

namespace Ivr.Api.LocalPhone;

/// <summary>Where a browser phone is in a call, as its status line shows it.</summary>
public enum LineState
{
    Idle,
    /// <summary>The page called the hotline, which has not said anything yet.</summary>
    Ringing,
    /// <summary>The hotline (a callback) is calling the page, which may answer.</summary>
    Incoming,
    Menu,
    Queue,
    /// <summary>An agent's phone rings.</summary>
    Connecting,
    Agent,
    Ended,
}

/// <summary>
/// One line of a browser phone's transcript. <see cref="Language"/> is set on what the hotline said; <see cref="Text"/>
/// is in English, and <see cref="Args"/> carries its variable parts, from which the page words it in its own language.
/// </summary>
public sealed record PhoneEvent(long Seq, string Type, string Text, string? Language = null, IReadOnlyList<string>? Args = null);

/// <summary>What happened on a line after a given event, and where the line is now.</summary>
public sealed record PhoneEvents(LineState State, string Number, IReadOnlyList<PhoneEvent> Events, long Next);

/// <summary>
/// One open browser phone: its number, at most one call at a time, the person's keys and words on their way to the
/// switchboard, and what happened on the line for the page to fetch. As the <see cref="ICaller"/> of its calls it
/// waits for the person's input as long as the menu listens (the gather's timeout), then counts it as silence.
/// </summary>
public sealed class PhoneLine(string id, string number, TimeProvider time) : ICaller
{
    /// <summary>A line keeps only its latest events; a page that falls further behind starts from these.</summary>
    public const int KeptEvents = 500;

    private readonly Lock gate = new();
    private readonly List<PhoneEvent> events = [];
    private readonly Channel<CallerInput> input = Channel.CreateUnbounded<CallerInput>();
    private TaskCompletionSource changed = NewSignal();
    private TaskCompletionSource<bool>? ringing;
    private bool answered;
    private long seq;

    public string Id => id;
    public string Number => number;

    public LineState State
    {
        get
        {
            lock (gate)
                return state;
        }
    }

    private LineState state = LineState.Idle;

    /// <summary>The call on the line, placed by the page or ringing it; null between calls.</summary>
    public string? CallSid
    {
        get
        {
            lock (gate)
                return callSid;
        }
    }

    private string? callSid;

    /// <summary>Takes the line for a call the page places; false when a call is already on it.</summary>
    public bool TryBegin(string sid, string hotline)
    {
        lock (gate)
        {
            if (callSid is not null)
                return false;
            Start(sid, LineState.Ringing);
            answered = true;
            Add("calling", $"Calling {hotline} from {number}", args: [hotline, number]);
            return true;
        }
    }

    /// <summary>The hotline calls this line (<see cref="SimulatedCustomer.PicksUp"/>): true once the person answers,
    /// false when they decline, are on another call, or let it ring out.</summary>
    public async Task<bool> RingAsync(RingingCall call, CancellationToken ct)
    {
        TaskCompletionSource<bool> answer;
        lock (gate)
        {
            if (callSid is not null)
                return false;
            Start(call.CallSid, LineState.Incoming);
            ringing = answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Add("incoming", $"Incoming call from {call.From}", args: [call.From]);
        }
        try
        {
            return await answer.Task.WaitAsync(call.Timeout, time, ct);
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (gate)
                ringing = null;
        }
    }

    /// <summary>The person picks up the ringing call; false when nothing rings.</summary>
    public bool Answer()
    {
        lock (gate)
        {
            if (ringing is null || !ringing.TrySetResult(true))
                return false;
            answered = true;
            state = LineState.Menu;
            Add("answered", "You answered");
            return true;
        }
    }

    /// <summary>The person refuses the ringing call; false when nothing rings.</summary>
    public bool Decline()
    {
        lock (gate)
            return ringing is not null && ringing.TrySetResult(false);
    }

    /// <summary>Keys or words for the menu; false when no call is on the line. Input given before the menu listens
    /// waits for it, as a caller may press a key while the prompt is still playing.</summary>
    public bool Give(CallerInput what)
    {
        lock (gate)
        {
            if (callSid is null || state is LineState.Incoming)
                return false;
            input.Writer.TryWrite(what);
            return true;
        }
    }

    public async ValueTask<CallerInput> ListenAsync(GatherPrompt prompt, CancellationToken ct) =>
        await MoreKeysAsync(await FirstInputAsync(prompt, ct), prompt, ct);

    // A question that takes two keys (0 to 10) waits for the next key as Twilio does, up to its timeout; the page
    // sends keys one by one, so "10" arrives as "1" and then "0".
    private async ValueTask<CallerInput> MoreKeysAsync(CallerInput first, GatherPrompt prompt, CancellationToken ct)
    {
        if (first is not CallerInput.Keys keys || prompt.NumDigits is not > 1)
            return first;
        var digits = keys.Digits;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(prompt.TimeoutSeconds), time);
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            while (digits.Length < prompt.NumDigits && !digits.EndsWith(prompt.FinishOnKey.Length > 0 ? prompt.FinishOnKey : "\0", StringComparison.Ordinal)
                   && await input.Reader.WaitToReadAsync(listening.Token)
                   && input.Reader.TryPeek(out var next) && next is CallerInput.Keys more && input.Reader.TryRead(out _))
                digits += more.Digits;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // No second key: the one pressed is the answer.
        }
        return new CallerInput.Keys(digits);
    }

    private async ValueTask<CallerInput> FirstInputAsync(GatherPrompt prompt, CancellationToken ct)
    {
        if (input.Reader.TryRead(out var early))
            return early;
        lock (gate)
            Add("listening", prompt.Input.Contains("speech") ? "Press a key or say something" : "Press a key");
        // A cancelled read takes nothing from the channel, so input that comes just too late waits for the next menu.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(prompt.TimeoutSeconds), time);
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            return await input.Reader.ReadAsync(listening.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new CallerInput.Silence();
        }
    }

    /// <summary>An event of the call on the line, from the switchboard.</summary>
    public void Hear(CallEvent e)
    {
        lock (gate)
        {
            switch (e)
            {
                case Requested { Verbs: var verbs } when verbs.Contains("Enqueue") && state is not LineState.Queue:
                    // What comes before the Enqueue (the wait announcement, the callback offer) is heard joining the queue.
                    state = LineState.Queue;
                    Add("queued", "Waiting in the queue");
                    break;
                case Said said:
                    Advance(LineState.Menu);
                    Add("said", said.Text, said.Language);
                    break;
                case Listened { Heard: CallerInput.Keys keys }:
                    Advance(LineState.Menu);
                    Add("heard", $"You pressed {keys.Digits}", args: ["keys", keys.Digits]);
                    break;
                case Listened { Heard: CallerInput.Speech speech }:
                    Advance(LineState.Menu);
                    Add("heard", $"You said \u201c{speech.Text}\u201d", args: ["speech", speech.Text]);
                    break;
                case Listened:
                    // Nothing was said: a note, not a bubble of the person's. In the queue it is only the short
                    // window to accept a callback, which nobody needs to be told about.
                    if (state is not LineState.Queue)
                        Add("no-input", "Nothing was pressed or said");
                    break;
                case Enqueued when state is not LineState.Queue:
                    state = LineState.Queue;
                    Add("queued", "Waiting in the queue");
                    break;
                case LeftQueue { Result: "leave" }:
                    state = LineState.Menu;
                    Add("left-queue", "Left the queue", args: ["leave"]);
                    break;
                case LeftQueue { Result: "redirected" }:
                    // The service takes a caller out of the queue to put them through to an agent.
                    state = LineState.Connecting;
                    Add("left-queue", "An agent is free", args: ["redirected"]);
                    break;
                case Dialed:
                    state = LineState.Connecting;
                    Add("dialing", "Calling an agent");
                    break;
                case AgentAnswered agent:
                    // The agent hears who is calling first (the whisper): the caller is not through yet.
                    state = LineState.Connecting;
                    Add("agent-picked-up", $"An agent picked up ({agent.Address}); putting you through", args: [agent.Address]);
                    break;
                case Bridged bridged:
                    state = LineState.Agent;
                    Add("agent", $"You are talking to an agent ({bridged.Address})", args: [bridged.Address]);
                    break;
                case DialEnded { Status: "completed" } ended:
                    state = LineState.Menu;
                    var seconds = ended.Talked.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
                    Add("agent-left", $"The agent hung up after {seconds} s", args: ["completed", seconds]);
                    break;
                case DialEnded ended:
                    state = LineState.Menu;
                    Add("agent-left", $"The agent did not answer ({ended.Status})", args: [ended.Status]);
                    break;
                case HungUp hungUp:
                    Add("hung-up", hungUp.By == "caller" ? "You hung up" : "The hotline hung up", args: [hungUp.By == "caller" ? "caller" : "hotline"]);
                    break;
                case ApplicationError error:
                    Add("error", $"We are sorry, an application error has occurred: {error.Reason}", args: ["application", error.Reason]);
                    break;
            }
        }
    }

    /// <summary>The call on the line has ended (broken off, with <paramref name="failure"/>); the line is free for the next one.</summary>
    public void End(string sid, string? failure = null)
    {
        lock (gate)
        {
            if (callSid != sid)
                return;
            if (failure is not null)
                Add("error", $"The call broke off: {failure}", args: ["broke-off", failure]);
            Add("ended", answered ? "Call ended" : "Missed call", args: [answered ? "answered" : "missed"]);
            callSid = null;
            state = LineState.Ended;
            while (input.Reader.TryRead(out _))
            {
            }
        }
    }

    /// <summary>The events after <paramref name="after"/>; when there are none yet, waits up to
    /// <paramref name="wait"/> for one (a long poll).</summary>
    public async Task<PhoneEvents> EventsAsync(long after, TimeSpan wait, CancellationToken ct)
    {
        Task signal;
        lock (gate)
        {
            if (seq > after || wait <= TimeSpan.Zero)
                return Page(after);
            signal = changed.Task;
        }
        try
        {
            await signal.WaitAsync(wait, ct);
        }
        catch (TimeoutException)
        {
            // Nothing happened: the page asks again.
        }
        lock (gate)
            return Page(after);
    }

    private PhoneEvents Page(long after) =>
        new(state, number, events.Where(e => e.Seq > after).ToList(), seq);

    private void Start(string sid, LineState first)
    {
        callSid = sid;
        state = first;
        answered = false;
        while (input.Reader.TryRead(out _))
        {
        }
    }

    // A prompt or an answer means the hotline has picked up; it does not take a caller out of a queue or an agent's call.
    private void Advance(LineState to)
    {
        if (state is LineState.Ringing)
            state = to;
    }

    private void Add(string type, string text, string? language = null, IReadOnlyList<string>? args = null)
    {
        events.Add(new PhoneEvent(++seq, type, text, language, args));
        if (events.Count > KeptEvents)
            events.RemoveRange(0, events.Count - KeptEvents);
        var waiting = changed;
        changed = NewSignal();
        waiting.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
