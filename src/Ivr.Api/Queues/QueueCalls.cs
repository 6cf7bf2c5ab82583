using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Queues;

/// <summary>
/// The webhooks of a caller in a department's queue: what they hear while holding, how they left it, the TwiML that
/// dials the agent (after the REST redirect), the whisper the agent hears first, and the dial's result.
/// </summary>
public sealed class QueueCalls(
    QueueStore queues,
    CallStore calls,
    MenuCatalog menus,
    QueueDistributor distributor,
    DepartmentRates rates,
    WaitAnnouncer announcer,
    VoiceCalls voice,
    Callbacks.CallbackCalls callbacks,
    Callbacks.CallbackStore callbackStore,
    Care.ContactStore contacts,
    Care.SurveyCalls surveys,
    TimeProvider time,
    IOptions<IvrOptions> ivr,
    IOptions<QueueOptions> options,
    IOptions<TwilioOptions> twilioOptions,
    ILogger<QueueCalls> logger)
{
    /// <summary>Seconds of music or quiet between two hold announcements.</summary>
    public const int HoldRoundSeconds = 45;

    public async Task<IResult> HoldAsync(string department, HttpRequest request, CancellationToken ct)
    {
        var callSid = "";
        try
        {
            var form = await request.ReadFormAsync(ct);
            callSid = form["CallSid"].ToString();
            var state = await calls.FindAsync(callSid, ct);
            var definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
            var language = state?.Language ?? definition.DefaultLanguage;

            var twiml = new TwimlWriter();
            var voice = definition.VoiceFor(language);
            // Twilio asks for the hold TwiML as soon as the caller joins (they have just heard the forecast), then
            // again each time it has played: from then on every round says the remaining wait from their new place.
            var secondsInQueue = int.TryParse(form["QueueTime"], out var queueTime) ? queueTime : 0;
            var announcement = secondsInQueue >= HoldRoundSeconds / 2 && definition.Departments.TryGetValue(department, out var known)
                ? await announcer.AnnounceAsync(callSid, known, definition.Hotline.TimeZone, time.GetUtcNow(), ct)
                : null;
            var sentences = announcement is null ? [] : WaitAnnouncer.Sentences(announcement, definition, language).ToList();
            if (sentences.Count == 0)
            {
                var title = definition.Departments.TryGetValue(department, out var named) ? named.Title.For(language) : department;
                sentences.Add(definition.Messages.Get(SystemMessages.QueueHold, language).Replace("{department}", title));
            }
            void Round(TwimlWriter writer)
            {
                foreach (var sentence in sentences)
                    writer.Say(sentence, language, voice);
                if (ivr.Value.HoldMusicUrl is { Length: > 0 } music)
                    writer.Play(music);
                else
                    writer.Pause(HoldRoundSeconds);
            }
            // A long wait: every update offers a callback, and a key pressed during the music is heard.
            if (announcement is not null && definition.Departments.TryGetValue(department, out var offering)
                && WaitAnnouncer.OffersCallback(announcement, offering))
            {
                sentences.Add(definition.Messages.Get(SystemMessages.CallbackOffer, language));
                twiml.Gather(new GatherOptions
                {
                    Action = Url(request, $"/voice/queue/{department}/callback"),
                    Input = "dtmf",
                    NumDigits = 1,
                    TimeoutSeconds = 1,
                }, Round);
            }
            else
            {
                Round(twiml);
            }
            return twiml.ToResult();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(exception, "Hold message for call {CallSid} in queue {Department} failed", callSid, department);
            // In the queue a pause is better than an apology: the caller keeps their place.
            var twiml = new TwimlWriter();
            twiml.Pause(20);
            return twiml.ToResult();
        }
    }

    public async Task<IResult> QueueDoneAsync(string department, HttpRequest request, CancellationToken ct)
    {
        var callSid = "";
        MenuDefinition? definition = null;
        string? language = null;
        try
        {
            var form = await request.ReadFormAsync(ct);
            callSid = form["CallSid"].ToString();
            var result = form["QueueResult"].ToString();
            var now = time.GetUtcNow();
            rates.Abandoned(await calls.RecordQueueResultAsync(callSid, result, now, ct), now);
            if (result == "leave" && await callbacks.AfterQueueAsync(department, callSid, request, ct) is { } booking)
                return booking;
            var state = await calls.FindAsync(callSid, ct);
            definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
            language = state?.Language;
            if (result is "error" or "system-error" or "queue-full")
            {
                logger.LogWarning("Call {CallSid} left queue {Department} with {QueueResult}", callSid, department, result);
                return voice.Apology(definition, language);
            }
            var twiml = new TwimlWriter();
            twiml.Hangup();
            return twiml.ToResult();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(exception, "Queue result for call {CallSid} in {Department} failed", callSid, department);
            return voice.Apology(definition, language);
        }
    }

    /// <summary>
    /// After the REST redirect of offer <paramref name="offer"/>: the TwiML that dials the agent. A redirect the
    /// distributor had given up on (it timed out, yet reached the call) finds the caller back in line: they return to
    /// Twilio's queue at the place they kept.
    /// </summary>
    public async Task<IResult> ConnectAsync(string department, long entry, long? offer, HttpRequest request, CancellationToken ct)
    {
        var current = await queues.FindEntryAsync(entry, ct);
        var found = current is not null && current.IsCurrent(offer) ? await queues.FindOfferAsync(entry, ct) : null;
        // Noted at once, so that a distributor whose redirect request timed out leaves this caller with the agent.
        if (found is not null && !await queues.ConnectedAsync(entry, found.Number, time.GetUtcNow(), ct))
        {
            found = null;
            current = await queues.FindEntryAsync(entry, ct);
        }
        if (found is null)
        {
            if (current?.State == EntryState.Waiting)
            {
                logger.LogInformation("Late redirect of call {CallSid} (entry {Entry}); back in line", current.CallSid, entry);
                var (callerMenu, callerLanguage) = await CallerAsync(current.CallSid, ct);
                var back = new TwimlWriter();
                EnqueueAgain(request, back, department, callerMenu, callerLanguage, apologise: false);
                return back.ToResult();
            }
            logger.LogWarning("Connect for queue entry {Entry} in {Department}, which is not offered (offer {Offer})", entry, department, offer);
            return voice.Apology();
        }
        var (definition, language) = await CallerAsync(found.CallSid, ct);
        var twiml = new TwimlWriter();
        twiml.Say(definition.Messages.Get(SystemMessages.AgentConnecting, language), language, definition.VoiceFor(language));
        var whisper = Url(request, $"/voice/queue/{department}/whisper?entry={entry}&offer={found.Number}");
        var target = found.AgentKind switch
        {
            "sip" => DialTarget.Sip(found.AgentAddress),
            "client" => DialTarget.Client(found.AgentAddress),
            _ => DialTarget.Number(found.AgentAddress),
        } with { WhisperUrl = whisper };
        twiml.Dial(new DialOptions
        {
            Action = Url(request, $"/voice/queue/{department}/dialed?entry={entry}&offer={found.Number}"),
            TimeoutSeconds = options.Value.RingSeconds,
            AnswerOnBridge = true,
        }, target);
        return twiml.ToResult();
    }

    /// <summary>
    /// What the agent hears before the caller is put through: department, how long they waited, their number. Twilio
    /// asks for it once the agent has answered, so from here the caller counts as talking.
    /// </summary>
    public async Task<IResult> WhisperAsync(string department, long entry, long? offer, CancellationToken ct)
    {
        var definition = menus.Current;
        var language = definition.DefaultLanguage;
        await queues.BridgedAsync(entry, offer, time.GetUtcNow(), ct);
        var found = await queues.FindOfferAsync(entry, ct);
        var twiml = new TwimlWriter();
        if (found is not null)
        {
            var caller = await calls.FindCallerAsync(found.CallSid, ct);
            var waitedMinutes = (int)Math.Round((time.GetUtcNow().ToUnixTimeMilliseconds() - found.EnqueuedAt) / 60000.0);
            var title = definition.Departments.TryGetValue(department, out var known) ? known.Title.For(language) : department;
            var waited = SpokenDuration.Waited(waitedMinutes, language);
            var text = definition.Messages.Get(SystemMessages.AgentWhisper, language)
                .Replace("{department}", title).Replace("{waited}", waited)
                .Replace("{caller}", Callbacks.PhoneNumbers.DigitByDigit(caller ?? "?"));
            text = LocalizedText.Capitalize(text);
            // A caller who has been in touch this week: the agent hears how the last contact went, in one sentence.
            if (caller is not null && Care.ContactStore.IsE164(caller))
            {
                var history = await contacts.HistoryAsync(caller, time.GetUtcNow(), ct);
                if (Care.ContactEndpoints.WhisperSentence(history, found.CallSid, time.GetUtcNow(),
                        id => definition.Departments.TryGetValue(id, out var d) ? d.Title.For(language) : id, language) is { } sentence)
                    text = $"{text} {sentence}";
            }
            twiml.Say(text, language, definition.VoiceFor(language));
        }
        return twiml.ToResult();
    }

    /// <summary>
    /// Dial's action for offer <paramref name="offer"/>: they talked (answered; the agent wraps up), or the agent did
    /// not take the call (the caller goes back to their place; the agent rests). Twilio may send it twice, late, or
    /// after the call's end: only the current offer's first report changes anything, and an agent is only ever
    /// released from this call, never from the one they are on by now.
    /// </summary>
    public async Task<IResult> DialedAsync(string department, long entry, long? offer, HttpRequest request, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var status = form["DialCallStatus"].ToString();
        var current = await queues.FindEntryAsync(entry, ct);
        var now = time.GetUtcNow();
        if (current is null)
            return voice.Apology();

        var (definition, language) = await CallerAsync(current.CallSid, ct);
        var twiml = new TwimlWriter();
        if (status is "completed" or "answered")
        {
            var talked = int.TryParse(form["DialCallDuration"], out var seconds) ? seconds : 0;
            if (await queues.CompleteAsync(entry, offer, talked, now, TimeSpan.FromSeconds(options.Value.WrapUpSeconds), ct) == Completion.Completed)
            {
                // A duration longer than the time since joining (clocks that disagree) counts as answered at once.
                var answeredAt = Math.Max(current.EnqueuedAt, now.ToUnixTimeMilliseconds() - talked * 1000L);
                rates.Served(department, (answeredAt - current.EnqueuedAt) / 1000.0, talked, now);
                await callbackStore.ConnectedInQueueAsync(current.CallSid, DateTimeOffset.FromUnixTimeMilliseconds(answeredAt), now, ct);
                distributor.Wake();
            }
            // The agent hung up and the caller's leg goes on: a department with a survey asks its questions now.
            if (definition.Departments.TryGetValue(department, out var known) && known.Survey is not null)
                return surveys.Begin(request, definition, known, entry, language);
            twiml.Hangup();
            return twiml.ToResult();
        }

        // no-answer, busy, failed, canceled: the caller goes back to their old place; the agent rests a while.
        if (await queues.ReturnAsync(entry, offer, now, TimeSpan.FromSeconds(options.Value.AwayAfterMissedSeconds), cancellationToken: ct))
        {
            logger.LogInformation("Agent {Agent} did not take call {CallSid} ({Status})", current.AgentId, current.CallSid, status);
            // The caller is back in line: the next offer must not overtake the answer that tells them so.
            distributor.WakeAfterAnswer(request);
            EnqueueAgain(request, twiml, department, definition, language, apologise: true);
            return twiml.ToResult();
        }
        // A late or repeated report: a caller in line (or offered again) stays there; a call that ended is over.
        logger.LogInformation("Late dial result {Status} for entry {Entry} (offer {Offer}) of call {CallSid}, now {State}",
            status, entry, offer, current.CallSid, current.State);
        if (current.State is EntryState.Waiting or EntryState.Offered)
            EnqueueAgain(request, twiml, department, definition, language, apologise: false);
        else
            twiml.Hangup();
        return twiml.ToResult();
    }

    private void EnqueueAgain(HttpRequest request, TwimlWriter twiml, string department, MenuDefinition definition, string language, bool apologise)
    {
        if (apologise)
            twiml.Say(definition.Messages.Get(SystemMessages.AgentUnavailable, language), language, definition.VoiceFor(language));
        twiml.Enqueue(department,
            waitUrl: Url(request, $"/voice/queue/{department}/wait"),
            action: Url(request, $"/voice/queue/{department}/done"));
    }

    private async Task<(MenuDefinition Definition, string Language)> CallerAsync(string callSid, CancellationToken ct)
    {
        var state = await calls.FindAsync(callSid, ct);
        var definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
        return (definition, state?.Language ?? definition.DefaultLanguage);
    }

    private string Url(HttpRequest request, string pathAndQuery) =>
        Twilio.ConnectionOverrides.Apply(PublicUrl.Action(ivr.Value.PublicBaseUrl, request, pathAndQuery), twilioOptions.Value.ConnectionOverrides);
}
