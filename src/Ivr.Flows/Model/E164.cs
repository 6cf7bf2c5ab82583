using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Ivr.Flows.Model;

/// <summary>What a phone number is, by the numbering plan of its country.</summary>
public enum NumberKind
{
    /// <summary>Not '+' and 8 to 15 digits.</summary>
    Malformed,
    /// <summary>Shorter than any line of its country.</summary>
    TooShort,
    /// <summary>Longer than any line of its country.</summary>
    TooLong,
    /// <summary>Of the right form, but no range of its country's plan has it (or no country has its code).</summary>
    NotInUse,
    /// <summary>A fixed line or a mobile: someone's phone.</summary>
    Line,
    /// <summary>Premium rate, shared cost, freephone, UAN, VoIP, personal, pager or voicemail numbers.</summary>
    SpecialRate,
    /// <summary>A country code of a network rather than a country (+800, +881, +979, ...).</summary>
    NonGeographic,
}

/// <summary>An E.164 number's kind and country code (0 when it has none).</summary>
public readonly record struct NumberCheck(NumberKind Kind, int CountryCode);

/// <summary>
/// The one reading of E.164 numbers (<c>+48221234501</c>) in the service, with libphonenumber's metadata of every
/// country: agent numbers in the menu file, numbers in the settings, callback numbers and callers.
/// </summary>
public static partial class E164
{
    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();

    /// <summary>'+', then 8 to 15 digits, the first (of the country code) not 0.</summary>
    public static bool IsWellFormed(string? text) => text is not null && Form().IsMatch(text);

    /// <summary>Well formed and in a range its country's plan gives out, of any kind.</summary>
    public static bool IsValid(string? text) => Check(text).Kind is NumberKind.Line or NumberKind.SpecialRate or NumberKind.NonGeographic;

    /// <summary>What <paramref name="text"/> is; never throws.</summary>
    public static NumberCheck Check(string? text)
    {
        if (!IsWellFormed(text))
            return new(NumberKind.Malformed, 0);
        PhoneNumber number;
        try
        {
            number = Numbers.Parse(text, null);
        }
        catch (NumberParseException)
        {
            return new(NumberKind.NotInUse, 0);
        }
        var country = number.CountryCode;
        // "001" is libphonenumber's region for the country codes of networks (satellite, international freephone).
        if (Numbers.GetRegionCodeForCountryCode(country) == "001")
            return new(NumberKind.NonGeographic, country);
        if (!Numbers.IsValidNumber(number))
            return new(Length(number), country);
        return Numbers.GetNumberType(number) switch
        {
            PhoneNumberType.FIXED_LINE or PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE => new(NumberKind.Line, country),
            _ => new(NumberKind.SpecialRate, country),
        };
    }

    // Why a number of no range is wrong: its length, measured against the country's fixed lines and mobiles.
    private static NumberKind Length(PhoneNumber number)
    {
        var reason = Numbers.IsPossibleNumberForTypeWithReason(number, PhoneNumberType.FIXED_LINE_OR_MOBILE);
        if (reason == PhoneNumberUtil.ValidationResult.INVALID_LENGTH)
            reason = Numbers.IsPossibleNumberForTypeWithReason(number, PhoneNumberType.MOBILE);
        return reason switch
        {
            PhoneNumberUtil.ValidationResult.TOO_SHORT => NumberKind.TooShort,
            PhoneNumberUtil.ValidationResult.TOO_LONG => NumberKind.TooLong,
            _ => NumberKind.NotInUse,
        };
    }

    // [0-9], not \d: \d also matches other scripts' digits.
    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex Form();
}
