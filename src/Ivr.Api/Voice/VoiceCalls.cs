using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Shop;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Voice;

/// <summary>
/// Answers the voice webhooks: load the call by CallSid, step the engine, save, render TwiML. Whatever fails, the
/// caller hears an apology and is transferred or told to call again; the error is logged with the CallSid.
/// </summary>
public sealed class VoiceCalls(
    MenuCatalog menus,
    CallStore calls,
    QueueDistributor distributor,
    WaitAnnouncer announcer,
    DepartmentRates rates,
    Care.ContactStore contacts,
    TimeProvider time,
    IOptions<IvrOptions> options,
    IOptions<QueueOptions> queueOptions,
    IOptions<TwilioOptions> twilioOptions,
    ShopClient shop,
    ILogger<VoiceCalls> logger)
{
    public Task<IResult> IncomingAsync(HttpRequest request, CancellationToken ct) =>
        AnswerAsync(request, (_, _) => new CallInput.Start(), ct, incoming: true);

    /// <summary>Goes on with the call on <paramref name="input"/> if the request's step is the call's current one, else replays.</summary>
    public Task<IResult> ContinueAsync(HttpRequest request, CallInput input, CancellationToken ct) =>
        AnswerAsync(request, (_, state) =>
            int.TryParse(request.Query["step"], out var step) && step == state.Step ? input : new CallInput.Replay(), ct);

    public Task<IResult> GatherAsync(HttpRequest request, CancellationToken ct) =>
        AnswerAsync(request, (form, state) =>
        {
            // An action URL of an earlier step (a repeated or late request) must not be applied to the current menu.
            if (!int.TryParse(request.Query["step"], out var step) || step != state.Step)
                return new CallInput.Replay();
            var digits = form["Digits"].ToString();
            if (digits.Length > 0)
                return new CallInput.Keys(digits);
            var speech = form["SpeechResult"].ToString();
            return speech.Length > 0 ? new CallInput.Speech(speech) : new CallInput.NoInput();
        }, ct);

    public async Task<IResult> StatusAsync(HttpRequest request, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        var callSid = form["CallSid"].ToString();
        var status = form["CallStatus"].ToString();
        int? duration = int.TryParse(form["CallDuration"], out var seconds) ? seconds : null;
        if (callSid.Length > 0 && status is "completed" or "busy" or "failed" or "no-answer" or "canceled")
        {
            var now = time.GetUtcNow();
            rates.Ended(await calls.RecordEndAsync(callSid, status, duration, now, TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds), ct), now);
            distributor.Wake();
        }
        return new TwimlWriter().ToResult();
    }

    private async Task<IResult> AnswerAsync(
        HttpRequest request, Func<IFormCollection, CallState, CallInput> readInput, CancellationToken ct, bool incoming = false)
    {
        var callSid = "";
        MenuDefinition? definition = null;
        string? language = null;
        try
        {
            var form = await request.ReadFormAsync(ct);
            callSid = form["CallSid"].ToString();
            if (callSid.Length == 0)
            {
                logger.LogWarning("A voice webhook without CallSid was refused politely");
                return Apology(menus.Current, null);
            }
            var parties = new CallParties(form["From"].ToString(), form["To"].ToString());
            var shopContext = await ContextAsync(request, parties, ct);
            var now = time.GetUtcNow();
            var context = shopContext with { Returning = await ReturningAsync(callSid, parties.Caller, incoming, now, ct) };
            var result = await calls.StepAsync(callSid, parties, now, async previous =>
            {
                // An unknown CallSid on an action URL (a lost or foreign call) starts at the beginning.
                definition = previous is null ? menus.Current : await menus.ForVersionAsync(previous.MenuVersion, ct);
                language = previous?.Language;
                var input = previous is null ? new CallInput.Start() : readInput(form, previous);
                return FlowEngine.Step(definition, previous ?? CallState.Begin(definition), input, now, context);
            }, ct);
            WaitAnnouncement? announcement = null;
            if (result.Instructions.OfType<Instruction.Enqueue>().FirstOrDefault() is { } enqueue)
            {
                // The forecast is made as the caller joins, before the distributor may hand them to an agent.
                announcement = await announcer.AnnounceAsync(callSid, definition!.Departments[enqueue.Department],
                    definition.Hotline.TimeZone, now, ct);
                // An offer made before Twilio has the Enqueue would make it drop the answer (and the forecast).
                distributor.WakeAfterAnswer(request);
            }
            return Render(request, result, definition!, announcement);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(exception, "Voice webhook {Path} for call {CallSid} failed; the caller hears an apology",
                request.Path, callSid);
            return Apology(definition ?? TryCurrent(), language);
        }
    }

    // A new call whose menu greets by name (or takes the language from the shop) asks the shop who is calling, within
    // Shop:TimeoutMs; a shop that does not know or does not answer leaves the texts' fallbacks.
    private async Task<CallContext> ContextAsync(HttpRequest request, CallParties parties, CancellationToken ct)
    {
        if (request.Path != "/voice/incoming" || parties.Caller is not { Length: > 1 } caller || !caller.StartsWith('+')
            || !shop.IsAvailable || !menus.Current.UsesShopCustomer)
            return new CallContext(parties.Caller);
        var customer = await shop.CustomerAsync(caller, ct);
        return new CallContext(parties.Caller, customer.Value?.FirstName, customer.Value?.Language);
    }

    private TwimlResult Render(HttpRequest request, StepResult result, MenuDefinition definition, WaitAnnouncement? announcement)
    {
        var twiml = new TwimlWriter();
        foreach (var instruction in result.Instructions)
        {
            switch (instruction)
            {
                case Instruction.Say say:
                    twiml.Say(say.Text, say.Language, say.Voice);
                    break;
                case Instruction.Gather gather:
                    var action = ActionUrl(request, $"/voice/gather?step={result.State.Step}");
                    twiml.Gather(
                        new GatherOptions
                        {
                            Action = action,
                            Input = "dtmf speech",
                            TimeoutSeconds = gather.TimeoutSeconds,
                            NumDigits = gather.NumDigits,
                            Language = gather.Language,
                            Hints = gather.Hints,
                            SpeechTimeout = "auto",
                        },
                        nested =>
                        {
                            foreach (var say in gather.Prompt)
                                nested.Say(say.Text, say.Language, say.Voice);
                        });
                    // Gather falls through when the caller gives no input; this brings them back as "no input".
                    twiml.Redirect(action);
                    break;
                case Instruction.Enqueue enqueue:
                    // Before joining: how long, honestly (the caller may still decide to call later), and when the
                    // wait is long, the offer of a callback that keeps their place.
                    var sentences = announcement is null ? [] : WaitAnnouncer.Sentences(announcement, definition, enqueue.Language).ToList();
                    var voice = definition.VoiceFor(enqueue.Language);
                    if (announcement is not null && WaitAnnouncer.OffersCallback(announcement, definition.Departments[enqueue.Department]))
                    {
                        sentences.Add(definition.Messages.Get(SystemMessages.CallbackOffer, enqueue.Language));
                        twiml.Gather(new GatherOptions
                            {
                                Action = ActionUrl(request, $"/voice/queue/{enqueue.Department}/callback?joining=1"),
                                Input = "dtmf",
                                NumDigits = 1,
                                TimeoutSeconds = 1,
                            },
                            nested =>
                            {
                                foreach (var sentence in sentences)
                                    nested.Say(sentence, enqueue.Language, voice);
                            });
                    }
                    else
                    {
                        foreach (var sentence in sentences)
                            twiml.Say(sentence, enqueue.Language, voice);
                    }
                    twiml.Enqueue(
                        enqueue.Department,
                        waitUrl: ActionUrl(request, $"/voice/queue/{enqueue.Department}/wait"),
                        action: ActionUrl(request, $"/voice/queue/{enqueue.Department}/done"));
                    break;
                case Instruction.BookCallback book:
                    // The booking dialog confirms the number (or asks for one) and says the reference.
                    twiml.Redirect(ActionUrl(request, $"/voice/callbacks/book?department={Uri.EscapeDataString(book.Department)}&source=menu"));
                    break;
                case Instruction.OfferCallback offer:
                    var offerUrl = ActionUrl(request, $"/voice/callbacks/offer?department={Uri.EscapeDataString(offer.Department)}");
                    var offerText = definition.Messages.Get(SystemMessages.CallbackOfferClosed, offer.Language)
                        .Replace("{department}", definition.Departments[offer.Department].Title.For(offer.Language))
                        .Replace("{when}", offer.When);
                    twiml.Gather(new GatherOptions { Action = offerUrl, Input = "dtmf", NumDigits = 1, TimeoutSeconds = 5 },
                        nested => nested.Say(LocalizedText.Capitalize(offerText), offer.Language, definition.VoiceFor(offer.Language)));
                    twiml.Say(definition.Messages.Get(SystemMessages.Goodbye, offer.Language), offer.Language, definition.VoiceFor(offer.Language));
                    twiml.Hangup();
                    break;
                case Instruction.Hangup:
                    twiml.Hangup();
                    break;
                case Instruction.Lookup lookup:
                    twiml.Redirect(ActionUrl(request, $"/voice/lookup/{lookup.Kind}?step={result.State.Step}"));
                    break;
                default:
                    throw new InvalidOperationException($"No TwiML for {instruction} (menu version {definition.Version}).");
            }
        }
        return twiml.ToResult();
    }

    /// <summary>The apology of <see cref="Apology(MenuDefinition?, string?)"/> in the live menu's default language.</summary>
    public TwimlResult Apology() => Apology(TryCurrent(), null);

    /// <summary>The caller hears an apology and is transferred to the fallback number, or told to call again.</summary>
    public TwimlResult Apology(MenuDefinition? definition, string? language)
    {
        language ??= definition?.DefaultLanguage ?? "pl-PL";
        var messages = definition?.Messages ?? SystemMessages.Build([language], new Dictionary<string, IReadOnlyDictionary<string, string>>());
        var voice = definition?.VoiceFor(language);
        var twiml = new TwimlWriter();
        if (options.Value.FallbackNumber is { Length: > 0 } fallback)
        {
            twiml.Say(messages.Get(SystemMessages.ErrorTransfer, language), language, voice);
            twiml.Dial(new DialOptions(), DialTarget.Number(fallback));
        }
        else
        {
            twiml.Say(messages.Get(SystemMessages.ErrorCallAgain, language), language, voice);
        }
        twiml.Hangup();
        return twiml.ToResult();
    }

    /// <summary>
    /// The matter a returning caller is offered to continue: looked up as the call starts, and again for their answer
    /// to the offer. Null when the menu file makes no such offer or the caller has no recent contact with a department.
    /// </summary>
    private async Task<Flows.Engine.PreviousContact?> ReturningAsync(string callSid, string? caller, bool incoming, DateTimeOffset now, CancellationToken ct)
    {
        if (caller is null || !Care.ContactStore.IsE164(caller) || menus.Current.Returning is null)
            return null;
        var definition = menus.Current;
        if (!incoming)
        {
            var state = await calls.FindAsync(callSid, ct);
            if (state?.Menu != FlowEngine.ReturningMenu)
                return null;
            definition = await menus.ForVersionAsync(state.MenuVersion, ct);
        }
        if (definition.Returning is not { } returning)
            return null;
        var history = await contacts.HistoryAsync(caller, now, ct);
        return Care.ContactStore.LastWithDepartment(history, callSid, now.AddDays(-returning.WithinDays), now);
    }

    private MenuDefinition? TryCurrent()
    {
        try { return menus.Current; }
        catch (InvalidOperationException) { return null; }
    }

    private string ActionUrl(HttpRequest request, string pathAndQuery) =>
        Twilio.ConnectionOverrides.Apply(PublicUrl.Action(options.Value.PublicBaseUrl, request, pathAndQuery), twilioOptions.Value.ConnectionOverrides);
}
