using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Ivr.Flows.Tests.Schema;

/// <summary>docs/menu.schema.json, as linked into the test output, and where it finds a YAML text wrong.</summary>
internal static partial class MenuSchema
{
    public const string FileName = "docs/menu.schema.json";

    public static readonly JsonObject Document = JsonNode.Parse(File.ReadAllText(FileName))!.AsObject();

    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(FileName));

    // Formats ("date") are checked as editors check them, not only noted.
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    /// <summary>
    /// Where the schema refuses <paramref name="yaml"/>: the JSON Pointer of every value that fails, with the
    /// schema's message when it gives one. Empty when the file matches the schema.
    /// </summary>
    public static IReadOnlyList<(string Location, string Message)> Failures(string yaml)
    {
        var json = JsonSerializer.SerializeToElement(YamlJson.Convert(yaml));
        var failures = new List<(string, string)>();
        Collect(Schema.Evaluate(json, Options), failures);
        return failures;
    }

    // Only failing subschemas count: a branch of anyOf that failed while another one matched is no failure.
    private static void Collect(EvaluationResults results, List<(string, string)> failures)
    {
        if (results.IsValid)
            return;
        var messages = results.Errors?.Values.ToList() ?? [];
        failures.Add((results.InstanceLocation.ToString(), string.Join("; ", messages)));
        foreach (var detail in results.Details ?? [])
            Collect(detail, failures);
    }

    /// <summary>The loader's problem path (<c>menus.main.options."1".route</c>) as a JSON Pointer.</summary>
    public static string Pointer(string loaderPath)
    {
        if (loaderPath == "(root)")
            return "";
        var pointer = new StringBuilder();
        foreach (Match part in PathPart().Matches(loaderPath))
            pointer.Append('/').Append(part.Groups["key"].Value.Replace("~", "~0").Replace("/", "~1"));
        return pointer.ToString();
    }

    public static string Parent(string pointer) => pointer.Length == 0 ? "" : pointer[..pointer.LastIndexOf('/')];

    [GeneratedRegex("""
        "(?<key>[^"]*)"|\[(?<key>\d+)\]|(?<key>[^.\["]+)
        """)]
    private static partial Regex PathPart();
}
