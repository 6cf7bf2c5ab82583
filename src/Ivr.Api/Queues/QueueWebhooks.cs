using Ivr.Api.Callbacks;
using Ivr.Api.Care;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using Task = System.Threading.Tasks.Task;

namespace Ivr.Api.Queues;

/// <summary>
/// The webhooks of a caller in a department's queue: what they hear while holding, how they left it, the TwiML that
/// dials the agent (after the REST redirect), the whisper the agent hears first, and the dial's result.
/// </summary>
public sealed class QueueWebhooks(
    QueueStore queues,
    CallStore calls,
    CallMenus callMenus,
    MenuCatalog menus,
    QueueDistributor distributor,
    DepartmentRates rates,
    WaitAnnouncer announcer,
    Apologies apologies,
    LeaveForCallbackWebhooks leaving,
    CallbackStore callbackStore,
    ContactStore contacts,
    SurveyWebhooks surveys,
    TimeProvider time,
    IOptions<IvrOptions> ivr,
    IOptions<QueueOptions> options,
    ILogger<QueueWebhooks> logger)
{
    /// <summary>Seconds of music or quiet between two hold announcements.</summary>
    public const int HoldRoundSeconds = 45;

    /// <summary>Enqueue's waitUrl: what a caller hears while holding.</summary>
    public async Task<VoiceResponse> HoldAsync(string department, VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, language) = await callMenus.ForCallAsync(call.CallSid, ct);
        var voice = definition.VoiceFor(language);
        // Twilio asks for the hold TwiML as soon as the caller joins (they have just heard the forecast), then
        // again each time it has played: from then on every round says the remaining wait from their new place.
        var known = definition.Departments.GetValueOrDefault(department);
        var announcement = (call.QueueTime ?? 0) >= HoldRoundSeconds / 2 && known is not null
            ? await announcer.AnnounceAsync(call.CallSid, known, definition.Hotline.TimeZone, time.GetUtcNow(), ct)
            : null;
        var sentences = announcement is null ? [] : WaitAnnouncer.Sentences(announcement, definition, language).ToList();
        if (sentences.Count == 0)
            sentences.Add(definition.Messages.Get(SystemMessages.QueueHold, language).Replace("{department}", known?.Title.For(language) ?? department));

        // A long wait: every update offers a callback, and a key pressed during the music is heard.
        var twiml = new VoiceResponse();
        if (announcement is not null && known is not null && WaitAnnouncer.OffersCallback(announcement, known))
        {
            sentences.Add(definition.Messages.Get(SystemMessages.CallbackOffer, language));
            twiml.Append(Round(Twiml.Gather(call.Url($"/voice/queue/{department}/callback"), numDigits: 1, timeout: 1)));
        }
        else
        {
            Round(twiml);
        }
        return twiml;

        T Round<T>(T parent) where T : TwiML
        {
            foreach (var sentence in sentences)
                parent.Speak(sentence, language, voice);
            parent.Append(ivr.Value.HoldMusicUrl is { Length: > 0 } music ? new Play(new Uri(music)) : new Pause(HoldRoundSeconds));
            return parent;
        }
    }

    /// <summary>Enqueue's action: the caller left the queue (answered, hung up, error, or for a callback).</summary>
    public async Task<VoiceResponse> DoneAsync(string department, VoiceRequest call, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        rates.Abandoned(await calls.RecordQueueResultAsync(call.CallSid, call.QueueResult, now, ct), now);
        if (call.QueueResult == "leave" && await leaving.AfterQueueAsync(department, call, ct) is { } booking)
            return booking;
        if (call.QueueResult is "error" or "system-error" or "queue-full")
        {
            logger.LogWarning("Call {CallSid} left queue {Department} with {QueueResult}", call.CallSid, department, call.QueueResult);
            var caller = await callMenus.ForCallAsync(call.CallSid, ct);
            return apologies.For(caller.Definition, caller.State?.Language);
        }
        return new VoiceResponse().Hangup();
    }

    /// <summary>
    /// After the REST redirect of offer <paramref name="offer"/>: the TwiML that dials the agent. A redirect the
    /// distributor had given up on (it timed out, yet reached the call) finds the caller back in line: they return to
    /// Twilio's queue at the place they kept.
    /// </summary>
    public async Task<VoiceResponse> ConnectAsync(string department, long entry, long? offer, VoiceRequest call, CancellationToken ct)
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
                return new VoiceResponse().EnqueueIn(department, call);
            }
            logger.LogWarning("Connect for queue entry {Entry} in {Department}, which is not offered (offer {Offer})", entry, department, offer);
            return apologies.For(null, null);
        }
        var (_, definition, language) = await callMenus.ForCallAsync(found.CallSid, ct);
        var twiml = new VoiceResponse().Speak(definition.Messages.Get(SystemMessages.AgentConnecting, language), language, definition.VoiceFor(language));
        twiml.Append(Twiml.DialAgent(found.AgentKind, found.AgentAddress,
            whisper: call.Url($"/voice/queue/{department}/whisper?entry={entry}&offer={found.Number}"),
            action: call.Url($"/voice/queue/{department}/dialed?entry={entry}&offer={found.Number}"),
            options.Value.RingSeconds));
        return twiml;
    }

    /// <summary>
    /// What the agent hears before the caller is put through: department, how long they waited, their number. Twilio
    /// asks for it once the agent has answered, so from here the caller counts as talking.
    /// </summary>
    public async Task<VoiceResponse> WhisperAsync(string department, long entry, long? offer, CancellationToken ct)
    {
        var definition = menus.Current;
        var language = definition.DefaultLanguage;
        await queues.BridgedAsync(entry, offer, time.GetUtcNow(), ct);
        var found = await queues.FindOfferAsync(entry, ct);
        var twiml = new VoiceResponse();
        if (found is null)
            return twiml;
        var caller = await calls.FindCallerAsync(found.CallSid, ct);
        var waitedMinutes = (int)Math.Round((time.GetUtcNow().ToUnixTimeMilliseconds() - found.EnqueuedAt) / 60000.0);
        var title = definition.Departments.TryGetValue(department, out var known) ? known.Title.For(language) : department;
        var text = definition.Messages.Get(SystemMessages.AgentWhisper, language)
            .Replace("{department}", title).Replace("{waited}", SpokenDuration.Waited(waitedMinutes, language))
            .Replace("{caller}", PhoneNumbers.SpokenCaller(caller, language));
        text = LocalizedText.Capitalize(text);
        // A caller who has been in touch this week: the agent hears how the last contact went, in one sentence.
        if (caller is not null && ContactStore.IsE164(caller))
        {
            var history = await contacts.HistoryAsync(caller, time.GetUtcNow(), ct);
            if (ContactEndpoints.WhisperSentence(history, found.CallSid, time.GetUtcNow(),
                    id => definition.Departments.TryGetValue(id, out var d) ? d.Title.For(language) : id, language) is { } sentence)
                text = $"{text} {sentence}";
        }
        return twiml.Speak(text, language, definition.VoiceFor(language));
    }

    /// <summary>
    /// Dial's action for offer <paramref name="offer"/>: they talked (answered; the agent wraps up), or the agent did
    /// not take the call (the caller goes back to their place; the agent rests). Twilio may send it twice, late, or
    /// after the call's end: only the current offer's first report changes anything, and an agent is only ever
    /// released from this call, never from the one they are on by now.
    /// </summary>
    public async Task<VoiceResponse> DialedAsync(string department, long entry, long? offer, VoiceRequest call, CancellationToken ct)
    {
        var status = call.DialCallStatus;
        var current = await queues.FindEntryAsync(entry, ct);
        var now = time.GetUtcNow();
        if (current is null)
            return apologies.For(null, null);

        var (_, definition, language) = await callMenus.ForCallAsync(current.CallSid, ct);
        var twiml = new VoiceResponse();
        if (status is "completed" or "answered")
        {
            var talked = call.DialCallDuration ?? 0;
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
                return surveys.Begin(call, definition, known, entry, language);
            return twiml.Hangup();
        }

        // no-answer, busy, failed, canceled: the caller goes back to their old place; the agent rests a while.
        if (await queues.ReturnAsync(entry, offer, now, TimeSpan.FromSeconds(options.Value.AwayAfterMissedSeconds), cancellationToken: ct))
        {
            logger.LogInformation("Agent {Agent} did not take call {CallSid} ({Status})", current.AgentId, current.CallSid, status);
            // The caller is back in line: the next offer must not overtake the answer that tells them so.
            distributor.WakeAfterAnswer(call.Http);
            return twiml.Speak(definition.Messages.Get(SystemMessages.AgentUnavailable, language), language, definition.VoiceFor(language))
                .EnqueueIn(department, call);
        }
        // A late or repeated report: a caller in line (or offered again) stays there; a call that ended is over.
        logger.LogInformation("Late dial result {Status} for entry {Entry} (offer {Offer}) of call {CallSid}, now {State}",
            status, entry, offer, current.CallSid, current.State);
        return current.State is EntryState.Waiting or EntryState.Offered ? twiml.EnqueueIn(department, call) : twiml.Hangup();
    }
}

/// <summary>The queue webhooks on the /voice group.</summary>
public static class QueueWebhookRoutes
{
    public static RouteGroupBuilder MapQueueWebhooks(this RouteGroupBuilder voice)
    {
        // In the queue a pause is better than an apology: the caller keeps their place.
        voice.MapWebhook<QueueWebhooks>("/queue/{department}/wait", (queue, call, ct) => queue.HoldAsync(call.Route("department"), call, ct))
            .KeepsHoldingOnFailure();
        voice.MapWebhook<QueueWebhooks>("/queue/{department}/done", (queue, call, ct) => queue.DoneAsync(call.Route("department"), call, ct));
        // After the REST redirect: dial the agent the caller was offered to.
        voice.MapWebhook<QueueWebhooks>("/queue/{department}/connect", (queue, call, ct) =>
            queue.ConnectAsync(call.Route("department"), call.QueryNumber("entry") ?? 0, call.QueryNumber("offer"), call, ct));
        // The agent's leg: what they hear before the caller is put through.
        voice.MapWebhook<QueueWebhooks>("/queue/{department}/whisper", (queue, call, ct) =>
            queue.WhisperAsync(call.Route("department"), call.QueryNumber("entry") ?? 0, call.QueryNumber("offer"), ct));
        // Dial's action: the agent answered and the call ended, or the agent did not answer.
        voice.MapWebhook<QueueWebhooks>("/queue/{department}/dialed", (queue, call, ct) =>
            queue.DialedAsync(call.Route("department"), call.QueryNumber("entry") ?? 0, call.QueryNumber("offer"), call, ct));
        return voice;
    }
}
