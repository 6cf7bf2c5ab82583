namespace Ivr.Flows.Model;

/// <summary>A team callers can be routed to.</summary>
/// <param name="Id">The department's key under <c>departments:</c>; also its queue name.</param>
/// <param name="Title">How the department is named to callers ("the orders team").</param>
/// <param name="Hours">Opening hours with holidays, in the hotline's time zone.</param>
/// <param name="Agents">The people who answer.</param>
/// <param name="OfferCallbackAfterSeconds">Offer a callback when the expected wait exceeds this; null never.</param>
public sealed record Department(
    string Id,
    LocalizedText Title,
    OpeningHours Hours,
    IReadOnlyList<Agent> Agents,
    int? OfferCallbackAfterSeconds)
{
    /// <summary>The questions asked after the agent hangs up (<c>survey:</c>); null asks none.</summary>
    public Survey? Survey { get; init; }
}

/// <summary>How an agent is reached.</summary>
public enum AgentKind
{
    /// <summary>An E.164 phone number.</summary>
    Phone,
    /// <summary>A SIP URI.</summary>
    Sip,
    /// <summary>A Twilio Voice SDK client identity.</summary>
    Client,
}

/// <summary>A person who answers a department's calls.</summary>
/// <param name="Name">Display name, unique within the department.</param>
/// <param name="Kind">How the agent is reached.</param>
/// <param name="Address">E.164 number, SIP URI or client identity.</param>
public sealed record Agent(string Name, AgentKind Kind, string Address);

/// <summary>A time-of-day range within one day; <see cref="End"/> is after <see cref="Start"/>.</summary>
/// <param name="Start">Opening time.</param>
/// <param name="End">Closing time (exclusive).</param>
public readonly record struct TimeRange(TimeOnly Start, TimeOnly End);

/// <summary>Weekly opening hours plus whole days off, read in the hotline's time zone.</summary>
/// <param name="Weekly">Open ranges per day of week; a missing day is closed.</param>
/// <param name="Closed">Dates that are closed whatever the weekly hours say.</param>
public sealed record OpeningHours(
    IReadOnlyDictionary<DayOfWeek, IReadOnlyList<TimeRange>> Weekly,
    IReadOnlySet<DateOnly> Closed)
{
    /// <summary>True when the department is open at <paramref name="now"/>.</summary>
    public bool IsOpen(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var date = DateOnly.FromDateTime(local.DateTime);
        if (Closed.Contains(date) || !Weekly.TryGetValue(local.DayOfWeek, out var ranges))
            return false;
        var time = TimeOnly.FromDateTime(local.DateTime);
        return ranges.Any(range => time >= range.Start && time < range.End);
    }

    /// <summary>
    /// The local date and time the department next opens after <paramref name="now"/> (searching two weeks
    /// ahead, past holidays), or null when it never opens.
    /// </summary>
    public DateTime? NextOpening(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var today = DateOnly.FromDateTime(local);
        for (var offset = 0; offset <= 14 + Closed.Count; offset++)
        {
            var date = today.AddDays(offset);
            if (Closed.Contains(date) || !Weekly.TryGetValue(date.DayOfWeek, out var ranges))
                continue;
            foreach (var range in ranges.OrderBy(r => r.Start))
            {
                var opening = date.ToDateTime(range.Start);
                if (opening > local)
                    return opening;
            }
        }
        return null;
    }
}
