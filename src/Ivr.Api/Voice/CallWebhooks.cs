using System.Data.Common;
using Ivr.Api.Callbacks;
using Ivr.Api.Care;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Shop;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;

namespace Ivr.Api.Voice;

/// <summary>
/// The webhooks of a call in the menus: a new call, each answer to a menu, and the call's end. Each step loads the
/// call by CallSid, steps the engine and saves, with what the step tells the caller, in one transaction, then answers
/// the step's instructions as TwiML.
/// </summary>
public sealed class CallWebhooks(
    MenuCatalog menus,
    CallStore calls,
    ReturningCallerWebhooks returningCallers,
    QueueDistributor distributor,
    WaitAnnouncer announcer,
    DepartmentRates rates,
    ContactStore contacts,
    Apologies apologies,
    TimeProvider time,
    IOptions<QueueOptions> queueOptions,
    ShopClient shop,
    Database database,
    ILogger<CallWebhooks> logger)
{
    /// <summary>A new call enters the start menu; a caller with a callback booked is asked first whether to keep it.</summary>
    public Task<VoiceResponse> IncomingAsync(VoiceRequest call, CancellationToken ct) =>
        StepAsync(call, _ => new CallInput.Start(), ct, incoming: true);

    /// <summary>Gather's action (keys or speech) and the redirect after it (no input).</summary>
    public Task<VoiceResponse> GatherAsync(VoiceRequest call, CancellationToken ct) =>
        StepAsync(call, state =>
        {
            // An action URL of an earlier step (a repeated or late request) must not be applied to the current menu.
            if (call.QueryNumber("step") != state.Step)
                return new CallInput.Replay();
            if (call.Digits.Length > 0)
                return new CallInput.Keys(call.Digits);
            return call.SpeechResult.Length > 0 ? new CallInput.Speech(call.SpeechResult) : new CallInput.NoInput();
        }, ct);

    /// <summary>Goes on with the call on <paramref name="input"/> if the request's step is the call's current one, else replays.</summary>
    public Task<VoiceResponse> ContinueAsync(VoiceRequest call, CallInput input, CancellationToken ct) =>
        StepAsync(call, state => call.QueryNumber("step") == state.Step ? input : new CallInput.Replay(), ct);

    /// <summary>The number's status callback: the call ended. Its (empty) answer is kept with the end.</summary>
    public async Task<VoiceResponse> StatusAsync(VoiceRequest call, CancellationToken ct)
    {
        var answer = new VoiceResponse();
        if (call.CallSid.Length > 0 && call.CallStatus is "completed" or "busy" or "failed" or "no-answer" or "canceled")
        {
            var now = time.GetUtcNow();
            var delivery = call.Http.HttpContext.Features.Get<WebhookDelivery>();
            rates.Ended(await calls.RecordEndAsync(call.CallSid, call.CallStatus, call.CallDuration, now,
                TimeSpan.FromSeconds(queueOptions.Value.WrapUpSeconds), ct,
                alsoStore: (connection, transaction) => KeepAsync(delivery, connection, transaction, answer)), now);
            distributor.Wake();
        }
        return answer;
    }

    private async Task<VoiceResponse> StepAsync(VoiceRequest call, Func<CallState, CallInput> readInput, CancellationToken ct, bool incoming = false)
    {
        if (call.CallSid.Length == 0)
        {
            logger.LogWarning("A voice webhook without CallSid was refused politely");
            return apologies.For(null, null);
        }
        var parties = new CallParties(call.From, call.To);
        var shopContext = await ContextAsync(parties, incoming, ct);
        var now = time.GetUtcNow();
        MenuDefinition? definition = null;
        VoiceResponse? answer = null;
        var joined = false;
        var delivery = call.Http.HttpContext.Features.Get<WebhookDelivery>();
        // A new call's look-ups (a booking to ask about, a recent contact) run on SQLite in the step's transaction, on
        // the writer's statements: a new call is one trip to the database. On PostgreSQL they run before it, on a
        // connection of their own: inside the SERIALIZABLE transaction they kept it open longer, and conflicts with
        // other new calls became three times as frequent (docs/benchmarks.md).
        var bookingNumber = incoming ? returningCallers.BookingNumber(call) : null;
        var lookedUp = incoming && database.IsPostgres ? await LookUpBeforeStepAsync(call, bookingNumber, parties.Caller, now, ct) : null;
        // A call the service does not know starts in the menu live when this webhook arrived. A new call's first step
        // and its TwiML are made here, off the single writer, which stores them once it has found the call unknown,
        // with no booking to ask about and no matter to continue (on PostgreSQL, looked up already: not for a caller
        // who has either).
        var arrivedIn = menus.Current;
        var ahead = incoming && lookedUp is null or { Booking: null, Returning: null }
            ? FirstStepAhead(call, arrivedIn, shopContext, now)
            : null;
        await calls.StepAsync(call.CallSid, parties, now, async (previous, connection, transaction) =>
        {
            // On PostgreSQL a step may run again (a serialization conflict): nothing of an earlier run is kept.
            (answer, joined) = (null, false);
            // An unknown CallSid on an action URL (a lost or foreign call) starts at the beginning.
            definition = previous is null ? arrivedIn : await menus.ForVersionAsync(previous.MenuVersion, ct);
            PreviousContact? returning = null;
            if (previous is null && incoming)
            {
                var offers = lookedUp ?? await LookUpAsync(call, bookingNumber, definition, parties.Caller, connection, transaction, now);
                if (offers.Booking is { } booking)
                {
                    // The caller is asked about their booking before any step: the call is not stored until they answer.
                    answer = booking;
                    await KeepAsync(delivery, connection, transaction, booking);
                    return null;
                }
                returning = offers.Returning;
                if (returning is null && ahead is not null)
                    return ahead.Stepped;
            }
            else if (incoming || previous?.Menu == FlowEngine.ReturningMenu)
            {
                returning = await ReturningAsync(connection, transaction, call.CallSid, parties.Caller, definition, now);
            }
            var input = previous is null ? new CallInput.Start() : readInput(previous);
            return FlowEngine.Step(definition, previous ?? CallState.Begin(definition), input, now, shopContext with { Returning = returning });
        }, ct, alsoStore: async (connection, transaction, stepped) =>
        {
            if (ahead is not null && ReferenceEquals(stepped, ahead.Stepped))
            {
                answer = ahead.Response;
                await KeepAsync(delivery, connection, transaction, ahead.Answer);
                return;
            }
            // The forecast is made as the caller joins, before the distributor may hand them to an agent, and stored
            // with the step: a caller is never told a wait the service has no record of, nor left in line unannounced.
            WaitAnnouncement? announcement = null;
            var enqueue = stepped.Instructions.OfType<Instruction.Enqueue>().FirstOrDefault();
            joined = enqueue is not null;
            if (enqueue is not null)
                announcement = await announcer.AnnounceAsync(connection, transaction, call.CallSid,
                    definition!.Departments[enqueue.Department], definition.Hotline.TimeZone, now, ct);
            answer = StepTwiml.Render(call, stepped, definition!, announcement);
            await KeepAsync(delivery, connection, transaction, answer);
        });
        // An offer made before Twilio has the Enqueue would make it drop the answer (and the forecast).
        if (joined)
            distributor.WakeAfterAnswer(call.Http);
        return answer!;
    }

    // A new call whose menu greets by name (or takes the language from the shop) asks the shop who is calling, within
    // Shop:TimeoutMs; a shop that does not know or does not answer leaves the texts' fallbacks.
    private async Task<CallContext> ContextAsync(CallParties parties, bool incoming, CancellationToken ct)
    {
        if (!incoming || parties.Caller is not { Length: > 1 } caller || !caller.StartsWith('+')
            || !shop.IsAvailable || !menus.Current.UsesShopCustomer)
            return new CallContext(parties.Caller);
        var customer = await shop.CustomerAsync(caller, ct);
        return new CallContext(parties.Caller, customer.Value?.FirstName, customer.Value?.Language);
    }

    // Twilio's token is kept with the webhook's write and its answer: a repeat of this webhook changes nothing.
    private static Task KeepAsync(WebhookDelivery? delivery, DbConnection connection, DbTransaction transaction, VoiceResponse answer) =>
        delivery is null ? Task.CompletedTask : delivery.KeepAsync(connection, transaction, new TwimlResult(answer));

    private static Task KeepAsync(WebhookDelivery? delivery, DbConnection connection, DbTransaction transaction, TwimlResult answer) =>
        delivery is null ? Task.CompletedTask : delivery.KeepAsync(connection, transaction, answer);

    /// <summary>A new call's first step, made before its write, with its answer rendered.</summary>
    private sealed record StepAhead(StepResult Stepped, VoiceResponse Response, TwimlResult Answer);

    // The usual new call: the start menu, no booking, no matter to continue. A step that joins a line is made in the
    // write, where the wait it announces is read.
    private static StepAhead? FirstStepAhead(VoiceRequest call, MenuDefinition definition, CallContext context, DateTimeOffset now)
    {
        var stepped = FlowEngine.Step(definition, CallState.Begin(definition), new CallInput.Start(), now, context);
        if (stepped.Instructions.Any(instruction => instruction is Instruction.Enqueue))
            return null;
        var response = StepTwiml.Render(call, stepped, definition, announcement: null);
        return new StepAhead(stepped, response, new TwimlResult(response));
    }

    /// <summary>What a new call is offered before the start menu: its booking to ask about, or else the matter to continue.</summary>
    private sealed record NewCallOffers(VoiceResponse? Booking, PreviousContact? Returning);

    private async Task<NewCallOffers> LookUpAsync(VoiceRequest call, string? bookingNumber, MenuDefinition definition, string? caller,
        DbConnection connection, DbTransaction? transaction, DateTimeOffset now) =>
        bookingNumber is not null && await returningCallers.OfferAsync(call, bookingNumber, definition, connection, transaction) is { } booking
            ? new NewCallOffers(booking, null)
            : new NewCallOffers(null, await ReturningAsync(connection, transaction, call.CallSid, caller, definition, now));

    private async Task<NewCallOffers> LookUpBeforeStepAsync(VoiceRequest call, string? bookingNumber, string? caller, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await LookUpAsync(call, bookingNumber, menus.Current, caller, connection, null, now);
    }

    /// <summary>
    /// The matter a returning caller is offered to continue: looked up as the call starts, and again for their answer
    /// to the offer. Null when the menu file makes no such offer or the caller has no recent contact with a department.
    /// </summary>
    private async Task<PreviousContact?> ReturningAsync(DbConnection connection, DbTransaction? transaction, string callSid,
        string? caller, MenuDefinition definition, DateTimeOffset now)
    {
        if (caller is null || !ContactStore.IsE164(caller) || definition.Returning is not { } returning)
            return null;
        var since = now.AddDays(-returning.WithinDays);
        if (!await contacts.HasContactSinceAsync(connection, transaction, caller, callSid, since))
            return null;
        var history = await contacts.HistoryAsync(connection, transaction, caller, now);
        return ContactStore.LastWithDepartment(history, callSid, since, now);
    }
}

/// <summary>The call webhooks on the /voice group.</summary>
public static class CallWebhookRoutes
{
    public static RouteGroupBuilder MapCallWebhooks(this RouteGroupBuilder voice)
    {
        voice.MapWebhook<CallWebhooks>("/incoming", (calls, call, ct) => calls.IncomingAsync(call, ct)).KeepsItsAnswerInItsStep();
        voice.MapWebhook<CallWebhooks>("/gather", (calls, call, ct) => calls.GatherAsync(call, ct)).KeepsItsAnswerInItsStep();
        voice.MapWebhook<CallWebhooks>("/status", (calls, call, ct) => calls.StatusAsync(call, ct)).KeepsItsAnswerInItsStep();
        return voice;
    }
}
