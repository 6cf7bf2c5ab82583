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
    TimeProvider time,
    IOptions<IvrOptions> ivr,
    IOptions<QueueOptions> options,
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

    public async Task<IResult> ConnectAsync(string department, long entry, HttpRequest request, CancellationToken ct)
    {
        var offer = await queues.FindOfferAsync(entry, ct);
        if (offer is null)
        {
            logger.LogWarning("Connect for unknown queue entry {Entry} in {Department}", entry, department);
            return voice.Apology();
        }
        var (definition, language) = await CallerAsync(offer.CallSid, ct);
        var twiml = new TwimlWriter();
        twiml.Say(definition.Messages.Get(SystemMessages.AgentConnecting, language), language, definition.VoiceFor(language));
        var whisper = Url(request, $"/voice/queue/{department}/whisper?entry={entry}");
        var target = offer.AgentKind switch
        {
            "sip" => DialTarget.Sip(offer.AgentAddress),
            "client" => DialTarget.Client(offer.AgentAddress),
            _ => DialTarget.Number(offer.AgentAddress),
        } with { WhisperUrl = whisper };
        twiml.Dial(new DialOptions
        {
            Action = Url(request, $"/voice/queue/{department}/dialed?entry={entry}"),
            TimeoutSeconds = options.Value.RingSeconds,
            AnswerOnBridge = true,
        }, target);
        return twiml.ToResult();
    }

    /// <summary>What the agent hears before the caller is put through: department, how long they waited, their number.</summary>
    public async Task<IResult> WhisperAsync(string department, long entry, CancellationToken ct)
    {
        var definition = menus.Current;
        var language = definition.DefaultLanguage;
        var offer = await queues.FindOfferAsync(entry, ct);
        var twiml = new TwimlWriter();
        if (offer is not null)
        {
            var caller = await calls.FindCallerAsync(offer.CallSid, ct);
            var waitedMinutes = (int)Math.Round((time.GetUtcNow().ToUnixTimeMilliseconds() - offer.EnqueuedAt) / 60000.0);
            var title = definition.Departments.TryGetValue(department, out var known) ? known.Title.For(language) : department;
            var waited = SpokenDuration.Waited(waitedMinutes, language);
            var text = definition.Messages.Get(SystemMessages.AgentWhisper, language)
                .Replace("{department}", title).Replace("{waited}", waited)
                .Replace("{caller}", Callbacks.PhoneNumbers.DigitByDigit(caller ?? "?"));
            twiml.Say(LocalizedText.Capitalize(text), language, definition.VoiceFor(language));
        }
        return twiml.ToResult();
    }

    public async Task<IResult> DialedAsync(string department, long entry, HttpRequest request, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var status = form["DialCallStatus"].ToString();
        var offer = await queues.FindOfferAsync(entry, ct);
        var now = time.GetUtcNow();
        if (offer is null)
            return voice.Apology();

        var (definition, language) = await CallerAsync(offer.CallSid, ct);
        var twiml = new TwimlWriter();
        if (status is "completed" or "answered")
        {
            var talked = int.TryParse(form["DialCallDuration"], out var seconds) ? seconds : 0;
            await queues.CompleteAsync(entry, talked, now, TimeSpan.FromSeconds(options.Value.WrapUpSeconds), ct);
            var answeredAt = now.ToUnixTimeMilliseconds() - talked * 1000L;
            rates.Served(department, (answeredAt - offer.EnqueuedAt) / 1000.0, talked, now);
            await callbackStore.ConnectedInQueueAsync(offer.CallSid, DateTimeOffset.FromUnixTimeMilliseconds(answeredAt), now, ct);
            distributor.Wake();
            twiml.Hangup();
            return twiml.ToResult();
        }

        // no-answer, busy, failed, canceled: the caller goes back to their old place; the agent rests a while.
        logger.LogInformation("Agent {Agent} did not take call {CallSid} ({Status})", offer.AgentId, offer.CallSid, status);
        await queues.ReturnAsync(entry, now, TimeSpan.FromSeconds(options.Value.AwayAfterMissedSeconds), ct);
        distributor.Wake();
        twiml.Say(definition.Messages.Get(SystemMessages.AgentUnavailable, language), language, definition.VoiceFor(language));
        twiml.Enqueue(department,
            waitUrl: Url(request, $"/voice/queue/{department}/wait"),
            action: Url(request, $"/voice/queue/{department}/done"));
        return twiml.ToResult();
    }

    private async Task<(MenuDefinition Definition, string Language)> CallerAsync(string callSid, CancellationToken ct)
    {
        var state = await calls.FindAsync(callSid, ct);
        var definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
        return (definition, state?.Language ?? definition.DefaultLanguage);
    }

    private string Url(HttpRequest request, string pathAndQuery) => PublicUrl.Action(ivr.Value.PublicBaseUrl, request, pathAndQuery);
}
