using System.Globalization;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The language a callback page or API answer is in: always one of the hotline's languages, picked from what the
/// customer chose (<c>?lang=</c>, a form or JSON field), then the browser's <c>Accept-Language</c>, then the
/// hotline's default. "pl", "pl-PL" and "PL_pl" all pick pl-PL.
/// </summary>
public static class WebLanguage
{
    /// <summary>The hotline language <paramref name="requested"/> names, or null when it names none.</summary>
    public static string? Match(string? requested, IReadOnlyList<string> languages)
    {
        if (string.IsNullOrWhiteSpace(requested) || requested.Length > 35)
            return null;
        var tag = requested.Trim().Replace('_', '-');
        return languages.FirstOrDefault(language => string.Equals(language, tag, StringComparison.OrdinalIgnoreCase))
               ?? languages.FirstOrDefault(language => string.Equals(Primary(language), Primary(tag), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The first hotline language the browser accepts, by its q-values; the hotline's default otherwise.</summary>
    public static string FromAcceptLanguage(string? header, IReadOnlyList<string> languages)
    {
        var accepted = (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Take(20)
            .Select((entry, index) => (Tag: entry.Split(';')[0].Trim(), Quality: Quality(entry), Index: index))
            .Where(entry => entry.Quality > 0)
            .OrderByDescending(entry => entry.Quality).ThenBy(entry => entry.Index);
        foreach (var entry in accepted)
        {
            if (Match(entry.Tag, languages) is { } language)
                return language;
        }
        return languages[0];
    }

    /// <summary>
    /// The language of a request: <paramref name="chosen"/> (a form or JSON field) when it names one, else
    /// <c>?lang=</c>, else <paramref name="remembered"/> (the language a callback was booked in), else the browser's.
    /// </summary>
    public static string For(HttpRequest request, IReadOnlyList<string> languages, string? chosen = null, string? remembered = null) =>
        Match(chosen, languages)
        ?? Match(request.Query["lang"].FirstOrDefault(), languages)
        ?? Match(remembered, languages)
        ?? FromAcceptLanguage(request.Headers.AcceptLanguage.ToString(), languages);

    /// <summary>Page texts exist in Polish and English; every other language reads the English ones.</summary>
    public static bool IsPolish(string language) => Primary(language).Equals("pl", StringComparison.OrdinalIgnoreCase);

    /// <summary>"pl" for "pl-PL": the short code in links (<c>?lang=pl</c>) and in <c>&lt;html lang&gt;</c>.</summary>
    public static string Primary(string language) => language.Split('-')[0].ToLowerInvariant();

    private static double Quality(string entry)
    {
        var parameter = entry.Split(';').Skip(1).Select(p => p.Trim())
            .FirstOrDefault(p => p.StartsWith("q=", StringComparison.OrdinalIgnoreCase));
        if (parameter is null)
            return 1;
        return double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var quality)
            ? Math.Clamp(quality, 0, 1)
            : 0;
    }
}
