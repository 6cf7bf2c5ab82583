namespace Ivr.Flows.Model;

/// <summary>
/// A text said to the caller, one string per configured language. A plain string in the YAML becomes the same
/// string for every language.
/// </summary>
public sealed class LocalizedText
{
    private readonly IReadOnlyDictionary<string, string> _byLanguage;

    /// <summary>Creates a text from a language → string map.</summary>
    public LocalizedText(IReadOnlyDictionary<string, string> byLanguage)
    {
        if (byLanguage.Count == 0)
            throw new ArgumentException("A text needs at least one language.", nameof(byLanguage));
        _byLanguage = byLanguage;
    }

    /// <summary>The same text for every language.</summary>
    public static LocalizedText Same(string text, IEnumerable<string> languages) =>
        new(languages.ToDictionary(language => language, _ => text));

    /// <summary>The languages this text has.</summary>
    public IEnumerable<string> Languages => _byLanguage.Keys;

    /// <summary>The text in <paramref name="language"/>; falls back to the first language (validation makes that rare).</summary>
    public string For(string language) =>
        _byLanguage.TryGetValue(language, out var text) ? text : _byLanguage.Values.First();

    /// <summary>True when the text has a translation for <paramref name="language"/>.</summary>
    public bool Has(string language) => _byLanguage.ContainsKey(language);

    /// <summary>
    /// <paramref name="text"/> starting with a capital: a message that begins with a placeholder ("{department}:
    /// teraz nieczynne") or a department's title ("dział zamówień") begins a sentence.
    /// </summary>
    public static string Capitalize(string text) =>
        text.Length > 0 && char.IsLower(text[0]) ? char.ToUpperInvariant(text[0]) + text[1..] : text;
}
