using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ivr.Flows.Tests.Schema;

/// <summary>
/// YAML as an editor's YAML extension sees it before checking it against the schema: plain scalars that YAML's core
/// schema reads as integers, booleans or null become those, everything else (quoted values, dates, words) stays a
/// string. Aliases are resolved; merge keys are not, as the loader refuses them.
/// </summary>
internal static partial class YamlJson
{
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Node(stream.Documents.Single().RootNode);
    }

    private static JsonNode? Node(YamlNode node) => node switch
    {
        YamlMappingNode map => Map(map),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Node).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException($"unexpected YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonObject Map(YamlMappingNode map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
                throw new NotSupportedException($"a key that is not a scalar at {key.Start}");
            json.Add(name, Node(value));
        }
        return json;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
            return JsonValue.Create(value);
        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when Integer().IsMatch(value)
                && decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                => JsonValue.Create(number),
            _ => JsonValue.Create(value),
        };
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();
}
