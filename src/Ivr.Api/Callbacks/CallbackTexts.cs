using Ivr.Flows.Engine;

namespace Ivr.Api.Callbacks;

/// <summary>
/// What the callback pages and API say to customers, in Polish and in English. Customers read these, so they say
/// what to do next rather than what went wrong inside.
/// </summary>
public sealed record CallbackTexts
{
    public required string FormTitle { get; init; }
    public required string Intro { get; init; }
    public required string PhoneLabel { get; init; }
    public required string PhoneHint { get; init; }
    public required string DepartmentLabel { get; init; }
    public required string AnyDepartment { get; init; }
    public required string ConsentLabel { get; init; }
    public required string Submit { get; init; }
    public required string ErrorPrefix { get; init; }
    public required string ErrorSummaryTitle { get; init; }
    public required string ConsentMissing { get; init; }
    public required Func<string, string> DepartmentUnknown { get; init; }
    public required Func<string, string> LanguageUnknown { get; init; }
    public required string FormExpired { get; init; }
    public required Func<TimeSpan, string> TooMany { get; init; }
    public required string StatusTitle { get; init; }
    public required string ReferenceLabel { get; init; }
    public required string NumberLabel { get; init; }
    public required Func<string, string> NumberEnding { get; init; }
    public required string DepartmentTitle { get; init; }
    public required string StatusLabel { get; init; }
    public required Func<string, string> Pending { get; init; }
    public required Func<string, string> Retrying { get; init; }
    public required string NumberCalled { get; init; }
    public required string KeepReference { get; init; }
    public required string Calling { get; init; }
    public required string Connected { get; init; }
    public required string Failed { get; init; }
    public required string Canceled { get; init; }
    public required string Cancel { get; init; }
    public required string CannotCancel { get; init; }
    public required string TooLateToCancel { get; init; }
    public required string JustDoNotAnswer { get; init; }
    public required string Refresh { get; init; }
    public required string BookAgain { get; init; }
    public required string NotFoundTitle { get; init; }
    public required string NotFound { get; init; }
    public required string AlreadyBookedTitle { get; init; }
    public required string AlreadyBooked { get; init; }
    public required string CannotBookNow { get; init; }
    public required string RequestProblemTitle { get; init; }
    public required string CheckRequestTitle { get; init; }
    public required string NotJson { get; init; }
    public required string NotAnObject { get; init; }
    public required Func<string, string> Duplicate { get; init; }
    public required string PhoneNotText { get; init; }
    public required string UseJson { get; init; }
    public required string UseForm { get; init; }
    public required Func<int, string> TooLarge { get; init; }

    public static readonly CallbackTexts Polish = new()
    {
        FormTitle = "Oddzwonimy do Ciebie",
        Intro = "Zostaw numer telefonu, a oddzwonimy, gdy przyjdzie Twoja kolej. Nie musisz czekać na linii.",
        PhoneLabel = "Numer telefonu",
        PhoneHint = "Np. 500 100 200 albo +48 500 100 200.",
        DepartmentLabel = "W jakiej sprawie? (opcjonalnie)",
        AnyDepartment = "Dowolny dział",
        ConsentLabel = "Zgadzam się na oddzwonienie na ten numer w sprawie mojego zgłoszenia.",
        Submit = "Zamów oddzwonienie",
        ErrorPrefix = "Błąd:",
        ErrorSummaryTitle = "Popraw zaznaczone pola",
        ConsentMissing = "Zaznacz zgodę na oddzwonienie, abyśmy mogli do Ciebie zadzwonić.",
        DepartmentUnknown = known => $"Nie ma takiego działu. Wybierz jeden z listy: {known}.",
        LanguageUnknown = known => $"Nie obsługujemy tego języka. Dostępne: {known}.",
        FormExpired = "Formularz wygasł albo przeglądarka blokuje ciasteczka tej strony. Wyślij go jeszcze raz.",
        TooMany = wait => $"Zbyt wiele prób w krótkim czasie. Spróbuj ponownie za {PolishMinutes(wait)}.",
        StatusTitle = "Twoje oddzwonienie",
        ReferenceLabel = "Numer zgłoszenia",
        NumberLabel = "Zadzwonimy na numer",
        NumberEnding = last => $"kończący się cyframi {last}",
        DepartmentTitle = "Dział",
        StatusLabel = "Stan",
        Pending = when => $"Zadzwonimy {when}.",
        Retrying = when => $"Próbowaliśmy się do Ciebie dodzwonić, bez skutku. Zadzwonimy znowu {when}.",
        NumberCalled = "Numer",
        KeepReference = "Zachowaj adres tej strony: pod nim sprawdzisz stan albo anulujesz oddzwonienie. Dzwoniąc, podamy numer zgłoszenia.",
        Calling = "Dzwonimy do Ciebie teraz.",
        Connected = "Połączyliśmy Cię z konsultantem. Dziękujemy!",
        Failed = "Nie udało nam się do Ciebie dodzwonić. Możesz zamówić oddzwonienie jeszcze raz.",
        Canceled = "Oddzwonienie zostało anulowane.",
        Cancel = "Anuluj oddzwonienie",
        CannotCancel = "Nie można anulować",
        TooLateToCancel = "Tego oddzwonienia nie można już anulować: właśnie do Ciebie dzwonimy albo rozmowa już się odbyła.",
        JustDoNotAnswer = "Jeśli nie chcesz już rozmawiać, po prostu nie odbieraj.",
        Refresh = "Odśwież stan",
        BookAgain = "Zamów oddzwonienie",
        NotFoundTitle = "Nie znaleźliśmy tego zgłoszenia",
        NotFound = "Sprawdź adres strony: otwórz link, który dostałeś przy zgłoszeniu.",
        AlreadyBookedTitle = "Już oddzwonimy na ten numer",
        AlreadyBooked = "Mamy już zgłoszenie oddzwonienia na ten numer w tej sprawie i zadzwonimy, nie trzeba zgłaszać się ponownie. Numer zgłoszenia i link do jego strony podaliśmy przy pierwszym zgłoszeniu.",
        CannotBookNow = "Nie możemy teraz przyjąć zgłoszenia; spróbuj ponownie za kilka minut albo zadzwoń do nas.",
        RequestProblemTitle = "Nie możemy przyjąć tego żądania",
        CheckRequestTitle = "Sprawdź dane zgłoszenia.",
        NotJson = "Treść żądania nie jest poprawnym JSON-em.",
        NotAnObject = "Treść żądania musi być obiektem JSON, np. {\"phone\": \"500 100 200\", \"consent\": true}.",
        Duplicate = field => $"Pole \"{field}\" podano więcej niż raz.",
        PhoneNotText = "Podaj numer telefonu jako tekst, np. \"500 100 200\".",
        UseJson = "Wyślij zgłoszenie jako JSON (Content-Type: application/json).",
        UseForm = "Wyślij formularz ze strony zamawiania oddzwonienia.",
        TooLarge = bytes => $"Treść żądania jest za duża (najwyżej {bytes} bajtów).",
    };

    public static readonly CallbackTexts English = new()
    {
        FormTitle = "We'll call you back",
        Intro = "Leave your phone number and we will call you back when it is your turn. No need to hold on the line.",
        PhoneLabel = "Phone number",
        PhoneHint = "For example 500 100 200 or +48 500 100 200.",
        DepartmentLabel = "What is it about? (optional)",
        AnyDepartment = "Any team",
        ConsentLabel = "I agree to be called back at this number about my request.",
        Submit = "Call me back",
        ErrorPrefix = "Error:",
        ErrorSummaryTitle = "Please correct the following",
        ConsentMissing = "Tick the box to agree to a callback, so that we may call you.",
        DepartmentUnknown = known => $"There is no such team. Choose one of: {known}.",
        LanguageUnknown = known => $"We do not support that language. Available: {known}.",
        FormExpired = "The form expired or your browser blocks this site's cookies. Please send it again.",
        TooMany = wait => $"Too many attempts in a short time. Please try again in {EnglishMinutes(wait)}.",
        StatusTitle = "Your callback",
        ReferenceLabel = "Reference",
        NumberLabel = "We will call",
        NumberEnding = last => $"the number ending in {last}",
        DepartmentTitle = "Team",
        StatusLabel = "Status",
        Pending = when => $"We will call you {when}.",
        Retrying = when => $"We tried to call you but could not reach you. We will call again {when}.",
        NumberCalled = "Number",
        KeepReference = "Keep the address of this page: with it you can check the status or cancel the callback. When we call, we will say the reference.",
        Calling = "We are calling you now.",
        Connected = "You were put through to us. Thank you!",
        Failed = "We could not reach you. You can book another callback.",
        Canceled = "This callback was canceled.",
        Cancel = "Cancel the callback",
        CannotCancel = "Too late to cancel",
        TooLateToCancel = "This callback can no longer be canceled: we are calling you now, or the call has taken place.",
        JustDoNotAnswer = "If you no longer want to talk, just do not answer.",
        Refresh = "Refresh the status",
        BookAgain = "Book a callback",
        NotFoundTitle = "We could not find this callback",
        NotFound = "Check the address: open the link you were given when you booked.",
        AlreadyBookedTitle = "We will call this number already",
        AlreadyBooked = "We already have a callback request for this number about this, and we will call; there is no need to book again. The reference and the link to its page were given when it was booked.",
        CannotBookNow = "We cannot take a callback request right now; please try again in a few minutes, or call us.",
        RequestProblemTitle = "We cannot accept this request",
        CheckRequestTitle = "Please check the request.",
        NotJson = "The request body is not valid JSON.",
        NotAnObject = "The request body must be a JSON object, e.g. {\"phone\": \"500 100 200\", \"consent\": true}.",
        Duplicate = field => $"The field \"{field}\" was given more than once.",
        PhoneNotText = "Give the phone number as text, e.g. \"500 100 200\".",
        UseJson = "Send the request as JSON (Content-Type: application/json).",
        UseForm = "Send the form from the callback page.",
        TooLarge = bytes => $"The request body is too large (at most {bytes} bytes).",
    };

    public static CallbackTexts For(string language) => WebLanguage.IsPolish(language) ? Polish : English;

    /// <summary>
    /// When the call is expected, as a person would say it in the hotline's time zone: "dziś ok. 14:35",
    /// "tomorrow at about 08:05", "w piątek ok. 08:05", "on 3 December at about 09:10". Rounded up to five minutes,
    /// since the time is an estimate; a time already past is "shortly".
    /// </summary>
    public static string When(DateTimeOffset expected, DateTimeOffset now, TimeZoneInfo zone, string language)
    {
        if (expected <= now)
            return WebLanguage.IsPolish(language) ? "za chwilę" : "shortly";

        var local = TimeZoneInfo.ConvertTime(SpokenTime.RoundUpToFiveMinutes(expected), zone).DateTime;
        return SpokenTime.Say(local, TimeZoneInfo.ConvertTime(now, zone).DateTime, language, approximate: true, clock: "HH:mm");
    }

    private static int Minutes(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));

    private static string PolishMinutes(TimeSpan wait)
    {
        var minutes = Minutes(wait);
        var lastTwo = minutes % 100;
        var last = minutes % 10;
        var word = minutes == 1 ? "minutę"
            : last is >= 2 and <= 4 && lastTwo is < 12 or > 14 ? "minuty"
            : "minut";
        return $"{minutes} {word}";
    }

    private static string EnglishMinutes(TimeSpan wait) => Minutes(wait) is 1 ? "1 minute" : $"{Minutes(wait)} minutes";
}
