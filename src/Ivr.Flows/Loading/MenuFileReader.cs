using System.Globalization;
using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

/// <summary>
/// Reads the YAML nodes into <see cref="RawMenuFile"/>: checks the shape of every section, unknown keys and the
/// format of single values (numbers, hours, dates, phone numbers). Checks that need the whole file (references,
/// languages, loops) are in <see cref="MenuFileCompiler"/>. One method per section.
/// </summary>
internal sealed partial class MenuFileReader(ProblemCollector problems)
{
    // The keys each section accepts; docs/menu.schema.json lists the same for editors, and a test holds them together.
    internal static readonly string[] RootKeys = ["hotline", "departments", "menus", "messages", "returning"];
    internal static readonly string[] HotlineKeys = ["name", "timezone", "languages", "voices", "start", "attempts", "timeout", "on_fail", "alerts",
        "language_from_shop"];
    internal static readonly string[] AlertKeys = ["service_level_below", "abandoned_above"];
    internal static readonly string[] DepartmentKeys = ["title", "hours", "closed", "agents", "offer_callback_after", "survey"];
    internal static readonly string[] AgentKeys = ["name", "phone", "sip", "client"];
    internal static readonly string[] MenuKeys = ["say", "prompt", "options", "next", "route", "callback", "hangup", "attempts", "timeout", "on_fail",
        "lookup", "found", "not_found", "on_error"];
    internal static readonly string[] OptionKeys = ["say", "language", "speech", "next", "route", "callback", "hangup"];
    private static readonly string[] MenuActions = ["options", "next", "route", "callback", "hangup", "lookup"];

    // Index = DayOfWeek, so that a day name maps straight to the enum.
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public RawMenuFile? Read(YamlNode root)
    {
        if (AsMap(root, "(root)", "a map with the sections hotline, departments and menus") is not { } map)
            return null;

        var file = new RawMenuFile { Root = map };
        foreach (var (key, _, value, path) in Known(map, "", RootKeys))
        {
            switch (key)
            {
                case "hotline": file.Hotline = ReadHotline(value, path); break;
                case "departments": ReadDepartments(value, path, file.Departments); break;
                case "menus": file.MenusNode = ReadMenus(value, path, file.Menus); break;
                case "messages": file.MessagesNode = ReadMessages(value, path, file.Messages); break;
                case "returning": file.Returning = ReadReturning(value, path); break;
            }
        }
        RequireKey(map, "", "hotline", "the hotline-wide settings (name, timezone, languages, start)");
        RequireKey(map, "", "menus", "the menus callers walk through");
        return file;
    }

    private RawHotline? ReadHotline(YamlNode node, string path)
    {
        if (AsMap(node, path, "a map of hotline settings") is not { } map)
            return null;

        var hotline = new RawHotline { Node = map };
        foreach (var (key, _, value, valuePath) in Known(map, path, HotlineKeys))
        {
            switch (key)
            {
                case "name": hotline.Name = String(value, valuePath, "the shop's name"); break;
                case "timezone": hotline.TimeZone = String(value, valuePath, "an IANA time zone such as Europe/Warsaw"); break;
                case "languages": ReadLanguages(value, valuePath, hotline.Languages); break;
                case "voices": ReadVoices(value, valuePath, hotline.Voices); break;
                case "start": hotline.Start = String(value, valuePath, "a menu name"); break;
                case "on_fail": hotline.OnFail = String(value, valuePath, "a menu name"); break;
                case "attempts": hotline.Attempts = Number(value, valuePath, 1, 10) ?? hotline.Attempts; break;
                case "timeout": hotline.TimeoutSeconds = Number(value, valuePath, 1, 60) ?? hotline.TimeoutSeconds; break;
                case "alerts": ReadAlerts(value, valuePath, hotline); break;
                case "language_from_shop": hotline.LanguageFromShop = Flag(value, valuePath); break;
            }
        }
        RequireKey(map, path, "name", "the shop's name, said in callbacks");
        RequireKey(map, path, "timezone", "the IANA time zone opening hours are read in (timezone: Europe/Warsaw)");
        RequireKey(map, path, "languages", "the languages of the hotline, the default first (languages: [pl-PL, en-US])");
        RequireKey(map, path, "start", "the menu a new call enters (start: welcome)");
        return hotline;
    }

    // The console's alert thresholds, in percent of today's ended calls.
    private void ReadAlerts(YamlNode node, string path, RawHotline hotline)
    {
        if (AsMap(node, path, "a map of alert thresholds in percent (service_level_below: 80, abandoned_above: 10)") is not { } map)
            return;
        foreach (var (key, _, value, valuePath) in Known(map, path, AlertKeys))
        {
            switch (key)
            {
                case "service_level_below": hotline.ServiceLevelBelow = Number(value, valuePath, 1, 100); break;
                case "abandoned_above": hotline.AbandonedAbove = Number(value, valuePath, 0, 99); break;
            }
        }
    }

    private void ReadLanguages(YamlNode node, string path, List<Located<string>> languages)
    {
        if (node is not YamlSequence list)
        {
            problems.Error(node, path, $"expected a list of language tags like [pl-PL, en-US], found {node.Describe()}");
            return;
        }
        if (list.Items.Count == 0)
            problems.Error(list, path, "no languages; list at least one, the default first (languages: [pl-PL, en-US])");

        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = NodePath.Index(path, i);
            if (String(list.Items[i], itemPath, "a language tag like pl-PL") is not { } language)
                continue;
            if (!LanguageTag().IsMatch(language.Value))
                problems.Error(language.Node, itemPath, $"'{language.Value}' is not a language tag like pl-PL or en-US (two lowercase letters, '-', two capitals)");
            else if (languages.Any(l => l.Value == language.Value))
                problems.Error(language.Node, itemPath, $"language '{language.Value}' is listed twice");
            else
                languages.Add(language);
        }
    }

    private void ReadVoices(YamlNode node, string path, List<(Located<string>, Located<string>)> voices)
    {
        if (AsMap(node, path, "a map from language to Twilio voice (pl-PL: Polly.Ewa)") is not { } map)
            return;
        foreach (var entry in map.Entries)
        {
            var voicePath = NodePath.Key(path, entry.Key.Value);
            if (String(entry.Value, voicePath, "a Twilio voice name such as Polly.Ewa") is { } voice)
                voices.Add((new Located<string>(entry.Key.Value, entry.Key, voicePath), voice));
        }
    }

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

    private void ReadAgents(YamlNode node, string path, List<Agent> agents)
    {
        if (node is not YamlSequence list)
        {
            problems.Error(node, path, $"expected a list of agents like [{{ name: Anna, phone: \"+48221234501\" }}], found {node.Describe()}");
            return;
        }
        if (list.Items.Count == 0)
            problems.Error(list, path, "no agents; add at least one ({ name: Anna, phone: \"+48221234501\" })");

        var names = new Dictionary<string, YamlNode>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var agentPath = NodePath.Index(path, i);
            if (ReadAgent(list.Items[i], agentPath) is not { } agent)
                continue;
            if (names.TryGetValue(agent.Value.Name, out var first))
                problems.Error(agent.Node, NodePath.Key(agentPath, "name"), $"agent name '{agent.Value.Name}' is used twice in this department (first at line {first.Line}); names must be unique");
            else
                names[agent.Value.Name] = agent.Node;
            agents.Add(agent.Value);
        }
    }

    // Returns the agent with the node of its name, for the duplicate-name check.
    private Located<Agent>? ReadAgent(YamlNode node, string path)
    {
        if (AsMap(node, path, "an agent ({ name: Anna, phone: \"+48221234501\" })") is not { } map)
            return null;

        Located<string>? name = null;
        (AgentKind Kind, Located<string> Address)? address = null;
        var valid = true;
        foreach (var (key, keyNode, value, valuePath) in Known(map, path, AgentKeys))
        {
            if (key == "name")
            {
                name = String(value, valuePath, "the agent's name");
                continue;
            }
            if (address is { } earlier)
            {
                problems.Error(keyNode, valuePath, $"an agent has exactly one of phone, sip, client; this one already has '{Describe(earlier.Kind)}'");
                valid = false;
                continue;
            }
            var kind = key switch { "phone" => AgentKind.Phone, "sip" => AgentKind.Sip, _ => AgentKind.Client };
            if (String(value, valuePath, $"the agent's {key}") is not { } text)
            {
                valid = false;
                continue;
            }
            address = (kind, text);
            var problem = kind switch
            {
                AgentKind.Phone when !E164.IsWellFormed(text.Value) =>
                    $"'{text.Value}' is not an E.164 number ('+', country code and number, 8 to 15 digits, no spaces: +48221234501)",
                AgentKind.Phone when !E164.IsValid(text.Value) =>
                    $"'{text.Value}' is not a number in use (its country's numbering plan has no such line); check the digits",
                AgentKind.Sip when !text.Value.StartsWith("sip:", StringComparison.Ordinal) || text.Value.Length <= 4 =>
                    $"'{text.Value}' is not a SIP address (it starts with sip:, e.g. sip:anna@example.sip.twilio.com)",
                AgentKind.Client when !ClientIdentity().IsMatch(text.Value) =>
                    $"'{text.Value}' is not a Twilio client identity (letters, digits and underscores)",
                _ => null,
            };
            if (problem is not null)
            {
                problems.Error(text.Node, valuePath, problem);
                valid = false;
            }
        }
        RequireKey(map, path, "name", "the agent's name, unique in the department");
        if (address is null && valid)
        {
            problems.Error(map, path, "the agent has no address; give exactly one of phone (+48221234501), sip (sip:anna@example.sip.twilio.com) or client (anna)");
            valid = false;
        }
        return valid && name is not null && address is { } found
            ? new Located<Agent>(new Agent(name.Value, found.Kind, found.Address.Value), name.Node, path)
            : null;
    }

    private static string Describe(AgentKind kind) => kind.ToString().ToLowerInvariant();

    private YamlMap? ReadMenus(YamlNode node, string path, List<RawMenu> menus)
    {
        if (AsMap(node, path, "a map of menus by id") is not { } map)
            return null;
        foreach (var entry in map.Entries)
        {
            var menu = new RawMenu { Id = entry.Key.Value, Key = entry.Key, Path = NodePath.Key(path, entry.Key.Value) };
            ReadMenu(entry.Value, menu);
            menus.Add(menu);
        }
        return map;
    }

    private void ReadMenu(YamlNode node, RawMenu menu)
    {
        var path = menu.Path;
        if (AsMap(node, path, "a menu (say, then one of options, next, route, callback, hangup)") is not { } map)
            return;

        YamlScalar? optionsKey = null, promptKey = null;
        string? action = null;
        foreach (var (key, keyNode, value, valuePath) in Known(map, path, MenuKeys))
        {
            if (key == "options")
                optionsKey = keyNode;
            else if (key == "prompt")
                promptKey = keyNode;
            if (MenuActions.Contains(key))
            {
                if (action is not null)
                {
                    problems.Error(keyNode, valuePath, $"menu '{menu.Id}' already has '{action}'; a menu does exactly one of options, next, route, callback, hangup");
                    continue;
                }
                action = key;
            }
            switch (key)
            {
                case "say": menu.Say = ReadText(value, valuePath); break;
                case "prompt": menu.Prompt = ReadText(value, valuePath); break;
                case "options": ReadOptions(value, valuePath, menu.Options); break;
                case "attempts": menu.Attempts = Number(value, valuePath, 1, 10); break;
                case "timeout": menu.TimeoutSeconds = Number(value, valuePath, 1, 60); break;
                case "on_fail": menu.OnFail = String(value, valuePath, "a menu name"); break;
                case "found": menu.LookupFound = String(value, valuePath, "a menu name"); break;
                case "not_found": menu.LookupNotFound = String(value, valuePath, "a menu name"); break;
                case "on_error": menu.LookupOnError = String(value, valuePath, "a menu name"); break;
                default: menu.Action = ReadAction(key, keyNode, value, valuePath); break;
            }
        }

        if (action is null)
            problems.Error(menu.Key, path, $"menu '{menu.Id}' does nothing; give it one of options (with prompt), next, route, callback or hangup: true");
        if (optionsKey is not null && promptKey is null)
            problems.Error(optionsKey, NodePath.Key(path, "options"), "options need a 'prompt' that tells the caller which key does what");
        if (promptKey is not null && optionsKey is null)
            problems.Error(promptKey, NodePath.Key(path, "prompt"), "'prompt' is only used by a menu with options; use 'say' in a menu that does not ask");
    }

    private void ReadOptions(YamlNode node, string path, List<RawOption> options)
    {
        if (AsMap(node, path, "a map from phone keys to options (\"1\": { route: orders })") is not { } map)
            return;
        if (map.Entries.Count == 0)
            problems.Error(map, path, "no options; add at least one key, or use next, route, callback or hangup instead");

        foreach (var entry in map.Entries)
        {
            var optionPath = NodePath.Key(path, entry.Key.Value);
            // An option under a bad key is still read, so that the problems inside it are reported too.
            if (!PhoneKey().IsMatch(entry.Key.Value))
                problems.Error(entry.Key, optionPath, $"'{entry.Key.Value}' is not a phone key (use one of 0-9, \"*\", \"#\"; quote * and # in YAML)");
            var option = new RawOption { Key = entry.Key.Value, Path = optionPath };
            ReadOption(entry.Value, entry.Key, option);
            options.Add(option);
        }
    }

    private void ReadOption(YamlNode node, YamlScalar keyNode, RawOption option)
    {
        var path = option.Path;
        if (AsMap(node, path, "an option (say, language, speech, then one of next, route, callback, hangup)") is not { } map)
            return;

        string? action = null;
        foreach (var (key, actionKey, value, valuePath) in Known(map, path, OptionKeys))
        {
            switch (key)
            {
                case "say": option.Say = ReadText(value, valuePath); break;
                case "language": option.Language = String(value, valuePath, "a language of the hotline"); break;
                case "speech": ReadSpeech(value, valuePath, option.Speech); break;
                default:
                    if (action is not null)
                    {
                        problems.Error(actionKey, valuePath, $"option '{option.Key}' already has '{action}'; an option does exactly one of next, route, callback, hangup");
                        break;
                    }
                    action = key;
                    option.Action = ReadAction(key, actionKey, value, valuePath);
                    break;
            }
        }
        if (action is null)
            problems.Error(keyNode, path, $"option '{option.Key}' does nothing; give it one of next, route, callback or hangup: true");
    }

    private bool Flag(YamlNode value, string path)
    {
        if (value is YamlScalar { Value: var flag } && (flag.Equals("true", StringComparison.OrdinalIgnoreCase) || flag.Equals("false", StringComparison.OrdinalIgnoreCase)))
            return flag.Equals("true", StringComparison.OrdinalIgnoreCase);
        problems.Error(value, path, $"expected true or false, found {value.Describe()}");
        return false;
    }

    private RawAction? ReadAction(string kind, YamlScalar key, YamlNode value, string path)
    {
        if (kind == "hangup")
        {
            if (value is YamlScalar { Value: var flag } && flag.Equals("true", StringComparison.OrdinalIgnoreCase))
                return new RawAction(kind, key, null);
            problems.Error(value, path, $"hangup takes true (hangup: true), found {value.Describe()}");
            return null;
        }
        var target = String(value, path, kind switch { "next" => "a menu name", "lookup" => "what to look up (order)", _ => "a department name" });
        return target is null ? null : new RawAction(kind, key, target);
    }

    private void ReadSpeech(YamlNode node, string path, List<(Located<string>, List<string>)> speech)
    {
        if (AsMap(node, path, "a map from language to keywords (pl-PL: [zwrot, zwroty])") is not { } map)
            return;
        foreach (var entry in map.Entries)
        {
            var languagePath = NodePath.Key(path, entry.Key.Value);
            var words = new List<string>();
            // A single keyword may be written without a list.
            var items = entry.Value is YamlSequence list ? list.Items : [entry.Value];
            for (var i = 0; i < items.Count; i++)
            {
                var itemPath = entry.Value is YamlSequence ? NodePath.Index(languagePath, i) : languagePath;
                if (String(items[i], itemPath, "a keyword") is { } word)
                    words.Add(word.Value);
            }
            if (entry.Value is YamlSequence { Items.Count: 0 })
                problems.Error(entry.Value, languagePath, "no keywords; list at least one or remove the language");
            speech.Add((new Located<string>(entry.Key.Value, entry.Key, languagePath), words));
        }
    }

    private YamlMap? ReadMessages(YamlNode node, string path, List<RawMessage> messages)
    {
        if (AsMap(node, path, "a map from message keys to texts (goodbye: { pl-PL: ..., en-US: ... })") is not { } map)
            return null;
        foreach (var (key, _, value, valuePath) in Known(map, path, SystemMessages.Defaults.Keys.ToArray(), "message"))
        {
            if (ReadText(value, valuePath) is { } text)
                messages.Add(new RawMessage { Key = key, Text = text });
        }
        return map;
    }

    /// <summary>A text: a plain string, or a map from language to string (languages are checked later).</summary>
    private RawText? ReadText(YamlNode node, string path)
    {
        if (node is YamlScalar scalar)
        {
            return String(scalar, path, "a text (a string, or a map from language to string)") is { } same
                ? new RawText { Node = node, Path = path, Same = same.Value }
                : null;
        }
        if (node is not YamlMap map)
        {
            problems.Error(node, path, $"expected a text (a string, or a map from language to string), found {node.Describe()}");
            return null;
        }
        var text = new RawText { Node = node, Path = path };
        foreach (var entry in map.Entries)
        {
            var languagePath = NodePath.Key(path, entry.Key.Value);
            if (String(entry.Value, languagePath, $"the {entry.Key.Value} text") is { } value)
                text.ByLanguage.Add((new Located<string>(entry.Key.Value, entry.Key, languagePath), value));
        }
        if (map.Entries.Count == 0)
            problems.Error(map, path, "the text is empty; give a string or one string per language");
        return text;
    }

    // Helpers shared by the sections.

    private YamlMap? AsMap(YamlNode node, string path, string what)
    {
        if (node is YamlMap map)
            return map;
        problems.Error(node, path, $"expected {what}, found {node.Describe()}");
        return null;
    }

    /// <summary>The entries of <paramref name="map"/> whose keys are known; reports the others with a suggestion.</summary>
    private IEnumerable<(string Key, YamlScalar KeyNode, YamlNode Value, string Path)> Known(
        YamlMap map, string path, string[] known, string noun = "key")
    {
        foreach (var entry in map.Entries)
        {
            var entryPath = NodePath.Key(path, entry.Key.Value);
            if (known.Contains(entry.Key.Value))
            {
                yield return (entry.Key.Value, entry.Key, entry.Value, entryPath);
                continue;
            }
            var hint = Suggest.Closest(entry.Key.Value, known) is { } closest
                ? $"did you mean '{closest}'?"
                : $"known: {string.Join(", ", known)}";
            problems.Error(entry.Key, entryPath, $"unknown {noun} '{entry.Key.Value}' ({hint})");
        }
    }

    private void RequireKey(YamlMap map, string path, string key, string what)
    {
        if (map.Find(key) is null)
            problems.Error(map, NodePath.Key(path, key), $"missing '{key}': {what}");
    }

    /// <summary>A non-empty string value, trimmed.</summary>
    private Located<string>? String(YamlNode node, string path, string what)
    {
        if (node is YamlScalar { IsNull: false } scalar && scalar.Value.Trim().Length > 0)
            return new Located<string>(scalar.Value.Trim(), scalar, path);
        problems.Error(node, path, $"expected {what}, found {node.Describe()}");
        return null;
    }

    private int? Number(YamlNode node, string path, int min, int max)
    {
        var range = max == int.MaxValue ? $"{min} or more" : $"from {min} to {max}";
        if (node is not YamlScalar scalar
            || !int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            problems.Error(node, path, $"expected a whole number {range}, found {node.Describe()}");
            return null;
        }
        if (number < min || number > max)
        {
            problems.Error(node, path, $"{number} is out of range; use a whole number {range}");
            return null;
        }
        return number;
    }

    [GeneratedRegex("^[a-z]{2}-[A-Z]{2}$")]
    private static partial Regex LanguageTag();

    // [0-9], not \d: \d also matches other scripts' digits, which int.Parse refuses.
    [GeneratedRegex(@"^([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})$")]
    private static partial Regex HoursRange();

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ClientIdentity();

    [GeneratedRegex(@"^[0-9*#]$")]
    private static partial Regex PhoneKey();
}
