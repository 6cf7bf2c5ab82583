namespace Ivr.Flows.Engine;

/// <summary>Minutes said the way a person says them: "3 minuty", "5 minut", "22 minuty", "1 minute", "3 minutes".</summary>
public static class SpokenDuration
{
    /// <summary><paramref name="minutes"/> with the noun in the form the number needs.</summary>
    public static string Minutes(int minutes, string language)
    {
        if (!language.StartsWith("pl", StringComparison.OrdinalIgnoreCase))
            return minutes == 1 ? "1 minute" : $"{minutes} minutes";
        // Polish: "mniej niż 1 minutę" is said as "mniej niż minutę"; 2-4 (not 12-14) take "minuty", the rest "minut".
        if (minutes == 1)
            return "minutę";
        var lastDigit = minutes % 10;
        var lastTwo = minutes % 100;
        return lastDigit is >= 2 and <= 4 && lastTwo is < 12 or > 14 ? $"{minutes} minuty" : $"{minutes} minut";
    }

    /// <summary>How long someone waited: "mniej niż minutę" / "less than a minute" under a minute, else <see cref="Minutes"/>.</summary>
    public static string Waited(int minutes, string language) =>
        minutes >= 1 ? Minutes(minutes, language)
        : language.StartsWith("pl", StringComparison.OrdinalIgnoreCase) ? "mniej niż minutę" : "less than a minute";
}
