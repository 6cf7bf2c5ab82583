using System.Globalization;
using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

// The departments section: a department's keys, its weekly opening hours and its closed dates. Its agents are read
// in MenuFileReader.Agents.cs.
internal sealed partial class MenuFileReader
{
    // Index = DayOfWeek, so that a day name maps straight to the enum.
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private void ReadDepartments(YamlNode node, string path, List<RawDepartment> departments)
    {
        if (AsMap(node, path, "a map of departments by id") is not { } map)
            return;
        foreach (var entry in map.Entries)
        {
            var department = new RawDepartment { Id = entry.Key.Value, Key = entry.Key, Path = NodePath.Key(path, entry.Key.Value) };
            ReadDepartment(entry.Value, department);
            departments.Add(department);
        }
    }

    private void ReadDepartment(YamlNode node, RawDepartment department)
    {
        var path = department.Path;
        if (AsMap(node, path, "a department (title, hours, closed, agents)") is not { } map)
            return;
        foreach (var (key, _, value, valuePath) in Known(map, path, DepartmentKeys))
        {
            switch (key)
            {
                case "title": department.Title = ReadText(value, valuePath); break;
                case "hours": ReadHours(value, valuePath, department.Weekly); break;
                case "closed": ReadClosed(value, valuePath, department.Closed); break;
                case "agents": ReadAgents(value, valuePath, department.Agents); break;
                case "offer_callback_after": department.OfferCallbackAfterSeconds = Number(value, valuePath, 0, int.MaxValue); break;
                case "survey": department.Survey = ReadSurvey(value, valuePath); break;
            }
        }
        RequireKey(map, path, "title", "how the department is named to callers (title: { pl-PL: dział zamówień, en-US: the orders team })");
        RequireKey(map, path, "hours", "the opening hours (hours: { mon-fri: \"08:00-20:00\" })");
        if (map.Find("agents") is null)
            problems.Error(map, NodePath.Key(path, "agents"), $"department '{department.Id}' has no agents; add at least one (agents: [{{ name: Anna, phone: \"+48221234501\" }}])");
    }

    private void ReadHours(YamlNode node, string path, Dictionary<DayOfWeek, List<TimeRange>> weekly)
    {
        if (AsMap(node, path, "a map from days to hours (mon-fri: \"08:00-20:00\")") is not { } map)
            return;
        var coveredBy = new Dictionary<DayOfWeek, YamlScalar>();
        foreach (var entry in map.Entries)
        {
            var entryPath = NodePath.Key(path, entry.Key.Value);
            var days = Days(entry.Key.Value);
            if (days is null)
            {
                problems.Error(entry.Key, entryPath, $"bad day '{entry.Key.Value}' (use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri)");
                continue;
            }
            var ranges = Ranges(entry.Value, entryPath);
            foreach (var day in days)
            {
                if (coveredBy.TryGetValue(day, out var earlier))
                {
                    problems.Error(entry.Key, entryPath, $"{DayNames[(int)day]} is already covered by '{earlier.Value}' (line {earlier.Line}); give each day once");
                    break;
                }
            }
            foreach (var day in days)
            {
                coveredBy.TryAdd(day, entry.Key);
                if (ranges is not null)
                    weekly.TryAdd(day, ranges);
            }
        }
    }

    // "mon", or "mon-fri"; a range may wrap round the week ("fri-mon" is fri, sat, sun, mon).
    private static List<DayOfWeek>? Days(string key)
    {
        var parts = key.Split('-');
        if (parts.Length > 2)
            return null;
        var from = Array.IndexOf(DayNames, parts[0]);
        var to = Array.IndexOf(DayNames, parts[^1]);
        if (from < 0 || to < 0)
            return null;
        var days = new List<DayOfWeek> { (DayOfWeek)from };
        for (var day = from; day != to; )
        {
            day = (day + 1) % 7;
            days.Add((DayOfWeek)day);
        }
        return days;
    }

    private List<TimeRange>? Ranges(YamlNode node, string path)
    {
        if (String(node, path, "hours like \"08:00-20:00\" or \"08:00-12:00, 13:00-17:00\"") is not { } text)
            return null;
        var ranges = new List<TimeRange>();
        foreach (var part in text.Value.Split(','))
        {
            var match = HoursRange().Match(part.Trim());
            if (!match.Success
                || Time(match.Groups[1].Value, match.Groups[2].Value, allowMidnightEnd: false) is not { } start
                || Time(match.Groups[3].Value, match.Groups[4].Value, allowMidnightEnd: true) is not { } end)
            {
                problems.Error(node, path, $"malformed hours '{part.Trim()}' (use HH:MM-HH:MM, e.g. \"08:00-20:00\"; several ranges separated by commas)");
                return null;
            }
            if (end <= start)
            {
                problems.Error(node, path, $"'{part.Trim()}' ends before it starts; a range must end after it starts on the same day (use 24:00 for midnight)");
                return null;
            }
            ranges.Add(new TimeRange(start, end));
        }
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Start < ranges[i - 1].End)
            {
                problems.Error(node, path, $"ranges {Format(ranges[i - 1])} and {Format(ranges[i])} overlap");
                return null;
            }
        }
        return ranges;
    }

    // 24:00 closes at the end of the day; TimeOnly stops just before midnight, and ranges end exclusively anyway.
    private static TimeOnly? Time(string hours, string minutes, bool allowMidnightEnd)
    {
        var h = int.Parse(hours, CultureInfo.InvariantCulture);
        var m = int.Parse(minutes, CultureInfo.InvariantCulture);
        if (allowMidnightEnd && h == 24 && m == 0)
            return TimeOnly.MaxValue;
        return h < 24 && m < 60 ? new TimeOnly(h, m) : null;
    }

    private static string Format(TimeRange range) =>
        $"{range.Start:HH\\:mm}-{(range.End == TimeOnly.MaxValue ? "24:00" : range.End.ToString("HH\\:mm", CultureInfo.InvariantCulture))}";

    private void ReadClosed(YamlNode node, string path, HashSet<DateOnly> closed)
    {
        if (node is not YamlSequence list)
        {
            problems.Error(node, path, $"expected a list of dates like [\"2026-12-24\", \"2026-12-25\"], found {node.Describe()}");
            return;
        }
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = NodePath.Index(path, i);
            if (String(list.Items[i], itemPath, "a date like 2026-12-24") is not { } text)
                continue;
            if (DateOnly.TryParseExact(text.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                closed.Add(date);
            else
                problems.Error(text.Node, itemPath, $"'{text.Value}' is not a date (use YYYY-MM-DD, e.g. 2026-12-24)");
        }
    }

    // [0-9], not \d: \d also matches other scripts' digits, which int.Parse refuses.
    [GeneratedRegex(@"^([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})$")]
    private static partial Regex HoursRange();
}
