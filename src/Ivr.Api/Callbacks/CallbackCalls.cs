using System.Globalization;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The voice side of callbacks. For a caller: the offer in the queue (press 1), the booking dialog (confirm the
/// number they call from or key in another, hear the reference and the expected time), the offer when a department
/// is closed, and what a caller with a booked callback hears. For the customer called back: who is calling and
/// why, then the reserved agent with a whisper; a try that fails is given back to the dispatcher's retries.
/// The dialog's state travels in its signed action URLs.
/// </summary>
public sealed class CallbackCalls(
    CallbackBookings bookings,
    CallbackStore store,
    CallStore calls,
    QueueStore queues,
    MenuCatalog menus,
    CallbackDispatcher dispatcher,
    QueueDistributor distributor,
    DepartmentRates rates,
    VoiceCalls voice,
    TimeProvider time,
    IOptions<CallbackOptions> options,
    IOptions<QueueOptions> queueOptions,
    IOptions<IvrOptions> ivr,
    IOptions<TwilioOptions> twilioOptions,
    ILogger<CallbackCalls> logger)
{
    /// <summary>Numbers a caller may key in before the dialog gives up.</summary>
    public const int NumberTries = 3;

    private sealed record Dialog(string Department, DateTimeOffset? Since, string Source);

    /// <summary>The booking dialog starts: confirm the caller's own number, or key one in.</summary>
    public Task<IResult> BookAsync(HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, language) =>
        {
            var dialog = ReadDialog(request);
            if (dialog is null || !definition.Departments.ContainsKey(dialog.Department))
                return voice.Apology(definition, language);
            var own = PhoneNumbers.Parse(form["From"], options.Value.CountryCodes);
            var twiml = new TwimlWriter();
            if (own.Number is { } number)
                AskToConfirm(request, twiml, definition, language, dialog, number);
            else
                AskForNumber(request, twiml, definition, language, dialog, tries: 0);
            return twiml.ToResult();
        });

    /// <summary>1: book for the number read out; 2: key in another; nothing: ask again, then key in.</summary>
    public Task<IResult> ConfirmAsync(HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, language) =>
        {
            var dialog = ReadDialog(request);
            var number = PhoneNumbers.Parse(request.Query["number"], options.Value.CountryCodes).Number;
            if (dialog is null || number is null || !definition.Departments.TryGetValue(dialog.Department, out var department))
                return voice.Apology(definition, language);
            var twiml = new TwimlWriter();
            switch (form["Digits"].ToString())
            {
                case "1":
                    await BookAndSayAsync(twiml, definition, language, department, dialog, number, form["CallSid"], ct);
                    break;
                case "2":
                    AskForNumber(request, twiml, definition, language, dialog, tries: 0);
                    break;
                default:
                    if (int.TryParse(request.Query["asked"], out var asked) && asked >= 2)
                        AskForNumber(request, twiml, definition, language, dialog, tries: 0);
                    else
                        AskToConfirm(request, twiml, definition, language, dialog, number, asked + 1);
                    break;
            }
            return twiml.ToResult();
        });

    /// <summary>A keyed-in number: read it back for confirmation, or say what is wrong and ask again.</summary>
    public Task<IResult> NumberAsync(HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, language) =>
        {
            var dialog = ReadDialog(request);
            if (dialog is null || !definition.Departments.ContainsKey(dialog.Department))
                return voice.Apology(definition, language);
            var tries = int.TryParse(request.Query["tries"], out var t) ? t + 1 : 1;
            var twiml = new TwimlWriter();
            var parsed = PhoneNumbers.Parse(form["Digits"], options.Value.CountryCodes);
            if (parsed.Number is { } number)
            {
                AskToConfirm(request, twiml, definition, language, dialog, number);
                return twiml.ToResult();
            }
            var problem = parsed.Problem ?? PhoneNumberProblem.Missing;
            if (tries >= NumberTries)
            {
                Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackNotBooked, language));
                return await GoBackAsync(request, twiml, form, definition, language, dialog, ct);
            }
            if (problem != PhoneNumberProblem.Missing)
                Say(twiml, definition, language, PhoneNumbers.Message(problem, language, options.Value.CountryCodes));
            AskForNumber(request, twiml, definition, language, dialog, tries);
            return twiml.ToResult();
        });

    /// <summary>The closed department's offer: 1 starts the booking dialog; anything else ends the call.</summary>
    public Task<IResult> ClosedOfferAsync(HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, language) =>
        {
            var twiml = new TwimlWriter();
            if (form["Digits"] == "1" && request.Query["department"].ToString() is { Length: > 0 } department)
            {
                twiml.Redirect(DialogUrl(request, "book", new Dialog(department, null, "closed")));
                return twiml.ToResult();
            }
            Say(twiml, definition, language, definition.Messages.Get(SystemMessages.Goodbye, language));
            twiml.Hangup();
            return twiml.ToResult();
        });

    /// <summary>
    /// The caller pressed a key while holding (or while hearing the forecast as they joined): 1 takes them out of the
    /// line, keeping their arrival time for the callback.
    /// </summary>
    public Task<IResult> QueueKeyAsync(string department, HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, language) =>
        {
            var joining = request.Query["joining"] == "1";
            var twiml = new TwimlWriter();
            if (form["Digits"] == "1"
                && await queues.LeaveForCallbackAsync(form["CallSid"].ToString(), department, time.GetUtcNow(), ct) is { } since)
            {
                // In the queue <Leave> ends the wait and Twilio asks the Enqueue action, which starts the dialog;
                // before the caller was put in Twilio's queue the dialog starts right away.
                if (joining)
                    twiml.Redirect(DialogUrl(request, "book", new Dialog(department, since, "queue")));
                else
                    twiml.Leave();
                return twiml.ToResult();
            }
            if (joining)
                EnqueueTwiml(request, twiml, department);
            return twiml.ToResult();
        });

    /// <summary>
    /// After the Enqueue: a caller who left the line for a callback goes on to the booking dialog. Null when the
    /// caller did not leave for a callback.
    /// </summary>
    public async Task<IResult?> AfterQueueAsync(string department, string callSid, HttpRequest request, CancellationToken ct)
    {
        if (await queues.LeftForCallbackAsync(callSid, department, ct) is not { } since)
            return null;
        var twiml = new TwimlWriter();
        twiml.Redirect(DialogUrl(request, "book", new Dialog(department, since, "queue")));
        return twiml.ToResult();
    }

    /// <summary>
    /// A new call from a number with a pending callback: told so, and offered to keep it, cancel it, or wait on the
    /// line at its place. Null when the caller has none.
    /// </summary>
    public async Task<IResult?> ReturningCallerAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.Query["returning"] == "done" || !request.HasFormContentType)
            return null;
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
        {
            return null; // the menu's webhook answers a form it cannot read
        }
        if (PhoneNumbers.Parse(form["From"], options.Value.CountryCodes).Number is not { } number)
            return null;
        // One indexed lookup for every new call; the call itself is looked up only for the rare caller with a booking
        // (a repeated first webhook of a call already in the menus goes on as usual).
        var pending = await store.FindOpenForNumberAsync(number, ct);
        if (pending.Count == 0 || await calls.FindAsync(form["CallSid"].ToString(), ct) is not null)
            return null;
        var callback = pending[0];
        var definition = menus.Current;
        var language = LanguageOf(definition, callback.Language);
        if (!definition.Departments.TryGetValue(callback.Department, out var department))
            return null;
        var text = definition.Messages.Get(SystemMessages.CallbackPending, language)
            .Replace("{department}", department.Title.For(language))
            .Replace("{reference}", PhoneNumbers.DigitByDigit(callback.Reference))
            .Replace("{when}", When(callback.ExpectedAt, definition, language));
        var twiml = new TwimlWriter();
        var action = Url(request, $"/voice/callbacks/returning?callback={callback.Id}");
        twiml.Gather(new GatherOptions { Action = action, Input = "dtmf", NumDigits = 1, TimeoutSeconds = 6 },
            nested => nested.Say(LocalizedText.Capitalize(text), language, definition.VoiceFor(language)));
        twiml.Redirect(action);
        return twiml.ToResult();
    }

    /// <summary>1 keeps the callback, 2 cancels it and goes on to the menu, 3 waits on the line at its place.</summary>
    public Task<IResult> ReturningChoiceAsync(HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, language) =>
        {
            // References repeat once bookings close: the booking is named by its id (the URL is signed by Twilio).
            var callback = long.TryParse(request.Query["callback"], out var id) ? await store.FindByIdAsync(id, ct) : null;
            var twiml = new TwimlWriter();
            if (callback is null || callback.Status != CallbackStatus.Pending)
            {
                twiml.Redirect(Url(request, "/voice/incoming?returning=done"));
                return twiml.ToResult();
            }
            language = LanguageOf(definition, callback.Language);
            switch (form["Digits"].ToString())
            {
                case "2":
                    await store.CancelAsync(callback.Id, "cancelled by the caller", time.GetUtcNow(), ct);
                    Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackCanceled, language));
                    twiml.Redirect(Url(request, "/voice/incoming?returning=done"));
                    break;
                case "3" when !definition.Departments[callback.Department].Hours.IsOpen(time.GetUtcNow(), definition.Hotline.TimeZone):
                    // Closed: nobody would answer on the line, so the callback at the opening stays.
                    Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackKept, language));
                    twiml.Hangup();
                    break;
                case "3":
                    var canceled = await store.CancelAsync(callback.Id, "waiting on the line instead", time.GetUtcNow(), ct);
                    if (canceled?.Status != CallbackStatus.Canceled)
                    {
                        twiml.Redirect(Url(request, "/voice/incoming?returning=done"));
                        break;
                    }
                    await JoinAtPlaceAsync(form, definition, callback.Department, language,
                        DateTimeOffset.FromUnixTimeMilliseconds(callback.RequestedAt), "callback-wait", ct);
                    distributor.WakeAfterAnswer(request);
                    Say(twiml, definition, language, definition.Messages.Get(SystemMessages.QueueJoined, language)
                        .Replace("{department}", definition.Departments[callback.Department].Title.For(language)));
                    EnqueueTwiml(request, twiml, callback.Department);
                    break;
                case "1":
                    Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackKept, language));
                    twiml.Hangup();
                    break;
                default:
                    // No choice: the callback stays booked, and the caller goes on to the menu.
                    twiml.Redirect(Url(request, "/voice/incoming?returning=done"));
                    break;
            }
            return twiml.ToResult();
        });

    /// <summary>The customer answered a callback: who is calling and why, then the reserved agent.</summary>
    public Task<IResult> AnswerAsync(long id, HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, _) =>
        {
            var attempt = int.TryParse(request.Query["attempt"], out var a) ? a : 0;
            var callSid = form["CallSid"].ToString();
            var answered = await store.AnsweredAsync(id, attempt, callSid, time.GetUtcNow(), ct);
            var twiml = new TwimlWriter();
            if (answered is not var (callback, agent))
            {
                // A try that is no longer current (given up, or the booking cancelled): nobody is waiting for them.
                logger.LogWarning("Callback {Id} try {Attempt} answered as {CallSid}, but the try is not current", id, attempt, callSid);
                var fallbackLanguage = definition.DefaultLanguage;
                Say(twiml, definition, fallbackLanguage, definition.Messages.Get(SystemMessages.ErrorCallAgain, fallbackLanguage));
                twiml.Hangup();
                return twiml.ToResult();
            }
            var language = LanguageOf(definition, callback.Language);
            var title = definition.Departments.TryGetValue(callback.Department, out var department)
                ? department.Title.For(language) : callback.Department;
            Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackIntro, language)
                .Replace("{shop}", definition.Hotline.Name).Replace("{department}", title)
                .Replace("{reference}", PhoneNumbers.DigitByDigit(callback.Reference)));
            if (agent is null)
            {
                // The agent was given back (Twilio's answer to the create came too late): the customer waits at
                // the place their booking held.
                await JoinAtPlaceAsync(form, definition, callback.Department, language,
                    DateTimeOffset.FromUnixTimeMilliseconds(callback.RequestedAt), "callback-queued", ct, caller: callback.Number);
                distributor.WakeAfterAnswer(request);
                EnqueueTwiml(request, twiml, callback.Department);
                return twiml.ToResult();
            }
            Say(twiml, definition, language, definition.Messages.Get(SystemMessages.AgentConnecting, language));
            var target = agent.Kind switch
            {
                "sip" => DialTarget.Sip(agent.Address),
                "client" => DialTarget.Client(agent.Address),
                _ => DialTarget.Number(agent.Address),
            } with { WhisperUrl = Url(request, $"/voice/callbacks/{id}/whisper") };
            twiml.Dial(new DialOptions
            {
                Action = Url(request, $"/voice/callbacks/{id}/dialed?attempt={attempt}"),
                TimeoutSeconds = queueOptions.Value.RingSeconds,
                AnswerOnBridge = true,
            }, target);
            return twiml.ToResult();
        });

    /// <summary>What the agent hears before the customer called back is put through.</summary>
    public async Task<IResult> WhisperAsync(long id, HttpRequest request, CancellationToken ct)
    {
        // The agent picked up: the customer's call (the leg's parent) is connected from now on.
        try
        {
            if (request.HasFormContentType && (await request.ReadFormAsync(ct))["ParentCallSid"].ToString() is { Length: > 0 } parentCallSid)
                await store.AgentPickedUpAsync(id, parentCallSid, time.GetUtcNow(), ct);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
        {
            // The agent still hears who is calling; the dial action reports the conversation as before.
        }
        var definition = menus.Current;
        var language = definition.DefaultLanguage;
        var twiml = new TwimlWriter();
        if (await store.FindByIdAsync(id, ct) is { } callback)
        {
            var waited = (int)Math.Round((time.GetUtcNow().ToUnixTimeMilliseconds() - callback.RequestedAt) / 60000.0);
            var title = definition.Departments.TryGetValue(callback.Department, out var known) ? known.Title.For(language) : callback.Department;
            Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackWhisper, language)
                .Replace("{department}", title).Replace("{waited}", SpokenDuration.Waited(waited, language))
                .Replace("{caller}", PhoneNumbers.SpokenDigits(callback.Number, options.Value.CountryCodes)));
        }
        return twiml.ToResult();
    }

    /// <summary>The agent's leg ended: they talked (connected), or the agent missed it and the customer waits at their place.</summary>
    public Task<IResult> DialedAsync(long id, HttpRequest request, CancellationToken ct) =>
        SafelyAsync(request, ct, async (form, definition, _) =>
        {
            var now = time.GetUtcNow();
            var twiml = new TwimlWriter();
            var callback = await store.FindByIdAsync(id, ct);
            if (callback is null)
                return voice.Apology(definition, null);
            var language = LanguageOf(definition, callback.Language);
            var dialStatus = form["DialCallStatus"].ToString();
            if (!int.TryParse(request.Query["attempt"], out var attempt) || attempt != callback.Attempts || callback.Status != CallbackStatus.Answered)
            {
                // The agent's leg of an earlier try, reported late: the current try (and its agent) is not its business.
                logger.LogWarning("Late dial result {Status} for callback {Reference} try {Attempt}", dialStatus, callback.Reference, attempt);
                twiml.Hangup();
                return twiml.ToResult();
            }
            if (dialStatus is "completed" or "answered")
            {
                var talked = int.TryParse(form["DialCallDuration"], out var seconds) ? seconds : 0;
                await store.ConnectedAsync(id, talked, now, TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds), ct);
                dispatcher.Wake();
                distributor.Wake();
                twiml.Hangup();
                return twiml.ToResult();
            }
            if (dialStatus is not ("no-answer" or "busy" or "failed"))
            {
                // canceled: the customer hung up while the agent's phone rang; the call's end settles the try.
                await store.ReleaseAgentAsync(id, now, awayFor: null, ct);
                distributor.Wake();
                twiml.Hangup();
                return twiml.ToResult();
            }
            logger.LogInformation("Agent {Agent} did not take callback {Reference}", callback.AgentId, callback.Reference);
            await store.ReleaseAgentAsync(id, now, TimeSpan.FromSeconds(queueOptions.Value.AwayAfterMissedSeconds), ct);
            await JoinAtPlaceAsync(form, definition, callback.Department, language,
                DateTimeOffset.FromUnixTimeMilliseconds(callback.RequestedAt), "callback-queued", ct, caller: callback.Number);
            // The customer is back in line: the next offer must not overtake the answer that tells them so.
            dispatcher.WakeAfterAnswer(request);
            distributor.WakeAfterAnswer(request);
            Say(twiml, definition, language, definition.Messages.Get(SystemMessages.AgentUnavailable, language));
            EnqueueTwiml(request, twiml, callback.Department);
            return twiml.ToResult();
        });

    /// <summary>
    /// The status callback of a try's call. A try nobody answered (no-answer, busy, failed) is retried later or
    /// failed, and the agent is released at once; for an answered one the end is noted, and the dispatcher's sweep
    /// retries it if no conversation with an agent is reported (the customer hung up before reaching one).
    /// </summary>
    public async Task<IResult> StatusAsync(long id, HttpRequest request, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var status = form["CallStatus"].ToString();
        var attempt = int.TryParse(request.Query["attempt"], out var a) ? a : 0;
        if (status is "completed" or "busy" or "failed" or "no-answer" or "canceled")
        {
            var now = time.GetUtcNow();
            var callSid = form["CallSid"].ToString();
            if (callSid.Length > 0)
                rates.Ended(await calls.RecordEndAsync(callSid, status, int.TryParse(form["CallDuration"], out var d) ? d : null, now,
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
        return new TwimlWriter().ToResult();
    }

    private async Task BookAndSayAsync(TwimlWriter twiml, MenuDefinition definition, string language, Department department,
        Dialog dialog, string number, string? callSid, CancellationToken ct)
    {
        var booking = await bookings.BookAsync(number, department, language, dialog.Source, callSid, dialog.Since, ct);
        if (booking.AlreadyBooked)
        {
            // The number may have been keyed in by someone else than its owner: say we will call, not the reference.
            Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackKept, language));
            twiml.Hangup();
            return;
        }
        logger.LogInformation("Callback {Reference} booked by call {CallSid} for {Department} ({Source})",
            booking.Reference, callSid, department.Id, dialog.Source);
        Say(twiml, definition, language, definition.Messages.Get(SystemMessages.CallbackBooked, language)
            .Replace("{department}", department.Title.For(language))
            .Replace("{reference}", PhoneNumbers.DigitByDigit(booking.Reference))
            .Replace("{when}", When(booking.ExpectedAt?.ToUnixTimeMilliseconds(), definition, language)));
        twiml.Hangup();
    }

    private void AskToConfirm(HttpRequest request, TwimlWriter twiml, MenuDefinition definition, string language, Dialog dialog, string number, int asked = 0)
    {
        var text = definition.Messages.Get(SystemMessages.CallbackConfirmNumber, language)
            .Replace("{number}", PhoneNumbers.SpokenDigits(number, options.Value.CountryCodes));
        var action = DialogUrl(request, "confirm", dialog, $"&number={Uri.EscapeDataString(number)}&asked={asked}");
        twiml.Gather(new GatherOptions { Action = action, Input = "dtmf", NumDigits = 1, TimeoutSeconds = 6 },
            nested => nested.Say(text, language, definition.VoiceFor(language)));
        twiml.Redirect(action);
    }

    private void AskForNumber(HttpRequest request, TwimlWriter twiml, MenuDefinition definition, string language, Dialog dialog, int tries)
    {
        var action = DialogUrl(request, "number", dialog, $"&tries={tries}");
        twiml.Gather(new GatherOptions { Action = action, Input = "dtmf", FinishOnKey = "#", TimeoutSeconds = 10, ActionOnEmptyResult = true },
            nested => nested.Say(definition.Messages.Get(SystemMessages.CallbackEnterNumber, language), language, definition.VoiceFor(language)));
        twiml.Redirect(action);
    }

    // No number could be taken: a caller who left the queue goes back to their place; the others hear goodbye.
    private async Task<IResult> GoBackAsync(HttpRequest request, TwimlWriter twiml, IFormCollection form, MenuDefinition definition,
        string language, Dialog dialog, CancellationToken ct)
    {
        if (dialog.Source == "queue" && dialog.Since is { } since)
        {
            await JoinAtPlaceAsync(form, definition, dialog.Department, language, since, "callback-abandoned", ct);
            distributor.WakeAfterAnswer(request);
            EnqueueTwiml(request, twiml, dialog.Department);
            return twiml.ToResult();
        }
        Say(twiml, definition, language, definition.Messages.Get(SystemMessages.Goodbye, language));
        twiml.Hangup();
        return twiml.ToResult();
    }

    // The call (back) in a department's line at the place of `since`, stored as a step of the call.
    private Task JoinAtPlaceAsync(IFormCollection form, MenuDefinition definition, string department, string language,
        DateTimeOffset since, string trigger, CancellationToken ct, string? caller = null) =>
        calls.StepAsync(form["CallSid"].ToString(), new CallParties(caller ?? form["From"].ToString(), form["To"].ToString()), time.GetUtcNow(),
            previous =>
            {
                var state = (previous ?? CallState.Begin(definition)) with { Phase = CallPhase.Queued, Language = language };
                state = state with { Step = state.Step + 1 };
                return Task.FromResult(new StepResult(state, new Transition(state.Menu, state.Menu, trigger, null),
                    [new Instruction.Enqueue(department, language, since)]));
            }, ct);

    private void EnqueueTwiml(HttpRequest request, TwimlWriter twiml, string department) =>
        twiml.Enqueue(department,
            waitUrl: Url(request, $"/voice/queue/{department}/wait"),
            action: Url(request, $"/voice/queue/{department}/done"));

    private async Task<IResult> SafelyAsync(HttpRequest request, CancellationToken ct,
        Func<IFormCollection, MenuDefinition, string, Task<IResult>> answer)
    {
        MenuDefinition? definition = null;
        string? language = null;
        var callSid = "";
        try
        {
            var form = await request.ReadFormAsync(ct);
            callSid = form["CallSid"].ToString();
            var state = callSid.Length > 0 ? await calls.FindAsync(callSid, ct) : null;
            definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
            language = state?.Language ?? definition.DefaultLanguage;
            return await answer(form, definition, language);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(exception, "Callback webhook {Path} for call {CallSid} failed; the caller hears an apology", request.Path, callSid);
            return voice.Apology(definition, language);
        }
    }

    private static Dialog? ReadDialog(HttpRequest request)
    {
        var department = request.Query["department"].ToString();
        if (department.Length == 0)
            return null;
        DateTimeOffset? since = long.TryParse(request.Query["since"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        var source = request.Query["source"].ToString() is "queue" or "closed" or "menu" ? request.Query["source"].ToString() : "menu";
        return new Dialog(department, since, source);
    }

    private string DialogUrl(HttpRequest request, string step, Dialog dialog, string more = "")
    {
        var since = dialog.Since is { } s ? $"&since={s.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}" : "";
        return Url(request, $"/voice/callbacks/{step}?department={Uri.EscapeDataString(dialog.Department)}&source={dialog.Source}{since}{more}");
    }

    private string When(long? expectedAt, MenuDefinition definition, string language)
    {
        var zone = definition.Hotline.TimeZone;
        var now = time.GetUtcNow();
        var expected = expectedAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : now;
        var local = TimeZoneInfo.ConvertTime(SpokenTime.RoundUpToFiveMinutes(expected), zone).DateTime;
        return SpokenTime.Say(local, TimeZoneInfo.ConvertTime(now, zone).DateTime, language);
    }

    private static string LanguageOf(MenuDefinition definition, string language) =>
        definition.Hotline.Languages.Contains(language) ? language : definition.DefaultLanguage;

    private static void Say(TwimlWriter twiml, MenuDefinition definition, string language, string text) =>
        twiml.Say(LocalizedText.Capitalize(text), language, definition.VoiceFor(language));


    private string Url(HttpRequest request, string pathAndQuery) =>
        Twilio.ConnectionOverrides.Apply(PublicUrl.Action(ivr.Value.PublicBaseUrl, request, pathAndQuery), twilioOptions.Value.ConnectionOverrides);
}
