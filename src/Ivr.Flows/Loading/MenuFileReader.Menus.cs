using System.Text.RegularExpressions;

namespace Ivr.Flows.Loading;

// The menus section: each menu, its options under phone keys, their spoken keywords and the one action each does.
internal sealed partial class MenuFileReader
{
    // The keys of MenuKeys that are actions; a menu has exactly one of them.
    private static readonly string[] MenuActions = ["options", "next", "route", "callback", "hangup", "lookup"];

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

    [GeneratedRegex(@"^[0-9*#]$")]
    private static partial Regex PhoneKey();
}
