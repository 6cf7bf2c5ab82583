using System.Globalization;
using System.Text;

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
}

/// <summary>A number in E.164 (<c>+48500100200</c>), or why the input is not one we may call.</summary>
public sealed record PhoneNumberResult(string? Number, PhoneNumberProblem? Problem)
{
    public bool IsValid => Number is not null;
}

/// <summary>
/// Turns what a customer types or a caller keys in into an E.164 number the service may call back. Polish numbers
/// may be given as their nine digits; any other number needs its country code (+ or 00). Only the configured
/// country codes are accepted, and special-rate ranges are refused: a callback form that dials premium numbers
/// is a way to make the shop pay for someone else's calls (toll fraud).
/// </summary>
public static class PhoneNumbers
{
    /// <summary>
    /// National prefixes never called back, by country code: premium rate, shared cost and freephone, personal and
    /// service numbers. Poland: 70x premium rate, 80x freephone and shared cost, 30x and 40x audiotele (premium);
    /// short and emergency codes fail the length check. Others: the common premium and shared-cost ranges.
    /// </summary>
    private static readonly Dictionary<string, string[]> SpecialRanges = new()
    {
        ["48"] = ["70", "80", "30", "40"],
        ["49"] = ["900", "180", "137", "118", "700", "0"],
        ["44"] = ["9", "87", "84", "70", "118"],
        ["420"] = ["90", "81", "83", "84", "85", "88"],
        ["421"] = ["90", "85", "80"],
        ["380"] = ["90", "70", "80"],
        ["370"] = ["90", "70", "80"],
        ["33"] = ["8", "10", "3"],
        ["1"] = ["900", "976", "800", "888", "877", "866", "855", "844", "833"],
    };

    /// <summary>Country codes of networks rather than countries (satellite, international services): never called.</summary>
    private static readonly string[] NonGeographic = ["800", "808", "870", "878", "881", "882", "883", "888", "979", "991"];

    private static readonly Dictionary<string, (int Min, int Max)> NationalLengths = new()
    {
        ["48"] = (9, 9), ["49"] = (6, 13), ["44"] = (9, 10), ["420"] = (9, 9), ["421"] = (9, 9), ["380"] = (9, 9),
        ["370"] = (8, 8), ["33"] = (9, 9), ["1"] = (10, 10),
    };

    /// <summary>Normalises <paramref name="input"/>; <paramref name="allowedCountryCodes"/> are digits such as "48".</summary>
    public static PhoneNumberResult Parse(string? input, IReadOnlyCollection<string> allowedCountryCodes)
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
            if (all.Length == 10 && all[0] == '0' && allowedCountryCodes.Contains("48"))
                all = "48" + all[1..];
            else if (all.Length == 9 && allowedCountryCodes.Contains("48"))
                all = "48" + all;
            else if (all.Length == 11 && all.StartsWith("48", StringComparison.Ordinal) && allowedCountryCodes.Contains("48"))
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

        if (NonGeographic.Any(code => all.StartsWith(code, StringComparison.Ordinal)))
            return Problem(PhoneNumberProblem.SpecialRate);
        var country = allowedCountryCodes
            .Where(code => all.StartsWith(code, StringComparison.Ordinal))
            .OrderByDescending(code => code.Length)
            .FirstOrDefault();
        if (country is null)
            return Problem(PhoneNumberProblem.CountryNotAllowed);

        var national = all[country.Length..];
        if (NationalLengths.TryGetValue(country, out var length))
        {
            if (national.Length < length.Min)
                return Problem(PhoneNumberProblem.TooShort);
            if (national.Length > length.Max)
                return Problem(PhoneNumberProblem.TooLong);
        }
        if (national.Length == 0 || national[0] == '0' && country != "39")
            return Problem(PhoneNumberProblem.TooShort);
        if (SpecialRanges.TryGetValue(country, out var ranges) && ranges.Any(p => national.StartsWith(p, StringComparison.Ordinal)))
            return Problem(PhoneNumberProblem.SpecialRate);
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
    /// The digits of <paramref name="text"/> one by one ("4 8 2 9 1 7"): a voice reads "482917" or "+48 500 100 200"
    /// as a number in the thousands or millions.
    /// </summary>
    public static string DigitByDigit(string text) => string.Join(" ", text.Where(char.IsAsciiDigit));

    private static PhoneNumberResult Problem(PhoneNumberProblem problem) => new(null, problem);
}
