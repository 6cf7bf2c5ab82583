using System.Globalization;
using System.Text;
using Ivr.Flows.Model;

namespace Ivr.Flows.Engine;

/// <summary>
/// Matches what a caller said against an option's keywords: case- and diacritic-insensitive ("zamowienie"
/// matches "zamówienie"), word by word, tolerant of Polish and English endings ("zamówienia", "orders").
/// </summary>
public static class SpeechMatcher
{
    // Spoken names of the phone keys, for callers who say "jeden" instead of pressing 1.
    private static readonly Dictionary<string, string> KeyWords = new()
    {
        ["zero"] = "0", ["jeden"] = "1", ["jedynka"] = "1", ["dwa"] = "2", ["dwojka"] = "2", ["trzy"] = "3",
        ["trojka"] = "3", ["cztery"] = "4", ["czworka"] = "4", ["piec"] = "5", ["piatka"] = "5", ["szesc"] = "6",
        ["szostka"] = "6", ["siedem"] = "7", ["siodemka"] = "7", ["osiem"] = "8", ["osemka"] = "8",
        ["dziewiec"] = "9", ["dziewiatka"] = "9", ["gwiazdka"] = "*", ["krzyzyk"] = "#",
        ["one"] = "1", ["two"] = "2", ["three"] = "3", ["four"] = "4", ["five"] = "5", ["six"] = "6",
        ["seven"] = "7", ["eight"] = "8", ["nine"] = "9", ["star"] = "*", ["hash"] = "#", ["pound"] = "#",
    };

    /// <summary>
    /// The option the caller chose by speech: keywords of the caller's language first, then of the other
    /// languages, then a spoken key ("jeden", "one", "1"). Null when nothing matches.
    /// </summary>
    public static MenuOption? Match(IReadOnlyList<MenuOption> options, string speech, string language)
    {
        var said = Words(speech);
        if (said.Length == 0)
            return null;

        var inOwnLanguage = options.FirstOrDefault(option =>
            option.Speech.TryGetValue(language, out var keywords) && keywords.Any(k => Contains(said, Words(k))));
        if (inOwnLanguage is not null)
            return inOwnLanguage;

        var inAnyLanguage = options.FirstOrDefault(option =>
            option.Speech.Values.Any(keywords => keywords.Any(k => Contains(said, Words(k)))));
        if (inAnyLanguage is not null)
            return inAnyLanguage;

        if (said.Length == 1)
        {
            var key = KeyWords.GetValueOrDefault(said[0], said[0]);
            return options.FirstOrDefault(option => option.Key == key);
        }
        return null;
    }

    /// <summary>Lowercase words without diacritics or punctuation: "Zamówienie, proszę!" → [zamowienie, prosze].</summary>
    public static string[] Words(string text)
    {
        var plain = new StringBuilder(text.Length);
        foreach (var c in text.Replace('ł', 'l').Replace('Ł', 'L').Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
                continue;
            plain.Append(char.IsLetterOrDigit(c) || c is '*' or '#' ? char.ToLowerInvariant(c) : ' ');
        }
        return plain.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static bool Contains(string[] said, string[] keyword)
    {
        if (keyword.Length == 0)
            return false;
        for (var start = 0; start + keyword.Length <= said.Length; start++)
        {
            var all = true;
            for (var i = 0; i < keyword.Length && all; i++)
                all = SameWord(said[start + i], keyword[i]);
            if (all)
                return true;
        }
        return false;
    }

    // Equal, or the same stem with a different ending of at most two letters ("zamowienia" ~ "zamowienie").
    private static bool SameWord(string said, string keyword)
    {
        if (said == keyword)
            return true;
        if (said.Length < 4 || keyword.Length < 4)
            return false;
        var common = 0;
        while (common < said.Length && common < keyword.Length && said[common] == keyword[common])
            common++;
        return common >= Math.Max(4, Math.Max(said.Length, keyword.Length) - 2);
    }
}
