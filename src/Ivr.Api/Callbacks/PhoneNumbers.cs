using System.Globalization;
using System.Text;
using Ivr.Flows.Model;

namespace Ivr.Api.Callbacks;

/// <summary>Why a number typed by a customer cannot be called back.</summary>
public enum PhoneNumberProblem
{
    Missing,
    Characters,
    TooShort,
    TooLong,
    NeedsCountryCode,
    CountryNotAllowed,
    SpecialRate,
    NotInUse,
}

/// <summary>A number in E.164 (<c>+48500100200</c>), or why the input is not one we may call.</summary>
public sealed record PhoneNumberResult(string? Number, PhoneNumberProblem? Problem)
{
    public bool IsValid => Number is not null;
}

/// <summary>
/// Turns what a customer types or a caller keys in into an E.164 number the service may call back. Polish numbers
/// may be given as their nine digits; any other number needs its country code (+ or 00). Only the configured
/// country codes are accepted, and only fixed lines and mobiles by the country's numbering plan (libphonenumber's
/// metadata, every country): a callback form that dials premium, shared-cost, personal or VoIP numbers is a way
/// to make the shop pay for someone else's calls (toll fraud).
/// </summary>
public static class PhoneNumbers
{
    /// <summary>Normalises <paramref name="input"/>; <paramref name="allowedCountryCodes"/> are digits such as "48".</summary>
    public static PhoneNumberResult Parse(string? input, IReadOnlyCollection<string> allowedCountryCodes)
    {
        var typed = Normalise(input, polishByDefault: allowedCountryCodes.Contains("48"));
        if (typed.Number is not { } number)
            return typed;
        var check = E164.Check(number);
        if (check.Kind == NumberKind.NonGeographic)
            return Problem(PhoneNumberProblem.SpecialRate);
        if (check.CountryCode != 0 && !allowedCountryCodes.Contains(check.CountryCode.ToString(CultureInfo.InvariantCulture)))
            return Problem(PhoneNumberProblem.CountryNotAllowed);
        return check.Kind switch
        {
            NumberKind.Line => typed,
            NumberKind.SpecialRate => Problem(PhoneNumberProblem.SpecialRate),
            NumberKind.TooShort => Problem(PhoneNumberProblem.TooShort),
            NumberKind.TooLong => Problem(PhoneNumberProblem.TooLong),
            _ => Problem(check.CountryCode == 0 ? PhoneNumberProblem.CountryNotAllowed : PhoneNumberProblem.NotInUse),
        };
    }

    /// <summary>
    /// <paramref name="input"/> as people write numbers, in the form of E.164 ("+" and digits) but not yet checked
    /// against any country's plan: separators go, 00 is +, and with <paramref name="polishByDefault"/> nine digits
    /// (or a trunk 0 and nine, or 48 and nine) are a Polish number.
    /// </summary>
    public static PhoneNumberResult Normalise(string? input, bool polishByDefault = true)
    {
        if (string.IsNullOrWhiteSpace(input))
            return Problem(PhoneNumberProblem.Missing);
        if (input.Length > 40)
            return Problem(PhoneNumberProblem.TooLong);

        var digits = new StringBuilder();
        var international = false;
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (char.IsAsciiDigit(c))
                digits.Append(c);
            else if (c == '+' && digits.Length == 0 && !international)
                international = true;
            else if (c is not (' ' or '-' or '.' or '(' or ')' or '/' or '\u00A0'))
                return Problem(PhoneNumberProblem.Characters);
        }
        var all = digits.ToString();
        if (!international && all.StartsWith("00", StringComparison.Ordinal))
        {
            international = true;
            all = all[2..];
        }
        if (!international)
        {
            // Nine digits are a Polish number as Poles write it, some still with the old trunk 0 before them
            // ("0 22 123 45 67"); "48" and nine digits is one without its plus.
            if (all.Length == 10 && all[0] == '0' && polishByDefault)
                all = "48" + all[1..];
            else if (all.Length == 9 && polishByDefault)
                all = "48" + all;
            else if (all.Length == 11 && all.StartsWith("48", StringComparison.Ordinal) && polishByDefault)
            { }
            else if (all.Length < 9)
                return Problem(PhoneNumberProblem.TooShort);
            else
                return Problem(PhoneNumberProblem.NeedsCountryCode);
        }
        if (all.Length < 8)
            return Problem(PhoneNumberProblem.TooShort);
        if (all.Length > 15)
            return Problem(PhoneNumberProblem.TooLong);
        if (all[0] == '0')
            return Problem(PhoneNumberProblem.NeedsCountryCode);
        return new PhoneNumberResult("+" + all, null);
    }

    /// <summary>What the customer reads (web) or hears (phone) about a problem, in Polish or English.</summary>
    public static string Message(PhoneNumberProblem problem, string language, IReadOnlyCollection<string> allowedCountryCodes)
    {
        var polish = language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
        var countries = string.Join(", ", allowedCountryCodes.Select(code => "+" + code));
        return problem switch
        {
            PhoneNumberProblem.Missing => polish ? "Podaj numer telefonu." : "Enter your phone number.",
            PhoneNumberProblem.Characters => polish
                ? "Numer może zawierać tylko cyfry, spacje, myślniki i znak + na początku."
                : "A phone number may contain only digits, spaces, dashes and a + at the start.",
            PhoneNumberProblem.TooShort => polish
                ? "Ten numer jest za krótki. Podaj 9 cyfr, np. 500 100 200."
                : "This number is too short. Enter 9 digits for a Polish number, e.g. 500 100 200, or the full number with +.",
            PhoneNumberProblem.TooLong => polish
                ? "Ten numer jest za długi. Podaj 9 cyfr, np. 500 100 200."
                : "This number is too long. Enter 9 digits for a Polish number, e.g. 500 100 200, or the full number with +.",
            PhoneNumberProblem.NeedsCountryCode => polish
                ? "Podaj numer z kierunkowym kraju, np. +48 500 100 200."
                : "Enter the number with its country code, e.g. +48 500 100 200.",
            PhoneNumberProblem.CountryNotAllowed => polish
                ? $"Oddzwaniamy tylko na numery z kierunkowym {countries}."
                : $"We can call back only numbers starting with {countries}.",
            PhoneNumberProblem.SpecialRate => polish
                ? "Na numery specjalne i o podwyższonej opłacie nie oddzwaniamy. Podaj numer komórkowy lub stacjonarny."
                : "We cannot call special-rate or premium numbers. Enter a mobile or landline number.",
            PhoneNumberProblem.NotInUse => polish
                ? "Taki numer nie istnieje. Sprawdź cyfry i kierunkowy kraju."
                : "No phone has this number. Check the digits and the country code.",
            _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
        };
    }

    /// <summary>"+48500100200" as "5 0 0 1 0 0 2 0 0" for a voice: the national digits, one by one.</summary>
    public static string SpokenDigits(string number, IReadOnlyCollection<string> allowedCountryCodes)
    {
        var digits = new string(number.Where(char.IsAsciiDigit).ToArray());
        var country = allowedCountryCodes.Where(code => digits.StartsWith(code, StringComparison.Ordinal))
            .OrderByDescending(code => code.Length).FirstOrDefault();
        return DigitByDigit(country is "48" ? digits[2..] : digits);
    }

    /// <summary>
    /// The caller's number for the agent's whisper, digit by digit; a withheld or unknown one (Twilio's "anonymous",
    /// a client, digits no country gives out) is said to be withheld, not read out as noise.
    /// </summary>
    public static string SpokenCaller(string? from, string language) =>
        E164.IsValid(from) ? DigitByDigit(from!)
        : language.StartsWith("pl", StringComparison.OrdinalIgnoreCase) ? "zastrzeżony" : "withheld";

    /// <summary>
    /// The digits of <paramref name="text"/> one by one ("4 8 2 9 1 7"): a voice reads "482917" or "+48 500 100 200"
    /// as a number in the thousands or millions.
    /// </summary>
    public static string DigitByDigit(string text) => string.Join(" ", text.Where(char.IsAsciiDigit));

    private static PhoneNumberResult Problem(PhoneNumberProblem problem) => new(null, problem);
}
