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
    /// <paramref name="language"/>: today, tomorrow, a weekday within the week, else a date. An
    /// <paramref name="approximate"/> moment (a forecast) is "ok. 14:35", "at about 14:35"; <paramref name="clock"/>
    /// formats the time ("H:mm" said, "HH:mm" read).
    /// </summary>
    public static string Say(DateTime moment, DateTime now, string language, bool approximate = false, string clock = "H:mm")
    {
        var days = DateOnly.FromDateTime(moment).DayNumber - DateOnly.FromDateTime(now).DayNumber;
        var time = moment.ToString(clock, CultureInfo.InvariantCulture);
        var polish = language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
        if (polish)
        {
            var at = approximate ? "ok." : "o";
            return days switch
            {
                0 => $"dziś {at} {time}",
                1 => $"jutro {at} {time}",
                < 7 => $"{PolishDays[(int)moment.DayOfWeek]} {at} {time}",
                _ => $"{moment.Day} {PolishMonths[moment.Month - 1]} {at} {time}",
            };
        }
        var english = approximate ? "at about" : "at";
        return days switch
        {
            0 => $"today {english} {time}",
            1 => $"tomorrow {english} {time}",
            < 7 => $"on {moment.DayOfWeek} {english} {time}",
            _ => $"on {moment.Day} {CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(moment.Month)} {english} {time}",
        };
    }

    /// <summary>
    /// A day as a person says it: "dziś", "jutro", else with the weekday, "w piątek, 5 grudnia" / "on Friday,
    /// December 5" (a date more than half a year away also gets its year).
    /// </summary>
    public static string SayDate(DateOnly date, DateOnly today, string language)
    {
        var days = date.DayNumber - today.DayNumber;
        var polish = language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
        var year = Math.Abs(days) > 183 ? $" {date.Year}" : "";
        if (polish)
            return days switch
            {
                0 => "dziś",
                1 => "jutro",
                _ => $"{PolishDays[(int)date.DayOfWeek]}, {date.Day} {PolishMonths[date.Month - 1]}{year}",
            };
        return days switch
        {
            0 => "today",
            1 => "tomorrow",
            _ => $"on {date.DayOfWeek}, {CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(date.Month)} {date.Day}{(year.Length > 0 ? "," + year : "")}",
        };
    }

    /// <summary>
    /// A forecast moment rounded up to five minutes ("14:35" rather than "14:32"): said as a person would, and never
    /// earlier than forecast.
    /// </summary>
    public static DateTimeOffset RoundUpToFiveMinutes(DateTimeOffset moment)
    {
        var five = TimeSpan.FromMinutes(5).Ticks;
        return new DateTimeOffset((moment.UtcTicks + five - 1) / five * five, TimeSpan.Zero);
    }
}
