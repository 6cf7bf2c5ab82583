using System.Text.RegularExpressions;

namespace Ivr.Flows.Model;

/// <summary>
/// The caller's first name in a menu text: <c>{first_name|otherwise}</c> is the name the shop has for the caller,
/// or <c>otherwise</c> (which may be empty) when the shop does not know them. The name is used only where a text
/// asks for it, so "Dzień dobry, {first_name|Szanowni Państwo}" never becomes a guess at a form of address.
/// </summary>
public static partial class PersonalText
{
    /// <summary>True when <paramref name="text"/> asks for the first name.</summary>
    public static bool UsesFirstName(string text) => text.Contains("{first_name", StringComparison.Ordinal);

    /// <summary>The text with every <c>{first_name|otherwise}</c> filled in.</summary>
    public static string Fill(string text, string? firstName) =>
        UsesFirstName(text)
            ? FirstName().Replace(text, match => firstName is { Length: > 0 } ? firstName : match.Groups["otherwise"].Value)
            : text;

    /// <summary>The <c>{first_name...}</c> places of a text that do not give the text for an unknown caller.</summary>
    public static IEnumerable<string> WithoutFallback(string text) =>
        AnyFirstName().Matches(text).Select(m => m.Value).Where(place => !FirstName().IsMatch(place));

    [GeneratedRegex(@"\{first_name\|(?<otherwise>[^{}]*)\}")]
    private static partial Regex FirstName();

    [GeneratedRegex(@"\{first_name[^}]*\}?")]
    private static partial Regex AnyFirstName();
}
