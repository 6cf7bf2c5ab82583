using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Shop;

/// <summary>
/// The <c>lookup: order</c> menu on the phone. The caller's open orders are fetched; with exactly one the caller is
/// not asked, otherwise they key in the number (ending with #) or say it. While the shop is asked the caller hears a
/// filler, then short pauses until the answer or Shop:TimeoutMs (webhooks never wait for the shop themselves). The
/// status is read in the shop's own words, then the call goes on to the menu the lookup names for the outcome.
/// Every answer is TwiML: anything that fails is the usual apology.
/// </summary>
public sealed class OrderLookupCalls(
    MenuCatalog menus,
    CallStore calls,
    VoiceCalls voice,
    ShopClient shop,
    ShopLookups lookups,
    ShopLookupStore store,
    TimeProvider time,
    IOptions<IvrOptions> ivr,
    IOptions<ShopOptions> shopOptions,
    IOptions<TwilioOptions> twilioOptions,
    ILogger<OrderLookupCalls> logger)
{
    /// <summary>The longest order number taken: longer input is not an order number, whatever the shop says.</summary>
    public const int MaxNumberLength = 20;

    private const string Kind = "order";

    // For the nested Lookup, which cannot see the primary constructor's parameters.
    private string? PublicBaseUrl => ivr.Value.PublicBaseUrl;
    private string? ConnectionOverrides => twilioOptions.Value.ConnectionOverrides;
    private TimeProvider Time => time;
    private ShopLookupStore Store => store;
    private VoiceCalls Voice => voice;

    // The first request: fetch the caller's orders while they hear the filler.
    public Task<IResult> BeginAsync(HttpRequest request, CancellationToken ct) =>
        HandleAsync(request, ct, async lookup =>
        {
            // A withheld number cannot be matched to orders: the shop tells orders only to the number they belong to.
            if (lookup.Caller is null)
                return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, SystemMessages.LookupOrderNotFound, ct);
            // Back at the lookup in the same call ("check another order", "enter the number again"): the caller
            // means a number of their own, not the one open order read to them already.
            if (await store.HasLookupAsync(lookup.CallSid, ct))
                return AskForNumber(lookup, attempt: 1, reprompt: null);
            _ = lookups.GetOrStart(lookup.Key("orders"), () => shop.OrdersAsync(lookup.Caller!, CancellationToken.None));
            var twiml = new TwimlWriter();
            lookup.Say(twiml, SystemMessages.LookupWait);
            twiml.Redirect(lookup.Url("/voice/lookup/order/list", "poll=0"));
            return twiml.ToResult();
        });

    // The caller's orders: one open order is read at once; several or none, the caller is asked for the number.
    public Task<IResult> ListAsync(HttpRequest request, int poll, CancellationToken ct) =>
        HandleAsync(request, ct, async lookup =>
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
    public Task<IResult> NumberAsync(HttpRequest request, int attempt, CancellationToken ct) =>
        HandleAsync(request, ct, async lookup =>
        {
            var digits = lookup.Form["Digits"].ToString();
            var speech = lookup.Form["SpeechResult"].ToString();
            var given = digits.Length > 0 ? digits : speech;
            string? reprompt;
            if (given.Trim().Length == 0)
                reprompt = SystemMessages.NoInput;
            else if (lookup.Caller is not null && OrderNumber(given) is { } number)
            {
                _ = lookups.GetOrStart(lookup.Key("order:" + number), () => shop.OrderAsync(number, lookup.Caller!, CancellationToken.None));
                var twiml = new TwimlWriter();
                lookup.Say(twiml, SystemMessages.LookupWait);
                twiml.Redirect(lookup.Url("/voice/lookup/order/result", $"order={number}&poll=0"));
                return twiml.ToResult();
            }
            else
                reprompt = SystemMessages.LookupOrderInvalid;

            if (attempt < lookup.Menu.Attempts)
                return AskForNumber(lookup, attempt + 1, reprompt);
            // Out of tries: the caller goes where the menu sends an order it cannot find.
            return await lookup.DoneAsync(LookupOutcome.NotFound, null, null, reprompt, ct, given: Clip(given));
        });

    // The shop's answer about one order.
    public Task<IResult> ResultAsync(HttpRequest request, string? order, int poll, CancellationToken ct) =>
        HandleAsync(request, ct, async lookup =>
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

    private static TwimlResult Pause(string again)
    {
        var twiml = new TwimlWriter();
        twiml.Pause(1);
        twiml.Redirect(again);
        return twiml.ToResult();
    }

    private static IResult AskForNumber(Lookup lookup, int attempt, string? reprompt)
    {
        var twiml = new TwimlWriter();
        var action = lookup.Url("/voice/lookup/order/number", $"attempt={attempt}");
        twiml.Gather(new GatherOptions
            {
                Action = action,
                Input = "dtmf speech",
                FinishOnKey = "#",
                TimeoutSeconds = lookup.Menu.TimeoutSeconds,
                Language = lookup.Language,
                SpeechTimeout = "auto",
            },
            nested =>
            {
                if (reprompt is not null)
                    lookup.Say(nested, reprompt);
                lookup.Say(nested, SystemMessages.LookupOrderNumber);
            });
        // No input comes back as an empty answer.
        twiml.Redirect(action);
        return twiml.ToResult();
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

    private async Task<IResult> HandleAsync(HttpRequest request, CancellationToken ct, Func<Lookup, Task<IResult>> handle)
    {
        MenuDefinition? definition = null;
        string? language = null;
        var callSid = "";
        try
        {
            var form = await request.ReadFormAsync(ct);
            callSid = form["CallSid"].ToString();
            var state = callSid.Length > 0 ? await calls.FindAsync(callSid, ct) : null;
            if (state is null)
                return voice.Apology();
            definition = await menus.ForVersionAsync(state.MenuVersion, ct);
            language = state.Language;
            // A request of an earlier step, or for a call no longer at a lookup, replays where the call is.
            if (!int.TryParse(request.Query["step"], out var step) || step != state.Step || state.Phase != CallPhase.InMenu
                || !definition.Menus.TryGetValue(state.Menu, out var menu) || menu.Action is not MenuAction.Lookup)
                return await voice.ContinueAsync(request, new CallInput.Replay(), ct);
            var caller = form["From"].ToString();
            var lookup = new Lookup(this, request, form, callSid, IsNumber(caller) ? caller : null, state, definition, menu);
            return await handle(lookup);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(exception, "Order lookup {Path} for call {CallSid} failed; the caller hears an apology", request.Path, callSid);
            return voice.Apology(definition, language);
        }
    }

    private static bool IsNumber(string caller) =>
        caller.Length is >= 8 and <= 16 && caller[0] == '+' && caller[1..].All(char.IsAsciiDigit);

    /// <summary>One request of a lookup: the call, its menu, and how to speak and link within it.</summary>
    private sealed class Lookup(
        OrderLookupCalls owner, HttpRequest request, IFormCollection form, string callSid, string? caller,
        CallState state, MenuDefinition definition, Menu menu)
    {
        public IFormCollection Form => form;
        public string CallSid => callSid;
        public string? Caller => caller;
        public Menu Menu => menu;
        public string Language => state.Language;

        public string Key(string what) => $"{callSid}|{state.Step}|{what}";

        // With the connection overrides, as every URL given to Twilio: a retry reaches another instance.
        public string Url(string path, string query) => Twilio.ConnectionOverrides.Apply(
            PublicUrl.Action(owner.PublicBaseUrl, request, $"{path}?step={state.Step}&{query}"), owner.ConnectionOverrides);

        public void Say(TwimlWriter twiml, string messageKey) =>
            twiml.Say(LocalizedText.Capitalize(definition.Messages.Get(messageKey, Language)), Language, definition.VoiceFor(Language));

        /// <summary>Records the lookup, then the engine says the answer and goes on to the lookup's menu for it.</summary>
        public async Task<IResult> DoneAsync(LookupOutcome outcome, ShopOrder? order, ShopFailure? failure, string? messageKey,
            CancellationToken ct, string? given = null)
        {
            var now = owner.Time.GetUtcNow();
            await owner.Store.RecordAsync(callSid, caller, now, Kind, order?.Number ?? given, outcome, failure, ct);
            var said = order is not null ? Status(order, now) : messageKey is null ? null
                : LocalizedText.Capitalize(definition.Messages.Get(messageKey, Language));
            return await owner.Voice.ContinueAsync(request, new CallInput.LookupDone(outcome, said, order?.Number ?? given), ct);
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
