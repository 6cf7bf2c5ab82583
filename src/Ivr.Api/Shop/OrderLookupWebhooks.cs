using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Shop;

/// <summary>
/// The <c>lookup: order</c> menu on the phone. The caller's open orders are fetched; with exactly one the caller is
/// not asked, otherwise they key in the number (ending with #) or say it. While the shop is asked the caller hears a
/// filler, then short pauses until the answer or Shop:TimeoutMs (webhooks never wait for the shop themselves). The
/// status is read in the shop's own words, then the call goes on to the menu the lookup names for the outcome.
/// Every answer is TwiML: anything that fails is the usual apology.
/// </summary>
public sealed class OrderLookupWebhooks(
    CallMenus callMenus,
    CallWebhooks calls,
    Apologies apologies,
    ShopClient shop,
    ShopLookups lookups,
    ShopLookupStore store,
    TimeProvider time,
    IOptions<ShopOptions> shopOptions)
{
    /// <summary>The longest order number taken: longer input is not an order number, whatever the shop says.</summary>
    public const int MaxNumberLength = 20;

    private const string Kind = "order";

    // For the nested Lookup, which cannot see the primary constructor's parameters.
    private TimeProvider Time => time;
    private ShopLookupStore Store => store;
    private CallWebhooks Calls => calls;

    // The first request: fetch the caller's orders while they hear the filler.
    public Task<VoiceResponse> BeginAsync(VoiceRequest call, CancellationToken ct) =>
        HandleAsync(call, ct, async lookup =>
        {
            // A withheld number cannot be matched to orders: the shop tells orders only to the number they belong to.
            if (lookup.Caller is null)
                return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, SystemMessages.LookupOrderNotFound, ct);
            // Back at the lookup in the same call ("check another order", "enter the number again"): the caller
            // means a number of their own, not the one open order read to them already.
            if (await store.HasLookupAsync(lookup.CallSid, ct))
                return AskForNumber(lookup, attempt: 1, reprompt: null);
            _ = lookups.GetOrStart(lookup.Key("orders"), () => shop.OrdersAsync(lookup.Caller!, CancellationToken.None));
            return lookup.Say(new VoiceResponse(), SystemMessages.LookupWait)
                .Redirect(lookup.Url("/voice/lookup/order/list", "poll=0"), HttpMethod.Post);
        });

    // The caller's orders: one open order is read at once; several or none, the caller is asked for the number.
    public Task<VoiceResponse> ListAsync(VoiceRequest call, int poll, CancellationToken ct) =>
        HandleAsync(call, ct, async lookup =>
        {
            if (lookup.Caller is null)
                return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, SystemMessages.LookupOrderNotFound, ct);
            var key = lookup.Key("orders");
            var task = lookups.GetOrStart(key, () => shop.OrdersAsync(lookup.Caller!, CancellationToken.None), out var started);
            await HoldOnAsync(task, ct);
            if (!task.IsCompleted && StillWaiting(started, poll))
                return Pause(lookup.Url("/voice/lookup/order/list", $"poll={poll + 1}"));
            lookups.Forget(key);
            var answer = task.IsCompleted ? await task : ShopAnswer<IReadOnlyList<ShopOrder>>.Unavailable(ShopFailure.Timeout);
            if (answer.Failure is { } failure)
                return await lookup.DoneAsync(LookupOutcome.Unavailable, null, failure, SystemMessages.LookupUnavailable, ct);
            var open = answer.Value?.Where(o => o.IsOpen).ToList() ?? [];
            if (open.Count == 1)
                return await lookup.DoneAsync(LookupOutcome.Found, open[0], null, null, ct);
            return AskForNumber(lookup, attempt: 1, reprompt: null);
        });

    // The number the caller keyed in or said (nothing: the Gather's redirect).
    public Task<VoiceResponse> NumberAsync(VoiceRequest call, int attempt, CancellationToken ct) =>
        HandleAsync(call, ct, async lookup =>
        {
            var given = call.Digits.Length > 0 ? call.Digits : call.SpeechResult;
            string? reprompt;
            if (given.Trim().Length == 0)
                reprompt = SystemMessages.NoInput;
            else if (lookup.Caller is not null && OrderNumber(given) is { } number)
            {
                _ = lookups.GetOrStart(lookup.Key("order:" + number), () => shop.OrderAsync(number, lookup.Caller!, CancellationToken.None));
                return lookup.Say(new VoiceResponse(), SystemMessages.LookupWait)
                    .Redirect(lookup.Url("/voice/lookup/order/result", $"order={number}&poll=0"), HttpMethod.Post);
            }
            else
                reprompt = SystemMessages.LookupOrderInvalid;

            if (attempt < lookup.Menu.Attempts)
                return AskForNumber(lookup, attempt + 1, reprompt);
            // Out of tries: the caller goes where the menu sends an order it cannot find.
            return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, reprompt, ct, given: Clip(given));
        });

    // The shop's answer about one order.
    public Task<VoiceResponse> ResultAsync(VoiceRequest call, string? order, int poll, CancellationToken ct) =>
        HandleAsync(call, ct, async lookup =>
        {
            if (lookup.Caller is null)
                return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, SystemMessages.LookupOrderNotFound, ct);
            if (OrderNumber(order ?? "") is not { } number)
                return AskForNumber(lookup, attempt: 1, reprompt: SystemMessages.LookupOrderInvalid);
            var key = lookup.Key("order:" + number);
            var task = lookups.GetOrStart(key, () => shop.OrderAsync(number, lookup.Caller!, CancellationToken.None), out var started);
            await HoldOnAsync(task, ct);
            if (!task.IsCompleted && StillWaiting(started, poll))
                return Pause(lookup.Url("/voice/lookup/order/result", $"order={number}&poll={poll + 1}"));
            lookups.Forget(key);
            var answer = task.IsCompleted ? await task : ShopAnswer<ShopOrder>.Unavailable(ShopFailure.Timeout);
            if (answer.Failure is { } failure)
                return await lookup.DoneAsync(LookupOutcome.Unavailable, null, failure, SystemMessages.LookupUnavailable, ct, given: number);
            if (answer.NotFound || answer.Value is null)
                return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, SystemMessages.LookupOrderNotFound, ct, given: number);
            return await lookup.DoneAsync(LookupOutcome.Found, answer.Value, null, null, ct, given: number);
        });

    // Polls come a second apart. The shop's own timeout (Shop:TimeoutMs) ends the lookup; this only guards against
    // one that never ends, by the clock or, should the clock stand still, by the number of polls.
    private bool StillWaiting(DateTimeOffset started, int poll) =>
        poll < 60 && time.GetUtcNow() - started < TimeSpan.FromMilliseconds(shopOptions.Value.TimeoutMs) + TimeSpan.FromSeconds(2);

    // An answer on its way is waited for up to half a second of real time before the caller is given a pause: a quick
    // shop is read at once, and a request still starting up is not overtaken by a clock that moves in jumps (tests).
    private static async Task HoldOnAsync(Task task, CancellationToken ct)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromMilliseconds(500), TimeProvider.System, ct);
        }
        catch (TimeoutException)
        {
        }
    }

    private static VoiceResponse Pause(Uri again) => new VoiceResponse().Pause(1).Redirect(again, HttpMethod.Post);

    private static VoiceResponse AskForNumber(Lookup lookup, int attempt, string? reprompt)
    {
        var action = lookup.Url("/voice/lookup/order/number", $"attempt={attempt}");
        var gather = Twiml.Gather(action, speech: true, timeout: lookup.Menu.TimeoutSeconds, finishOnKey: "#",
            language: lookup.Language, speechTimeout: "auto");
        if (reprompt is not null)
            lookup.Say(gather, reprompt);
        lookup.Say(gather, SystemMessages.LookupOrderNumber);
        // No input comes back as an empty answer.
        return new VoiceResponse().Append(gather).Redirect(action, HttpMethod.Post);
    }

    /// <summary>The order number in what the caller keyed or said ("100 234", "numer 100-234"): its digits, 3 to
    /// <see cref="MaxNumberLength"/> of them; otherwise null.</summary>
    public static string? OrderNumber(string given)
    {
        if (given.Length > 200)
            return null;
        var digits = new string(given.Where(char.IsAsciiDigit).ToArray());
        return digits.Length is >= 3 and <= MaxNumberLength ? digits : null;
    }

    private static string Clip(string text) => text.Length > 40 ? text[..40] : text;

    private async Task<VoiceResponse> HandleAsync(VoiceRequest call, CancellationToken ct, Func<Lookup, Task<VoiceResponse>> handle)
    {
        var (state, definition, _) = await callMenus.ForCallAsync(call.CallSid, ct);
        if (state is null)
            return apologies.For(null, null);
        // A request of an earlier step, or for a call no longer at a lookup, replays where the call is.
        if (call.QueryNumber("step") != state.Step || state.Phase != CallPhase.InMenu
            || !definition.Menus.TryGetValue(state.Menu, out var menu) || menu.Action is not MenuAction.Lookup)
            return await calls.ContinueAsync(call, new CallInput.Replay(), ct);
        return await handle(new Lookup(this, call, IsNumber(call.From) ? call.From : null, state, definition, menu));
    }

    private static bool IsNumber(string caller) =>
        caller.Length is >= 8 and <= 16 && caller[0] == '+' && caller[1..].All(char.IsAsciiDigit);

    /// <summary>One request of a lookup: the call, its menu, and how to speak and link within it.</summary>
    private sealed class Lookup(
        OrderLookupWebhooks owner, VoiceRequest call, string? caller, CallState state, MenuDefinition definition, Menu menu)
    {
        public string CallSid => call.CallSid;
        public string? Caller => caller;
        public Menu Menu => menu;
        public string Language => state.Language;

        public string Key(string what) => $"{call.CallSid}|{state.Step}|{what}";

        public Uri Url(string path, string query) => call.Url($"{path}?step={state.Step}&{query}");

        public T Say<T>(T twiml, string messageKey) where T : TwiML =>
            twiml.Speak(LocalizedText.Capitalize(definition.Messages.Get(messageKey, Language)), Language, definition.VoiceFor(Language));

        /// <summary>Records the lookup, then the engine says the answer and goes on to the lookup's menu for it.</summary>
        public async Task<VoiceResponse> DoneAsync(LookupOutcome outcome, ShopOrder? order, ShopFailure? failure, string? messageKey,
            CancellationToken ct, string? given = null)
        {
            var now = owner.Time.GetUtcNow();
            await owner.Store.RecordAsync(call.CallSid, caller, now, Kind, order?.Number ?? given, outcome, failure, ct);
            var said = order is not null ? Status(order, now) : messageKey is null ? null
                : LocalizedText.Capitalize(definition.Messages.Get(messageKey, Language));
            return await owner.Calls.ContinueAsync(call, new CallInput.LookupDone(outcome, said, order?.Number ?? given), ct);
        }

        // "Zamówienie numer 1 0 0 2 3 4: wysłane. Przewidywana dostawa w piątek, 5 grudnia. Przesyłkę dostarczy InPost."
        private string Status(ShopOrder order, DateTimeOffset now)
        {
            var messages = definition.Messages;
            var spokenNumber = string.Join(" ", order.Number.Where(char.IsLetterOrDigit));
            var sentences = new List<string>
            {
                messages.Get(SystemMessages.LookupOrderStatus, Language)
                    .Replace("{number}", spokenNumber).Replace("{status}", order.TextFor(Language) ?? order.Status),
            };
            if (order.IsOpen && order.ExpectedDelivery is { } delivery)
            {
                var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, definition.Hotline.TimeZone).DateTime);
                sentences.Add(messages.Get(SystemMessages.LookupOrderDelivery, Language)
                    .Replace("{date}", SpokenTime.SayDate(delivery, today, Language)));
            }
            if (order.IsOpen && order.Carrier is { } carrier)
                sentences.Add(messages.Get(SystemMessages.LookupOrderCarrier, Language).Replace("{carrier}", carrier));
            return string.Join(" ", sentences.Select(LocalizedText.Capitalize));
        }
    }
}
