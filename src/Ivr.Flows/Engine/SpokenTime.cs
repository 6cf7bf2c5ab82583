using System.Globalization;

namespace Ivr.Flows.Engine;

/// <summary>Says a moment the way a person would: "jutro o 8:00", "w poniedziałek o 8:00", "tomorrow at 8:00".</summary>
public static class SpokenTime
{
    private static readonly string[] PolishDays =
        ["w niedzielę", "w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę"];

    private static readonly string[] PolishMonths =
        ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
         "października", "listopada", "grudnia"];

    /// <summary>
    /// <paramref name="moment"/> relative to <paramref name="now"/> (both local to the hotline) in
    /// <paramref name="language"/>: today, tomorrow, a weekday within the week, else a date.
    /// </summary>
    public static string Say(DateTime moment, DateTime now, string language)
    {
        var days = DateOnly.FromDateTime(moment).DayNumber - DateOnly.FromDateTime(now).DayNumber;
        var time = moment.ToString("H:mm", CultureInfo.InvariantCulture);
        var polish = language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
        if (polish)
        {
            return days switch
            {
                0 => $"dziś o {time}",
                1 => $"jutro o {time}",
                < 7 => $"{PolishDays[(int)moment.DayOfWeek]} o {time}",
                _ => $"{moment.Day} {PolishMonths[moment.Month - 1]} o {time}",
            };
        }
        return days switch
        {
            0 => $"today at {time}",
            1 => $"tomorrow at {time}",
            < 7 => $"on {moment.DayOfWeek} at {time}",
            _ => $"on {moment.Day} {CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(moment.Month)} at {time}",
        };
    }
}
