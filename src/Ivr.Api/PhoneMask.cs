using System.Text.RegularExpressions;

namespace Ivr.Api;

/// <summary>
/// Phone numbers as logs may show them: the country code's first digits and the last three, e.g.
/// <c>+48******200</c>, enough to tell two callers apart, not enough to call them.
/// </summary>
public static partial class PhoneMask
{
    /// <summary>One number, e.g. +48500100200 as +48******200.</summary>
    public static string Number(string? number)
    {
        if (string.IsNullOrEmpty(number))
            return "";
        var plus = number.StartsWith('+') ? 1 : 0;
        var digits = number.Length - plus;
        if (digits <= 5)
            return new string('*', number.Length);
        var keepFront = plus + 2;
        return number[..keepFront] + new string('*', number.Length - keepFront - 3) + number[^3..];
    }

    /// <summary>Every run of 7 to 15 digits in <paramref name="text"/> (a URL, a message) masked as <see cref="Number"/>,
    /// also after an escaped plus (%2B); digits inside longer words (a CallSid) are left alone.</summary>
    public static string InText(string? text) =>
        string.IsNullOrEmpty(text) ? "" : Numbers().Replace(text, match => match.Groups["plus"].Value + Number(match.Groups["digits"].Value));

    [GeneratedRegex("(?<![0-9A-Za-z])(?<plus>\\+|%2[Bb])?(?<digits>[0-9]{7,15})(?![0-9A-Za-z])")]
    private static partial Regex Numbers();
}
