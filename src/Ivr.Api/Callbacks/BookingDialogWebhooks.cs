using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The booking dialog on the phone: confirm the number the caller calls from or key in another, then hear the
/// reference and the expected time; and the offer of a callback when a department is closed. The dialog's state
/// travels in its signed action URLs (<see cref="BookingDialog"/>).
/// </summary>
public sealed class BookingDialogWebhooks(
    CallbackBookings bookings,
    CallStore calls,
    CallMenus callMenus,
    QueueDistributor distributor,
    Apologies apologies,
    TimeProvider time,
    IOptions<CallbackOptions> options,
    ILogger<BookingDialogWebhooks> logger)
{
    /// <summary>Numbers a caller may key in before the dialog gives up.</summary>
    public const int NumberTries = 3;

    /// <summary>The booking dialog starts: confirm the caller's own number, or key one in.</summary>
    public async Task<VoiceResponse> BookAsync(VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, language) = await callMenus.ForCallAsync(call.CallSid, ct);
        var dialog = BookingDialog.Read(call);
        if (dialog is null || !definition.Departments.ContainsKey(dialog.Department))
            return apologies.For(definition, language);
        var twiml = new VoiceResponse();
        return PhoneNumbers.Parse(call.From, options.Value.CountryCodes).Number is { } number
            ? AskToConfirm(call, twiml, definition, language, dialog, number)
            : AskForNumber(call, twiml, definition, language, dialog, tries: 0);
    }

    /// <summary>1: book for the number read out; 2: key in another; nothing: ask again, then key in.</summary>
    public async Task<VoiceResponse> ConfirmAsync(VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, language) = await callMenus.ForCallAsync(call.CallSid, ct);
        var dialog = BookingDialog.Read(call);
        var number = PhoneNumbers.Parse(call.Query("number"), options.Value.CountryCodes).Number;
        if (dialog is null || number is null || !definition.Departments.TryGetValue(dialog.Department, out var department))
            return apologies.For(definition, language);
        var twiml = new VoiceResponse();
        switch (call.Digits)
        {
            case "1":
                return await BookAndSayAsync(twiml, definition, language, department, dialog, number, call.CallSid, ct);
            case "2":
                return AskForNumber(call, twiml, definition, language, dialog, tries: 0);
            default:
                var asked = (int)(call.QueryNumber("asked") ?? 0);
                return asked >= 2
                    ? AskForNumber(call, twiml, definition, language, dialog, tries: 0)
                    : AskToConfirm(call, twiml, definition, language, dialog, number, asked + 1);
        }
    }

    /// <summary>A keyed-in number: read it back for confirmation, or say what is wrong and ask again.</summary>
    public async Task<VoiceResponse> NumberAsync(VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, language) = await callMenus.ForCallAsync(call.CallSid, ct);
        var dialog = BookingDialog.Read(call);
        if (dialog is null || !definition.Departments.ContainsKey(dialog.Department))
            return apologies.For(definition, language);
        var tries = (int)(call.QueryNumber("tries") ?? 0) + 1;
        var twiml = new VoiceResponse();
        var parsed = PhoneNumbers.Parse(call.Digits, options.Value.CountryCodes);
        if (parsed.Number is { } number)
            return AskToConfirm(call, twiml, definition, language, dialog, number);
        var problem = parsed.Problem ?? PhoneNumberProblem.Missing;
        if (tries >= NumberTries)
        {
            twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackNotBooked, language));
            return await GoBackAsync(call, twiml, definition, language, dialog, ct);
        }
        if (problem != PhoneNumberProblem.Missing)
            twiml.Tell(definition, language, PhoneNumbers.Message(problem, language, options.Value.CountryCodes));
        return AskForNumber(call, twiml, definition, language, dialog, tries);
    }

    /// <summary>The closed department's offer: 1 starts the booking dialog; anything else ends the call.</summary>
    public async Task<VoiceResponse> ClosedOfferAsync(VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, language) = await callMenus.ForCallAsync(call.CallSid, ct);
        if (call.Digits == "1" && call.Query("department") is { Length: > 0 } department)
            return new VoiceResponse().Redirect(new BookingDialog(department, null, "closed").Url(call, "book"), HttpMethod.Post);
        return new VoiceResponse().Tell(definition, language, definition.Messages.Get(SystemMessages.Goodbye, language)).Hangup();
    }

    private async Task<VoiceResponse> BookAndSayAsync(VoiceResponse twiml, MenuDefinition definition, string language, Department department,
        BookingDialog dialog, string number, string callSid, CancellationToken ct)
    {
        var booking = await bookings.BookAsync(number, department, language, dialog.Source, callSid, dialog.Since, ct);
        if (booking.AlreadyBooked)
        {
            // The number may have been keyed in by someone else than its owner: say we will call, not the reference.
            return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackKept, language)).Hangup();
        }
        logger.LogInformation("Callback {Reference} booked by call {CallSid} for {Department} ({Source})",
            booking.Reference, callSid, department.Id, dialog.Source);
        return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.CallbackBooked, language)
                .Replace("{department}", department.Title.For(language))
                .Replace("{reference}", PhoneNumbers.DigitByDigit(booking.Reference))
                .Replace("{when}", CallbackSpeech.When(booking.ExpectedAt?.ToUnixTimeMilliseconds(), definition, language, time.GetUtcNow())))
            .Hangup();
    }

    private VoiceResponse AskToConfirm(VoiceRequest call, VoiceResponse twiml, MenuDefinition definition, string language,
        BookingDialog dialog, string number, int asked = 0)
    {
        var text = definition.Messages.Get(SystemMessages.CallbackConfirmNumber, language)
            .Replace("{number}", PhoneNumbers.SpokenDigits(number, options.Value.CountryCodes));
        var action = dialog.Url(call, "confirm", $"&number={Uri.EscapeDataString(number)}&asked={asked}");
        twiml.Append(Twiml.Gather(action, numDigits: 1, timeout: 6).Speak(text, language, definition.VoiceFor(language)));
        return twiml.Redirect(action, HttpMethod.Post);
    }

    private static VoiceResponse AskForNumber(VoiceRequest call, VoiceResponse twiml, MenuDefinition definition, string language,
        BookingDialog dialog, int tries)
    {
        var action = dialog.Url(call, "number", $"&tries={tries}");
        twiml.Append(Twiml.Gather(action, finishOnKey: "#", timeout: 10, actionOnEmptyResult: true)
            .Speak(definition.Messages.Get(SystemMessages.CallbackEnterNumber, language), language, definition.VoiceFor(language)));
        return twiml.Redirect(action, HttpMethod.Post);
    }

    // No number could be taken: a caller who left the queue goes back to their place; the others hear goodbye.
    private async Task<VoiceResponse> GoBackAsync(VoiceRequest call, VoiceResponse twiml, MenuDefinition definition,
        string language, BookingDialog dialog, CancellationToken ct)
    {
        if (dialog.Source != "queue" || dialog.Since is not { } since)
            return twiml.Tell(definition, language, definition.Messages.Get(SystemMessages.Goodbye, language)).Hangup();
        await calls.JoinLineAsync(call.CallSid, new CallParties(call.From, call.To), definition, dialog.Department, language,
            since, "callback-abandoned", time.GetUtcNow(), ct);
        distributor.WakeAfterAnswer(call.Http);
        return twiml.EnqueueIn(dialog.Department, call);
    }
}
