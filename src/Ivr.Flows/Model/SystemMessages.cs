using System.Collections.Frozen;

namespace Ivr.Flows.Model;

/// <summary>
/// The hotline's own phrases (apologies, goodbye, queue and closed announcements). Built-in Polish and English
/// defaults; the file's top-level <c>messages:</c> section overrides any of them per language. Placeholders in
/// braces (<c>{department}</c>, <c>{when}</c>) are filled in by the engine.
/// </summary>
public sealed class SystemMessages
{
    /// <summary>Spoken before a menu is replayed after an unknown key or unrecognised speech.</summary>
    public const string InvalidInput = "invalid_input";
    /// <summary>Spoken before a menu is replayed after no input.</summary>
    public const string NoInput = "no_input";
    /// <summary>Spoken before the call ends.</summary>
    public const string Goodbye = "goodbye";
    /// <summary>Spoken when the caller joins a department's queue. Placeholder: {department}.</summary>
    public const string QueueJoined = "queue_joined";
    /// <summary>Repeated while the caller waits in a queue. Placeholder: {department}.</summary>
    public const string QueueHold = "queue_hold";
    /// <summary>Spoken when a department is closed. Placeholders: {department}, {when}.</summary>
    public const string Closed = "closed";
    /// <summary>Spoken when a department is closed with no opening ahead. Placeholder: {department}.</summary>
    public const string ClosedIndefinitely = "closed_indefinitely";
    /// <summary>Spoken when a callback is booked. Placeholders: {department}, {reference} (digit by digit), {when}.</summary>
    public const string CallbackBooked = "callback_booked";
    /// <summary>Added to wait announcements when the wait is long. No placeholder.</summary>
    public const string CallbackOffer = "callback_offer";
    /// <summary>Offered after the closed message. Placeholders: {department}, {when} (the next opening).</summary>
    public const string CallbackOfferClosed = "callback_offer_closed";
    /// <summary>Asks to confirm the number to call. Placeholder: {number} (digit by digit).</summary>
    public const string CallbackConfirmNumber = "callback_confirm_number";
    /// <summary>Asks for the number to call, keyed in.</summary>
    public const string CallbackEnterNumber = "callback_enter_number";
    /// <summary>Spoken when no number could be taken and the caller goes back. No placeholder.</summary>
    public const string CallbackNotBooked = "callback_not_booked";
    /// <summary>To a caller with a callback booked. Placeholders: {department}, {reference}, {when}.</summary>
    public const string CallbackPending = "callback_pending";
    /// <summary>The caller keeps the booked callback. No placeholder.</summary>
    public const string CallbackKept = "callback_kept";
    /// <summary>The caller cancelled the booked callback. No placeholder.</summary>
    public const string CallbackCanceled = "callback_canceled";
    /// <summary>What the customer hears on answering a callback. Placeholders: {shop}, {department}, {reference}.</summary>
    public const string CallbackIntro = "callback_intro";
    /// <summary>Whispered to the agent before a callback is put through. Placeholders: {department}, {waited}, {caller}.</summary>
    public const string CallbackWhisper = "callback_whisper";
    /// <summary>Spoken on joining a queue when an agent is free.</summary>
    public const string WaitImmediate = "wait_immediate";
    /// <summary>Spoken on joining a queue when the promise is under a minute.</summary>
    public const string WaitUnderMinute = "wait_under_minute";
    /// <summary>The promised wait. Placeholder: {minutes} ("3 minuty", "3 minutes").</summary>
    public const string WaitMinutes = "wait_minutes";
    /// <summary>How many callers are ahead. Placeholder: {ahead}.</summary>
    public const string QueuePosition = "queue_position";
    /// <summary>Spoken to the caller just before the agent's phone rings.</summary>
    public const string AgentConnecting = "agent_connecting";
    /// <summary>Spoken when the offered agent did not answer and the caller goes back to their place.</summary>
    public const string AgentUnavailable = "agent_unavailable";
    /// <summary>Whispered to the agent before the caller is connected. Placeholders: {department}, {waited}, {caller}.</summary>
    public const string AgentWhisper = "agent_whisper";
    /// <summary>Offered right after the greeting to a returning caller. Placeholders: {when} ("z poniedziałku", "from Monday"), {department}.</summary>
    public const string ReturningOffer = "returning_offer";
    /// <summary>Spoken once before the post-call survey's first question. No placeholder.</summary>
    public const string SurveyIntro = "survey_intro";
    /// <summary>The survey's satisfaction question, 1 to 5.</summary>
    public const string SurveyCsat = "survey_csat";
    /// <summary>The survey's recommendation question, 0 to 10.</summary>
    public const string SurveyNps = "survey_nps";
    /// <summary>The survey's yes/no question: was the matter resolved.</summary>
    public const string SurveyResolved = "survey_resolved";
    /// <summary>Spoken before a survey question is asked again after an answer that does not fit (or none).</summary>
    public const string SurveyNotUnderstood = "survey_not_understood";
    /// <summary>Spoken when a question gets no fitting answer the second time too, before the next one.</summary>
    public const string SurveySkipQuestion = "survey_skip_question";
    /// <summary>Spoken after the survey, before the call ends.</summary>
    public const string SurveyThanks = "survey_thanks";
    /// <summary>Spoken when something failed and the caller is transferred to the fallback number.</summary>
    public const string ErrorTransfer = "error_transfer";
    /// <summary>Spoken when something failed and there is nobody to transfer to.</summary>
    public const string ErrorCallAgain = "error_call_again";

    /// <summary>Said while the shop is asked (a lookup), so the caller never hears silence.</summary>
    public const string LookupWait = "lookup_wait";
    /// <summary>Asks for the order number, keyed in and ended with # or said.</summary>
    public const string LookupOrderNumber = "lookup_order_number";
    /// <summary>Said when what the caller gave is not an order number, before asking again.</summary>
    public const string LookupOrderInvalid = "lookup_order_invalid";
    /// <summary>An order's status. Placeholders: {number} (digit by digit), {status} (the shop's own words).</summary>
    public const string LookupOrderStatus = "lookup_order_status";
    /// <summary>An order's expected delivery. Placeholder: {date} ("w piątek, 5 grudnia").</summary>
    public const string LookupOrderDelivery = "lookup_order_delivery";
    /// <summary>Who delivers the order. Placeholder: {carrier}.</summary>
    public const string LookupOrderCarrier = "lookup_order_carrier";
    /// <summary>Said when the shop has no such order for the caller.</summary>
    public const string LookupOrderNotFound = "lookup_order_not_found";
    /// <summary>Said when the shop did not answer in time or answered something unusable.</summary>
    public const string LookupUnavailable = "lookup_unavailable";

    /// <summary>Built-in texts for Polish and English.</summary>
    public static readonly FrozenDictionary<string, FrozenDictionary<string, string>> Defaults =
        new Dictionary<string, FrozenDictionary<string, string>>
        {
            [InvalidInput] = Texts(
                "Przepraszamy, nie rozpoznaliśmy wyboru.",
                "Sorry, that is not one of the options."),
            [NoInput] = Texts(
                "Przepraszamy, nic nie usłyszeliśmy.",
                "Sorry, we did not hear anything."),
            [Goodbye] = Texts(
                "Dziękujemy za telefon. Do widzenia.",
                "Thank you for calling. Goodbye."),
            [QueueJoined] = Texts(
                "Łączymy z: {department}. Prosimy pozostać na linii.",
                "Connecting you to {department}. Please stay on the line."),
            [QueueHold] = Texts(
                "Dziękujemy za cierpliwość. Konsultant odbierze najszybciej, jak to możliwe.",
                "Thank you for waiting. An agent will answer as soon as possible."),
            [Closed] = Texts(
                "{department}: teraz nieczynne. Zapraszamy {when}.",
                "{department} is closed now. We are open again {when}."),
            [ClosedIndefinitely] = Texts(
                "{department}: teraz nieczynne.",
                "{department} is closed now."),
            [CallbackBooked] = Texts(
                "Dziękujemy, oddzwonimy. Numer zgłoszenia: {reference}. Przewidywany czas telefonu: {when}. Do widzenia.",
                "Thank you, we will call you back. Your reference is {reference}. We expect to call you {when}. Goodbye."),
            [CallbackOffer] = Texts(
                "Jeśli wolisz, żebyśmy oddzwonili, naciśnij 1. Zachowasz swoje miejsce w kolejce.",
                "If you would rather we called you back, press 1. You keep your place in the queue."),
            [CallbackOfferClosed] = Texts(
                "Jeśli chcesz, żebyśmy oddzwonili {when}, naciśnij 1.",
                "Press 1 and we will call you back {when}."),
            [CallbackConfirmNumber] = Texts(
                "Oddzwonimy na numer {number}. Naciśnij 1, aby potwierdzić, lub 2, aby podać inny numer.",
                "We will call you back on {number}. Press 1 to confirm, or 2 to enter another number."),
            [CallbackEnterNumber] = Texts(
                "Wpisz numer telefonu, pod który mamy oddzwonić, i zakończ krzyżykiem.",
                "Enter the phone number we should call, followed by the hash key."),
            [CallbackNotBooked] = Texts(
                "Nie udało się zapisać numeru.",
                "We could not take a number."),
            [CallbackPending] = Texts(
                "Masz zamówione oddzwonienie: {department}, numer zgłoszenia {reference}. Przewidywany czas telefonu: {when}. Naciśnij 1, aby je zachować, 2, aby je anulować, lub 3, aby zamiast tego poczekać na linii.",
                "You have a callback booked with {department}, reference {reference}. We expect to call you {when}. Press 1 to keep it, 2 to cancel it, or 3 to wait on the line instead."),
            [CallbackKept] = Texts(
                "Dobrze, oddzwonimy. Do widzenia.",
                "We will call you back. Goodbye."),
            [CallbackCanceled] = Texts(
                "Oddzwonienie zostało anulowane.",
                "Your callback is cancelled."),
            [CallbackIntro] = Texts(
                "Dzień dobry, tu {shop}. Oddzwaniamy w sprawie zgłoszenia numer {reference}: {department}.",
                "Hello, this is {shop}, calling you back about request {reference} for {department}."),
            [CallbackWhisper] = Texts(
                "Oddzwonienie: {department}. Klient czekał {waited}. Numer {caller}.",
                "Callback for {department}. The customer waited {waited}. Number {caller}."),
            [WaitImmediate] = Texts(
                "Konsultant odbierze za chwilę.",
                "An agent will be with you right away."),
            [WaitUnderMinute] = Texts(
                "Przewidywany czas oczekiwania: mniej niż minuta.",
                "Your expected wait is less than a minute."),
            [WaitMinutes] = Texts(
                "Przewidywany czas oczekiwania: mniej niż {minutes}.",
                "Your expected wait is less than {minutes}."),
            [QueuePosition] = Texts(
                "Liczba osób przed Tobą w kolejce: {ahead}.",
                "Callers ahead of you: {ahead}."),
            [AgentConnecting] = Texts(
                "Łączymy z konsultantem.",
                "Connecting you to an agent."),
            [AgentUnavailable] = Texts(
                "Przepraszamy, konsultant nie może teraz odebrać. Wracasz na swoje miejsce w kolejce.",
                "Sorry, the agent cannot answer right now. You are back in your place in the queue."),
            [AgentWhisper] = Texts(
                "{department}. Klient czekał {waited}. Numer {caller}.",
                "{department}. The caller waited {waited}. Number {caller}."),
            [ReturningOffer] = Texts(
                "Dzwonisz w sprawie {when}, {department}? Wciśnij 1.",
                "Calling about your matter {when} with {department}? Press 1."),
            [SurveyIntro] = Texts(
                "Dziękujemy za rozmowę. Mamy jeszcze krótkie pytania; aby je pominąć, wystarczy się rozłączyć.",
                "Thank you for the call. We have a few short questions; to skip them, just hang up."),
            [SurveyCsat] = Texts(
                "Jak oceniasz rozmowę w skali od 1 do 5, gdzie 5 to bardzo dobrze? Wciśnij cyfrę lub powiedz ocenę.",
                "How would you rate the call from 1 to 5, where 5 is very good? Press or say a number."),
            [SurveyNps] = Texts(
                "Jak bardzo prawdopodobne jest, że polecisz nas znajomym? Podaj liczbę od 0 do 10.",
                "How likely are you to recommend us to a friend? Give a number from 0 to 10."),
            [SurveyResolved] = Texts(
                "Czy sprawa została załatwiona? Tak: wciśnij 1. Nie: wciśnij 2.",
                "Was your matter resolved? For yes, press 1. For no, press 2."),
            [SurveyNotUnderstood] = Texts(
                "Przepraszamy, nie zrozumieliśmy odpowiedzi.",
                "Sorry, we did not catch that answer."),
            [SurveySkipQuestion] = Texts(
                "Pomijamy to pytanie.",
                "Let us skip that question."),
            [SurveyThanks] = Texts(
                "Dziękujemy za odpowiedzi. Do widzenia.",
                "Thank you for your answers. Goodbye."),
            [ErrorTransfer] = Texts(
                "Przepraszamy, wystąpił problem techniczny. Łączymy z konsultantem.",
                "We are sorry, something went wrong. Connecting you to an agent."),
            [ErrorCallAgain] = Texts(
                "Przepraszamy, wystąpił problem techniczny. Prosimy zadzwonić ponownie za kilka minut.",
                "We are sorry, something went wrong. Please call again in a few minutes."),
            [LookupWait] = Texts(
                "Chwileczkę, sprawdzam.",
                "One moment, let me check."),
            [LookupOrderNumber] = Texts(
                "Podaj numer zamówienia: wpisz go na klawiaturze i zakończ krzyżykiem albo powiedz go.",
                "Please enter your order number followed by the hash key, or say it."),
            [LookupOrderInvalid] = Texts(
                "To nie wygląda na numer zamówienia.",
                "That does not look like an order number."),
            [LookupOrderStatus] = Texts(
                "Zamówienie numer {number}: {status}.",
                "Order number {number}: {status}."),
            [LookupOrderDelivery] = Texts(
                "Przewidywana dostawa {date}.",
                "Expected delivery {date}."),
            [LookupOrderCarrier] = Texts(
                "Przesyłkę dostarczy {carrier}.",
                "It is delivered by {carrier}."),
            [LookupOrderNotFound] = Texts(
                "Nie znaleźliśmy takiego zamówienia dla numeru, z którego dzwonisz.",
                "We could not find that order for the number you are calling from."),
            [LookupUnavailable] = Texts(
                "Przepraszamy, nie możemy teraz sprawdzić zamówienia.",
                "We are sorry, we cannot check your order right now."),
        }.ToFrozenDictionary();

    private readonly IReadOnlyDictionary<string, LocalizedText> _texts;

    /// <summary>Creates the messages from complete texts, one per key in <see cref="Defaults"/>.</summary>
    public SystemMessages(IReadOnlyDictionary<string, LocalizedText> texts)
    {
        var missing = Defaults.Keys.Where(key => !texts.ContainsKey(key)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"System messages miss: {string.Join(", ", missing)}.", nameof(texts));
        _texts = texts;
    }

    /// <summary>The built-in texts for the given languages, with <paramref name="overrides"/> applied.</summary>
    public static SystemMessages Build(
        IReadOnlyList<string> languages,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> overrides)
    {
        var texts = new Dictionary<string, LocalizedText>();
        foreach (var (key, builtIn) in Defaults)
        {
            var byLanguage = new Dictionary<string, string>();
            foreach (var language in languages)
            {
                if (overrides.TryGetValue(key, out var own) && own.TryGetValue(language, out var text))
                    byLanguage[language] = text;
                else if (builtIn.TryGetValue(language, out var defaultText))
                    byLanguage[language] = defaultText;
                else if (builtIn.TryGetValue(BaseLanguage(language), out var sameLanguage))
                    byLanguage[language] = sameLanguage;
            }
            texts[key] = new LocalizedText(byLanguage.Count > 0 ? byLanguage : builtIn);
        }
        return new SystemMessages(texts);
    }

    /// <summary>True when a built-in text exists for <paramref name="language"/> (pl-PL, en-US, en-GB...).</summary>
    public static bool HasBuiltIn(string key, string language) =>
        Defaults.TryGetValue(key, out var builtIn)
        && (builtIn.ContainsKey(language) || builtIn.ContainsKey(BaseLanguage(language)));

    /// <summary>The text for <paramref name="key"/> in <paramref name="language"/>.</summary>
    public string Get(string key, string language) => _texts[key].For(language);

    private static string BaseLanguage(string language) =>
        language.StartsWith("pl", StringComparison.OrdinalIgnoreCase) ? "pl-PL"
        : language.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en-US"
        : language;

    private static FrozenDictionary<string, string> Texts(string polish, string english) =>
        new Dictionary<string, string> { ["pl-PL"] = polish, ["en-US"] = english }.ToFrozenDictionary();
}
