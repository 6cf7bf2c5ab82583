using System.Globalization;

namespace Ivr.Flows.Loading;

// The helpers every section uses: the shape of a map, its known and required keys, and single values (text, string,
// whole number, true or false), each reporting its own problem with the path where it stands.
internal sealed partial class MenuFileReader
{
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

    private bool Flag(YamlNode value, string path)
    {
        if (value is YamlScalar { Value: var flag } && (flag.Equals("true", StringComparison.OrdinalIgnoreCase) || flag.Equals("false", StringComparison.OrdinalIgnoreCase)))
            return flag.Equals("true", StringComparison.OrdinalIgnoreCase);
        problems.Error(value, path, $"expected true or false, found {value.Describe()}");
        return false;
    }
}
