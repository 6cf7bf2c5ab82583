using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;
using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Schema;

/// <summary>
/// The schema editors check ivr-menus.yaml against must agree with the loader: it accepts what the loader accepts,
/// and refuses, at the same spot, a file the loader refuses for its shape. References, translations, time zones,
/// overlapping hours and loops stay the loader's own checks.
/// </summary>
public partial class MenuSchemaTests
{
    [Fact]
    public void TheSampleHotline_MatchesTheSchema()
    {
        var yaml = File.ReadAllText("ivr-menus.yaml");

        Assert.Empty(MenuSchema.Failures(yaml));
    }

    [Fact]
    public void TheSampleHotline_PointsEditorsAtTheSchema_ByAPathRelativeToItself()
    {
        var firstLine = File.ReadLines("ivr-menus.yaml").First();

        var match = SchemaComment().Match(firstLine);
        Assert.True(match.Success, $"the first line should be '# yaml-language-server: $schema=...', found '{firstLine}'");
        var schemaPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath("ivr-menus.yaml"))!, match.Groups[1].Value);
        Assert.True(File.Exists(schemaPath), $"{schemaPath} does not exist");
        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)JsonNode.Parse(File.ReadAllText(schemaPath))!["$schema"]);
    }

    private static readonly Dictionary<string, string> AcceptedFiles = new()
    {
        ["the base file of the loader tests"] = Valid,
        ["alert thresholds"] = Replace("  on_fail: main\n", "  on_fail: main\n  alerts: { service_level_below: 80, abandoned_above: 10 }\n"),
        ["star and hash keys"] = Replace("\"2\": { next: bye }", "\"*\": { next: bye }\n      \"#\": { hangup: true }"),
        ["several ranges, one-digit hours and midnight"] =
            Replace("{ mon-fri: \"08:00-20:00\", sat: \"09:00-14:00\" }", "{ mon: \"13:00-17:00, 8:00-12:00\", sun: \"20:00-24:00\" }"),
        ["a day range that wraps round the week"] = Replace("{ mon-fri: \"08:00-20:00\", sat: \"09:00-14:00\" }", "{ fri-mon: \"10:00-14:00\" }"),
        ["one speech keyword without a list"] = Replace("en-US: [order]", "en-US: order"),
        ["an option that switches the language"] = Replace("{ next: bye }", "{ language: en-US, next: bye }"),
        ["a menu's own attempts, timeout and on_fail"] = Replace("    prompt: {", "    attempts: 2\n    timeout: 10\n    on_fail: bye\n    prompt: {"),
        ["no on_fail and no offer_callback_after"] = Replace("  on_fail: main\n", "").Replace("    offer_callback_after: 120\n", ""),
        ["an alias and a client identity"] = Replace("closed: [\"2026-12-24\"]", "closed: &holidays [\"2026-12-24\", \"2026-12-25\"]")
            .Replace("    offer_callback_after: 120", "    offer_callback_after: 120\n  returns:\n    title: returns\n    hours: { mon: \"08:00-16:00\" }\n    closed: *holidays\n    agents: [{ name: Ola, client: ola }]"),
        ["a 4096-character text for the default voice"] = Replace("en-US: Choose", $"en-US: {new string('a', 4096)}"),
        ["messages for some languages"] = Valid + "\nmessages:\n  goodbye: { en-US: Bye now. }\n  invalid_input: Ups.",
        ["every message in a language without built-in texts"] = Valid.Replace("[pl-PL, en-US]", "[pl-PL, en-US, de-DE]")
            .Replace("{ pl-PL: dział zamówień, en-US: the orders team }", "Bestellungen")
            .Replace("{ pl-PL: Wybierz, en-US: Choose }", "Wählen")
            .Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "Tschüss")
            + "\nmessages:\n" + string.Join("\n", SystemMessages.Defaults.Keys.Select(key => $"  {key}: {{ de-DE: \"{key} auf Deutsch\" }}")),
        ["plain numbers and True, which the loader reads as text"] = Replace("name: Test Shop", "name: 1234")
            .Replace("[zamówienie]", "[zamówienie, 112]").Replace("hangup: true", "hangup: True").Replace("  start: welcome\n", "  start: welcome\n  attempts: \"2\"\n"),
    };

    [Theory]
    [MemberData(nameof(AcceptedFileNames))]
    public void AFileTheLoaderAccepts_MatchesTheSchema(string name)
    {
        var yaml = AcceptedFiles[name];
        Assert.Empty(Load(yaml).Errors);

        Assert.Empty(MenuSchema.Failures(yaml));
    }

    private static readonly Dictionary<string, string> BrokenFiles = new()
    {
        ["an unknown section"] = Replace("hotline:\n", "hotlin:\n"),
        ["an unknown hotline key"] = Replace("  timezone:", "  time_zone:"),
        ["an alert threshold over 100 percent"] = Replace("  on_fail: main\n", "  on_fail: main\n  alerts: { service_level_below: 180 }\n"),
        ["an unknown alert"] = Replace("  on_fail: main\n", "  on_fail: main\n  alerts: { abandoned_over: 10 }\n"),
        ["an unknown department key"] = Replace("    hours:", "    hour:"),
        ["an unknown agent key"] = Replace("{ name: Anna, phone:", "{ name: Anna, phnoe:"),
        ["an unknown menu key"] = Replace("    hangup: true", "    hangup: true\n    colour: blue"),
        ["an unknown option key"] = Replace("speech: { pl-PL: [zamówienie]", "speach: { pl-PL: [zamówienie]"),
        ["an unknown message"] = Valid + "\nmessages:\n  goodby: Bye.",
        ["no menus section"] = Valid[..Valid.IndexOf("menus:", StringComparison.Ordinal)],
        ["no hotline name"] = Replace("  name: Test Shop\n", ""),
        ["no start menu"] = Replace("  start: welcome\n", ""),
        ["no department title"] = Replace("    title: { pl-PL: dział zamówień, en-US: the orders team }\n", ""),
        ["no agents"] = Replace("    agents:\n      - { name: Anna, phone: \"+48221234501\" }\n      - { name: Piotr, sip: \"sip:piotr@example.sip.twilio.com\" }\n", ""),
        ["an empty agent list"] = Replace("    agents:\n      - { name: Anna, phone: \"+48221234501\" }\n      - { name: Piotr, sip: \"sip:piotr@example.sip.twilio.com\" }", "    agents: []"),
        ["no languages"] = Replace("[pl-PL, en-US]", "[]"),
        ["a language listed twice"] = Replace("[pl-PL, en-US]", "[pl-PL, en-US, pl-PL]"),
        ["a language that is not a tag"] = Replace("[pl-PL, en-US]", "[pl-PL, english]"),
        ["languages as one word"] = Replace("[pl-PL, en-US]", "pl-PL"),
        ["voices as a list"] = Replace("{ pl-PL: Polly.Ewa }", "[Polly.Ewa]"),
        ["attempts in words"] = Replace("  start: welcome\n", "  start: welcome\n  attempts: three\n"),
        ["attempts out of range"] = Replace("  start: welcome\n", "  start: welcome\n  attempts: 11\n"),
        ["a quoted timeout out of range"] = Replace("  start: welcome\n", "  start: welcome\n  timeout: \"61\"\n"),
        ["a menu timeout out of range"] = Replace("    prompt: {", "    timeout: 600\n    prompt: {"),
        ["a negative offer_callback_after"] = Replace("offer_callback_after: 120", "offer_callback_after: -5"),
        ["a department that is a text"] = Replace("  orders:\n    title: { pl-PL: dział zamówień, en-US: the orders team }\n    hours: { mon-fri: \"08:00-20:00\", sat: \"09:00-14:00\" }\n    closed: [\"2026-12-24\"]\n    agents:\n      - { name: Anna, phone: \"+48221234501\" }\n      - { name: Piotr, sip: \"sip:piotr@example.sip.twilio.com\" }\n    offer_callback_after: 120\n",
            "  orders: the orders team\n").Replace("route: orders", "hangup: true"),
        ["hours without a colon"] = Replace("\"08:00-20:00\"", "\"8-20\""),
        ["hours with words"] = Replace("\"08:00-20:00\"", "\"08:00 to 20:00\""),
        ["hours with minute 60"] = Replace("\"08:00-20:00\"", "\"08:00-20:60\""),
        ["hours past midnight"] = Replace("\"08:00-20:00\"", "\"25:00-26:00\""),
        ["hours with a trailing comma"] = Replace("\"08:00-20:00\"", "\"08:00-12:00,\""),
        ["hours as a list"] = Replace("\"08:00-20:00\"", "[\"08:00-20:00\"]"),
        ["a day spelt out"] = Replace("mon-fri:", "monday:"),
        ["a capitalised day"] = Replace("mon-fri:", "Mon:"),
        ["a range of three days"] = Replace("mon-fri:", "mon-fri-sat:"),
        ["closed days as a map"] = Replace("closed: [\"2026-12-24\"]", "closed: { christmas: \"2026-12-24\" }"),
        ["a closed date with dots"] = Replace("[\"2026-12-24\"]", "[\"24.12.2026\"]"),
        ["a closed date with a one-digit day"] = Replace("[\"2026-12-24\"]", "[\"2026-12-4\"]"),
        ["a closed date that does not exist"] = Replace("[\"2026-12-24\"]", "[\"2026-02-30\"]"),
        ["a phone number with spaces"] = Replace("\"+48221234501\"", "\"+48 22 123 45 01\""),
        ["a phone number without +"] = Replace("\"+48221234501\"", "\"48221234501\""),
        ["a phone number starting with 0"] = Replace("\"+48221234501\"", "\"+048221234501\""),
        ["a phone number too short"] = Replace("\"+48221234501\"", "\"+4812345\""),
        ["a phone number too long"] = Replace("\"+48221234501\"", "\"+4822123450123456\""),
        ["an agent without an address"] = Replace("{ name: Anna, phone: \"+48221234501\" }", "{ name: Anna }"),
        ["an agent with two addresses"] = Replace("{ name: Anna, phone: \"+48221234501\" }", "{ name: Anna, phone: \"+48221234501\", client: anna }"),
        ["an agent without a name"] = Replace("{ name: Anna, phone: \"+48221234501\" }", "{ phone: \"+48221234501\" }"),
        ["a sip address without sip:"] = Replace("\"sip:piotr@example.sip.twilio.com\"", "\"piotr@example.sip.twilio.com\""),
        ["a client identity with a space"] = Replace("sip: \"sip:piotr@example.sip.twilio.com\"", "client: \"piotr kowalski\""),
        ["a menu with no action"] = Replace("    hangup: true", ""),
        ["a menu with two actions"] = Replace("    hangup: true", "    hangup: true\n    next: main"),
        ["a menu with options and next"] = Replace("    options:", "    next: bye\n    options:"),
        ["an option with no action"] = Replace("{ next: bye }", "{ say: Hej }"),
        ["an option with two actions"] = Replace("{ next: bye }", "{ next: bye, hangup: true }"),
        ["hangup: no"] = Replace("hangup: true", "hangup: no"),
        ["options without a prompt"] = Replace("    prompt: { pl-PL: Wybierz, en-US: Choose }\n", ""),
        ["a prompt without options"] = Replace("    say: Dzień dobry.", "    prompt: Dzień dobry."),
        ["empty options"] = Valid.Replace("      \"1\": { route: orders, speech: { pl-PL: [zamówienie], en-US: [order] } }\n      \"2\": { next: bye }", "")
            .Replace("    options:", "    options: {}"),
        ["options as a list"] = Replace("    options:\n      \"1\": { route: orders, speech: { pl-PL: [zamówienie], en-US: [order] } }\n      \"2\": { next: bye }",
            "    options:\n      - { route: orders }"),
        ["an option key of two digits"] = Replace("\"2\": { next: bye }", "\"10\": { next: bye }"),
        ["an option key that is a letter"] = Replace("\"2\": { next: bye }", "a: { next: bye }"),
        ["an option key that is +"] = Replace("\"2\": { next: bye }", "\"+\": { next: bye }"),
        ["an option language that is not a tag"] = Replace("{ next: bye }", "{ language: english, next: bye }"),
        ["next to a list"] = Replace("    next: main", "    next: [main]"),
        ["an empty say"] = Replace("say: Dzień dobry.", "say: \"\""),
        ["a say with nothing"] = Replace("say: Dzień dobry.", "say:"),
        ["a say as a list"] = Replace("say: Dzień dobry.", "say: [Dzień, dobry.]"),
        ["an empty text map"] = Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "{}"),
        ["a text longer than Twilio's <Say> takes"] = Replace("en-US: Choose", $"en-US: {new string('a', 4097)}"),
        ["speech as a list"] = Replace("speech: { pl-PL: [zamówienie], en-US: [order] }", "speech: [zamówienie, order]"),
        ["an empty keyword list"] = Replace("en-US: [order]", "en-US: []"),
        ["a keyword that is a map"] = Replace("en-US: [order]", "en-US: { a: b }"),
        ["messages as a list"] = Valid + "\nmessages:\n  - goodbye",
    };

    [Theory]
    [MemberData(nameof(BrokenFileNames))]
    public void AFileBrokenInShape_IsRefusedByTheLoaderAndTheSchema_AtTheSameSpot(string name)
    {
        var yaml = BrokenFiles[name];
        var loaderErrors = Load(yaml).Errors.ToList();
        Assert.NotEmpty(loaderErrors);
        var loaderError = loaderErrors[0];

        var failures = MenuSchema.Failures(yaml);

        // The schema names the value the loader names, or the map holding it (a missing key, two actions).
        var pointer = MenuSchema.Pointer(loaderError.Path);
        Assert.True(
            failures.Any(f => f.Location == pointer || f.Location == MenuSchema.Parent(pointer)),
            $"the loader says {loaderError}; the schema {(failures.Count == 0 ? "accepts the file" : "fails at " + string.Join(", ", failures.Select(f => $"'{f.Location}' {f.Message}").Distinct()))}");
    }

    [Fact]
    public void TheSchema_KnowsTheKeysTheLoaderKnows()
    {
        var definitions = MenuSchema.Document["definitions"]!;

        Assert.Equal(MenuFileReader.RootKeys, Keys(MenuSchema.Document));
        Assert.Equal(MenuFileReader.HotlineKeys, Keys(definitions["hotline"]!));
        Assert.Equal(MenuFileReader.DepartmentKeys, Keys(definitions["department"]!));
        Assert.Equal(MenuFileReader.ReturningKeys, Keys(definitions["returning"]!));
        Assert.Equal(MenuFileReader.AgentKeys, Keys(definitions["agent"]!));
        Assert.Equal(MenuFileReader.MenuKeys, Keys(definitions["menu"]!));
        Assert.Equal(MenuFileReader.OptionKeys, Keys(definitions["option"]!));
        Assert.Equal(SystemMessages.Defaults.Keys.Order(), Keys(definitions["messages"]!).Order());
    }

    [Fact]
    public void EveryKeyInTheSchema_HasADescription_ForEditorsToShow()
    {
        var sections = MenuSchema.Document["definitions"]!.AsObject().Append(new("(root)", MenuSchema.Document));

        // Editors show a key's own description, or else the one of the definition it refers to.
        var undescribed =
            from section in sections
            where section.Value!["properties"] is JsonObject
            from key in section.Value!["properties"]!.AsObject()
            where key.Value!["description"] is null && Referenced(key.Value)?["description"] is null
            select $"{section.Key}.{key.Key}";

        Assert.Empty(undescribed);
    }

    public static TheoryData<string> AcceptedFileNames => new(AcceptedFiles.Keys);

    public static TheoryData<string> BrokenFileNames => new(BrokenFiles.Keys);

    private static IEnumerable<string> Keys(JsonNode schema) => schema["properties"]!.AsObject().Select(property => property.Key);

    private static JsonNode? Referenced(JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? MenuSchema.Document["definitions"]![reference.Replace("#/definitions/", "")]
            : null;

    [GeneratedRegex(@"^# yaml-language-server: \$schema=(\S+)$")]
    private static partial Regex SchemaComment();
}
