using System.Data.Common;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Callbacks;

/// <summary>
/// A caller whose number has a callback booked calls again: they are told so, and may keep it, cancel it, or wait
/// on the line at the place the booking holds.
/// </summary>
public sealed class ReturningCallerWebhooks(
    CallbackStore store,
    CallStore calls,
    CallMenus callMenus,
    QueueDistributor distributor,
    TimeProvider time,
    IOptions<CallbackOptions> options)
{
    /// <summary>
    /// The number a new call's booking is looked up by: null for a call coming back from the question
    /// (<c>returning=done</c>) and for a caller whose number is no line a callback could ring. Read before the step,
    /// so that the parsing never runs on the database's one writer.
    /// </summary>
    public string? BookingNumber(VoiceRequest call) =>
        call.Query("returning") == "done" ? null : PhoneNumbers.Parse(call.From, options.Value.CountryCodes).Number;

    /// <summary>
    /// At <c>/voice/incoming</c>, for a call the service does not know yet (so a repeated first webhook of a call
    /// already in the menus goes on as usual): the offer to a caller whose <paramref name="number"/>
    /// (<see cref="BookingNumber"/>) has a pending callback, read on <paramref name="connection"/> (in the step's
    /// transaction on SQLite). Null when it has none.
    /// </summary>
    public async Task<VoiceResponse?> OfferAsync(VoiceRequest call, string number, MenuDefinition definition, DbConnection connection,
        DbTransaction? transaction)
    {
        if (await store.FindOpenForNumberAsync(connection, transaction, number) is not { } callback)
            return null;
        var language = CallbackSpeech.LanguageOf(definition, callback.Language);
        if (!definition.Departments.TryGetValue(callback.Department, out var department))
            return null;
        var text = definition.Messages.Get(SystemMessages.CallbackPending, language)
            .Replace("{department}", department.Title.For(language))
            .Replace("{reference}", PhoneNumbers.DigitByDigit(callback.Reference))
            .Replace("{when}", CallbackSpeech.When(callback.ExpectedAt, definition, language, time.GetUtcNow()));
        var action = call.Url($"/voice/callbacks/returning?callback={callback.Id}");
        var twiml = new VoiceResponse();
        twiml.Append(Twiml.Gather(action, numDigits: 1, timeout: 6).Speak(LocalizedText.Capitalize(text), language, definition.VoiceFor(language)));
        return twiml.Redirect(action, HttpMethod.Post);
    }

    /// <summary>1 keeps the callback, 2 cancels it and goes on to the menu, 3 waits on the line at its place.</summary>
    public async Task<VoiceResponse> ChoiceAsync(VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, _) = await callMenus.ForCallAsync(call.CallSid, ct);
        // References repeat once bookings close: the booking is named by its id (the URL is signed by Twilio).
        var callback = call.QueryNumber("callback") is { } id ? await store.FindByIdAsync(id, ct) : null;
        var twiml = new VoiceResponse();
        var toMenu = call.Url("/voice/incoming?returning=done");
        if (callback is null || callback.Status != CallbackStatus.Pending)
            return twiml.Redirect(toMenu, HttpMethod.Post);
        var language = CallbackSpeech.LanguageOf(definition, callback.Language);
        var now = time.GetUtcNow();
        switch (call.Digits)
        {
            case "2":
                await store.CancelAsync(callback.Id, "cancelled by the caller", now, ct);
                return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackCanceled, language))
                    .Redirect(toMenu, HttpMethod.Post);
            case "3" when !definition.Departments[callback.Department].Hours.IsOpen(now, definition.Hotline.TimeZone):
                // Closed: nobody would answer on the line, so the callback at the opening stays.
                return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackKept, language)).Hangup();
            case "3":
                var canceled = await store.CancelAsync(callback.Id, "waiting on the line instead", now, ct);
                if (canceled?.Status != CallbackStatus.Canceled)
                    return twiml.Redirect(toMenu, HttpMethod.Post);
                await calls.JoinLineAsync(call.CallSid, new CallParties(call.From, call.To), definition, callback.Department, language,
                    DateTimeOffset.FromUnixTimeMilliseconds(callback.RequestedAt), "callback-wait", now, ct);
                distributor.WakeAfterAnswer(call.Http);
                return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.QueueJoined, language)
                        .Replace("{department}", definition.Departments[callback.Department].Title.For(language)))
                    .EnqueueIn(callback.Department, call);
            case "1":
                return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackKept, language)).Hangup();
            default:
                // No choice: the callback stays booked, and the caller goes on to the menu.
                return twiml.Redirect(toMenu, HttpMethod.Post);
        }
    }
}
