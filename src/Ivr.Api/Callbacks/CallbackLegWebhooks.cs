using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The calls the service places to customers who booked a callback: who is calling and why, then the reserved agent
/// with a whisper; the agent's result; the call's end. A try that fails is given back to the dispatcher's retries.
/// </summary>
public sealed class CallbackLegWebhooks(
    CallbackStore store,
    CallStore calls,
    MenuCatalog menus,
    CallMenus callMenus,
    CallbackDispatcher dispatcher,
    QueueDistributor distributor,
    DepartmentRates rates,
    Apologies apologies,
    TimeProvider time,
    IOptions<CallbackOptions> options,
    IOptions<QueueOptions> queueOptions,
    ILogger<CallbackLegWebhooks> logger)
{
    /// <summary>The customer answered a callback: who is calling and why, then the reserved agent.</summary>
    public async Task<VoiceResponse> AnswerAsync(long id, VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, _) = await callMenus.ForCallAsync(call.CallSid, ct);
        var attempt = (int)(call.QueryNumber("attempt") ?? 0);
        var twiml = new VoiceResponse();
        if (await store.AnsweredAsync(id, attempt, call.CallSid, time.GetUtcNow(), ct) is not var (callback, agent))
        {
            // A try that is no longer current (given up, or the booking cancelled): nobody is waiting for them.
            logger.LogWarning("Callback {Id} try {Attempt} answered as {CallSid}, but the try is not current", id, attempt, call.CallSid);
            var fallbackLanguage = definition.DefaultLanguage;
            return twiml.Tell(definition, fallbackLanguage, definition.Messages.Get(SystemMessages.ErrorCallAgain, fallbackLanguage)).Hangup();
        }
        var language = CallbackSpeech.LanguageOf(definition, callback.Language);
        var title = definition.Departments.TryGetValue(callback.Department, out var department)
            ? department.Title.For(language) : callback.Department;
        twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackIntro, language)
            .Replace("{shop}", definition.Hotline.Name).Replace("{department}", title)
            .Replace("{reference}", PhoneNumbers.DigitByDigit(callback.Reference)));
        if (agent is null)
        {
            // The agent was given back (Twilio's answer to the create came too late): the customer waits at the
            // place their booking held.
            await JoinAtPlaceAsync(call, definition, callback, language, ct);
            distributor.WakeAfterAnswer(call.Http);
            return twiml.EnqueueIn(callback.Department, call);
        }
        twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.AgentConnecting, language));
        twiml.Append(Twiml.DialAgent(agent.Kind, agent.Address,
            whisper: call.Url($"/voice/callbacks/{id}/whisper"),
            action: call.Url($"/voice/callbacks/{id}/dialed?attempt={attempt}"),
            queueOptions.Value.RingSeconds));
        return twiml;
    }

    /// <summary>What the agent hears before the customer called back is put through.</summary>
    public async Task<VoiceResponse> WhisperAsync(long id, VoiceRequest call, CancellationToken ct)
    {
        // The agent picked up: the customer's call (the leg's parent) is connected from now on.
        if (call.ParentCallSid.Length > 0)
            await store.AgentPickedUpAsync(id, call.ParentCallSid, time.GetUtcNow(), ct);
        var definition = menus.Current;
        var language = definition.DefaultLanguage;
        var twiml = new VoiceResponse();
        if (await store.FindByIdAsync(id, ct) is not { } callback)
            return twiml;
        var waited = (int)Math.Round((time.GetUtcNow().ToUnixTimeMilliseconds() - callback.RequestedAt) / 60000.0);
        var title = definition.Departments.TryGetValue(callback.Department, out var known) ? known.Title.For(language) : callback.Department;
        return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackWhisper, language)
            .Replace("{department}", title).Replace("{waited}", SpokenDuration.Waited(waited, language))
            .Replace("{caller}", PhoneNumbers.SpokenDigits(callback.Number, options.Value.CountryCodes)));
    }

    /// <summary>The agent's leg ended: they talked (connected), or the agent missed it and the customer waits at their place.</summary>
    public async Task<VoiceResponse> DialedAsync(long id, VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, _) = await callMenus.ForCallAsync(call.CallSid, ct);
        var now = time.GetUtcNow();
        var twiml = new VoiceResponse();
        var callback = await store.FindByIdAsync(id, ct);
        if (callback is null)
            return apologies.For(definition, null);
        var language = CallbackSpeech.LanguageOf(definition, callback.Language);
        var dialStatus = call.DialCallStatus;
        var attempt = call.QueryNumber("attempt");
        if (attempt != callback.Attempts || callback.Status != CallbackStatus.Answered)
        {
            // The agent's leg of an earlier try, reported late: the current try (and its agent) is not its business.
            logger.LogWarning("Late dial result {Status} for callback {Reference} try {Attempt}", dialStatus, callback.Reference, attempt);
            return twiml.Hangup();
        }
        if (dialStatus is "completed" or "answered")
        {
            await store.ConnectedAsync(id, call.DialCallDuration ?? 0, now, TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds), ct);
            dispatcher.Wake();
            distributor.Wake();
            return twiml.Hangup();
        }
        if (dialStatus is not ("no-answer" or "busy" or "failed"))
        {
            // canceled: the customer hung up while the agent's phone rang; the call's end settles the try.
            await store.ReleaseAgentAsync(id, now, awayFor: null, ct);
            distributor.Wake();
            return twiml.Hangup();
        }
        logger.LogInformation("Agent {Agent} did not take callback {Reference}", callback.AgentId, callback.Reference);
        await store.ReleaseAgentAsync(id, now, TimeSpan.FromSeconds(queueOptions.Value.AwayAfterMissedSeconds), ct);
        await JoinAtPlaceAsync(call, definition, callback, language, ct);
        // The customer is back in line: the next offer must not overtake the answer that tells them so.
        dispatcher.WakeAfterAnswer(call.Http);
        distributor.WakeAfterAnswer(call.Http);
        return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.AgentUnavailable, language))
            .EnqueueIn(callback.Department, call);
    }

    /// <summary>
    /// The status callback of a try's call. A try nobody answered (no-answer, busy, failed) is retried later or
    /// failed, and the agent is released at once; for an answered one the end is noted, and the dispatcher's sweep
    /// retries it if no conversation with an agent is reported (the customer hung up before reaching one).
    /// </summary>
    public async Task<VoiceResponse> StatusAsync(long id, VoiceRequest call, CancellationToken ct)
    {
        var status = call.CallStatus;
        var attempt = (int)(call.QueryNumber("attempt") ?? 0);
        if (status is "completed" or "busy" or "failed" or "no-answer" or "canceled")
        {
            var now = time.GetUtcNow();
            if (call.CallSid.Length > 0)
                rates.Ended(await calls.RecordEndAsync(call.CallSid, status, call.CallDuration, now,
                    TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds), ct), now);
            var settings = options.Value;
            var after = await store.TryEndedAsync(id, attempt, status == "completed" ? "hung-up" : status, now,
                TimeSpan.FromSeconds(settings.RetryDelaySeconds), settings.MaxAttempts, cancellationToken: ct);
            if (after is not null)
                logger.LogInformation("Callback {Id} try {Attempt} ended {Result}; now {Status}", id, attempt, status, after);
            else
                await store.AnsweredCallEndedAsync(id, attempt, now, TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds), ct);
            dispatcher.Wake();
            distributor.Wake();
        }
        return new VoiceResponse();
    }

    // The customer (back) in the department's line at the place their booking held, as a step of the call.
    private Task JoinAtPlaceAsync(VoiceRequest call, MenuDefinition definition, Callback callback, string language, CancellationToken ct) =>
        calls.JoinLineAsync(call.CallSid, new CallParties(callback.Number, call.To), definition, callback.Department, language,
            DateTimeOffset.FromUnixTimeMilliseconds(callback.RequestedAt), "callback-queued", time.GetUtcNow(), ct);
}
