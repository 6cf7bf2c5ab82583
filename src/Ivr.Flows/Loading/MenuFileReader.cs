using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

/// <summary>
/// Reads the YAML nodes into <see cref="RawMenuFile"/>: checks the shape of every section, unknown keys and the
/// format of single values (numbers, hours, dates, phone numbers). Checks that need the whole file (references,
/// languages, loops) are in <see cref="MenuFileCompiler"/>. One method per section: this file holds the keys, the
/// root, the hotline settings and the messages; the other MenuFileReader.*.cs files hold the other sections and
/// the value readers they share.
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

    [GeneratedRegex("^[a-z]{2}-[A-Z]{2}$")]
    private static partial Regex LanguageTag();
}
