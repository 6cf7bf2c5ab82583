using System.Globalization;
using Ivr.Flows.Model;

namespace Ivr.Flows.Engine;

/// <summary>How an earlier contact of a caller ended, as the contact history and the agent's whisper tell it.</summary>
public enum ContactOutcome
{
    /// <summary>An agent talked to the caller.</summary>
    Answered,
    /// <summary>The caller hung up while waiting (or while the agent's phone rang).</summary>
    Abandoned,
    /// <summary>The caller left the line for a callback, or booked one.</summary>
    Callback,
    /// <summary>The call ended unheard; nobody knows how.</summary>
    Lost,
    /// <summary>The call ended in the menus, without joining a queue.</summary>
    Menu,
    /// <summary>The call is still on.</summary>
    Ongoing,
}

/// <summary>A caller's last contact with a department, for the returning-caller offer and the whisper.</summary>
/// <param name="Department">The department's id.</param>
/// <param name="At">When the contact began.</param>
/// <param name="WaitedSeconds">How long the caller waited in line then.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="AgentId">The agent who talked to the caller, if one did.</param>
/// <param name="AgentName">That agent's name.</param>
public sealed record PreviousContact(
    string Department, DateTimeOffset At, int WaitedSeconds, ContactOutcome Outcome, string? AgentId, string? AgentName);

/// <summary>Says a caller's history the way a person would, for the returning offer and the agent's whisper.</summary>
public static class SpokenHistory
{
    private static readonly string[] PolishDaysFrom =
        ["z niedzieli", "z poniedziałku", "z wtorku", "ze środy", "z czwartku", "z piątku", "z soboty"];

    private static readonly string[] PolishMonths =
        ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
         "października", "listopada", "grudnia"];

    private static readonly string[] PolishOrdinals =
        ["pierwszy", "drugi", "trzeci", "czwarty", "piąty", "szósty", "siódmy", "ósmy", "dziewiąty", "dziesiąty"];

    private static readonly string[] EnglishOrdinals =
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

    /// <summary>
    /// The day of <paramref name="day"/> seen from <paramref name="today"/> (both local to the hotline), as it follows
    /// "w sprawie": "z dzisiaj", "z wczoraj", "z poniedziałku" within the week, else "z 24 listopada"; in English
    /// "from today", "from yesterday", "from Monday", "from 24 November".
    /// </summary>
    public static string FromDay(DateOnly day, DateOnly today, string language)
    {
        var days = today.DayNumber - day.DayNumber;
        if (IsPolish(language))
        {
            return days switch
            {
                <= 0 => "z dzisiaj",
                1 => "z wczoraj",
                < 7 => PolishDaysFrom[(int)day.DayOfWeek],
                _ => $"z {day.Day} {PolishMonths[day.Month - 1]}",
            };
        }
        return days switch
        {
            <= 0 => "from today",
            1 => "from yesterday",
            < 7 => $"from {day.DayOfWeek}",
            _ => $"from {day.Day} {CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(day.Month)}",
        };
    }

    /// <summary>
    /// One sentence for the agent: which contact this is in the last seven days, and how the last one with a department
    /// went: "Trzeci kontakt w ciągu tygodnia, poprzednio: dział reklamacji, czas czekania 4 minuty, rozłączenie w kolejce."
    /// </summary>
    /// <param name="contactsThisWeek">Contacts in the last seven days, this one included.</param>
    /// <param name="previous">The last earlier contact with a department.</param>
    /// <param name="departmentTitle">That department's title in <paramref name="language"/>.</param>
    /// <param name="language">The whisper's language.</param>
    public static string Whisper(int contactsThisWeek, PreviousContact previous, string departmentTitle, string language)
    {
        var minutes = (int)Math.Round(previous.WaitedSeconds / 60.0);
        var waited = SpokenDuration.Waited(minutes, language);
        if (IsPolish(language))
        {
            var ordinal = contactsThisWeek <= PolishOrdinals.Length ? PolishOrdinals[Math.Max(1, contactsThisWeek) - 1] : $"{contactsThisWeek}.";
            var outcome = previous.Outcome switch
            {
                ContactOutcome.Answered => previous.AgentName is { } agent ? $"rozmowa, konsultant: {agent}" : "rozmowa z konsultantem",
                ContactOutcome.Abandoned => "rozłączenie w kolejce",
                ContactOutcome.Callback => "prośba o oddzwonienie",
                ContactOutcome.Lost => "połączenie przerwane",
                ContactOutcome.Ongoing => "połączenie trwa",
                _ => "rozłączenie w menu",
            };
            return LocalizedText.Capitalize($"{ordinal} kontakt w ciągu tygodnia, poprzednio: {departmentTitle}, czas czekania {waited}, {outcome}.");
        }
        var nth = contactsThisWeek <= EnglishOrdinals.Length ? EnglishOrdinals[Math.Max(1, contactsThisWeek) - 1] : $"{contactsThisWeek}th";
        var ended = previous.Outcome switch
        {
            ContactOutcome.Answered => previous.AgentName is { } name ? $"talked to {name}" : "talked to an agent",
            ContactOutcome.Abandoned => "hung up while waiting",
            ContactOutcome.Callback => "asked for a callback",
            ContactOutcome.Lost => "the call was cut off",
            ContactOutcome.Ongoing => "still on the line",
            _ => "hung up in the menu",
        };
        return LocalizedText.Capitalize($"{nth} contact this week, last time: {departmentTitle}, waited {waited}, {ended}.");
    }

    private static bool IsPolish(string language) => language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
}
