using System.Security.Cryptography;
using System.Text;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;

namespace Ivr.Flows.Tests.Loading;

public class MenuLoaderTests
{
    [Fact]
    public void TheSampleHotline_LoadsWithoutErrorsOrWarnings()
    {
        var result = MenuLoader.Load(File.ReadAllText("ivr-menus.yaml"), "ivr-menus.yaml");

        Assert.Empty(result.Problems.Select(p => p.ToString()));
        var definition = Assert.IsType<MenuDefinition>(result.Definition);
        Assert.Equal(["pl-PL", "en-US"], definition.Hotline.Languages);
        Assert.Equal(["orders", "returns", "complaints", "delivery"], definition.Departments.Keys);
        Assert.Contains(new DateOnly(2027, 1, 6), definition.Departments["delivery"].Hours.Closed);
    }

    [Fact]
    public void TheSampleHotline_StartsWithTheSchemaLine()
    {
        Assert.Equal("# yaml-language-server: $schema=docs/menu.schema.json", File.ReadLines("ivr-menus.yaml").First());
    }

    [Fact]
    public void AValidFile_BuildsTheWholeModel()
    {
        var result = MenuYaml.Load(MenuYaml.Valid);

        Assert.Empty(result.Problems);
        var definition = Assert.IsType<MenuDefinition>(result.Definition);
        Assert.Equal("Test Shop", definition.Hotline.Name);
        Assert.Equal("Europe/Warsaw", definition.Hotline.TimeZone.Id);
        Assert.Equal("welcome", definition.Hotline.Start);
        Assert.Equal("Polly.Ewa", definition.VoiceFor("pl-PL"));
        Assert.Null(definition.VoiceFor("en-US"));

        var orders = definition.Departments["orders"];
        Assert.Equal("the orders team", orders.Title.For("en-US"));
        Assert.Equal([new TimeRange(new TimeOnly(8, 0), new TimeOnly(20, 0))], orders.Hours.Weekly[DayOfWeek.Friday]);
        Assert.False(orders.Hours.Weekly.ContainsKey(DayOfWeek.Sunday));
        Assert.Equal([new DateOnly(2026, 12, 24)], orders.Hours.Closed);
        Assert.Equal(
            [new Agent("Anna", AgentKind.Phone, "+48221234501"), new Agent("Piotr", AgentKind.Sip, "sip:piotr@example.sip.twilio.com")],
            orders.Agents);
        Assert.Equal(120, orders.OfferCallbackAfterSeconds);

        var welcome = definition.Menus["welcome"];
        Assert.Equal("Dzień dobry.", welcome.Say!.For("en-US"));
        Assert.Equal(new MenuAction.GoTo("main"), welcome.Action);
        Assert.False(welcome.AsksForInput);

        var main = definition.Menus["main"];
        Assert.Equal("Choose", main.Prompt!.For("en-US"));
        Assert.Equal(["1", "2"], main.Options.Select(o => o.Key));
        Assert.Equal(new MenuAction.Route("orders"), main.Options[0].Action);
        Assert.Equal(["order"], main.Options[0].Speech["en-US"]);
        Assert.Equal(new MenuAction.Hangup(), definition.Menus["bye"].Action);
    }

    [Fact]
    public void AttemptsTimeoutAndOnFail_DefaultFromTheHotline_AndAMenuMayOverrideThem()
    {
        var yaml = MenuYaml.Replace("    prompt: {", "    attempts: 2\n    timeout: 10\n    on_fail: bye\n    prompt: {");

        var definition = MenuYaml.Load(yaml).Definition!;

        Assert.Equal((3, 5, "main"), (definition.Hotline.Attempts, definition.Hotline.TimeoutSeconds, definition.Hotline.OnFail));
        var welcome = definition.Menus["welcome"];
        Assert.Equal((3, 5, "main"), (welcome.Attempts, welcome.TimeoutSeconds, welcome.OnFail));
        var main = definition.Menus["main"];
        Assert.Equal((2, 10, "bye"), (main.Attempts, main.TimeoutSeconds, main.OnFail));
    }

    [Fact]
    public void OnFail_IsNull_WhenNeitherTheMenuNorTheHotlineSetsIt()
    {
        var definition = MenuYaml.Load(MenuYaml.Replace("  on_fail: main\n", "")).Definition!;

        Assert.Null(definition.Hotline.OnFail);
        Assert.Null(definition.Menus["main"].OnFail);
    }

    [Fact]
    public void Version_IsTheFirst12HexCharactersOfTheSha256OfTheText()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(MenuYaml.Valid)))[..12];

        Assert.Equal(expected, MenuYaml.Load(MenuYaml.Valid).Definition!.Version);
        Assert.Matches("^[0-9a-f]{12}$", expected);
        Assert.NotEqual(expected, MenuYaml.Load(MenuYaml.Valid + "\n# edited").Definition!.Version);
    }

    [Fact]
    public void Problems_AreFormattedAsFileLineColumnPathMessage()
    {
        var error = MenuYaml.Load(MenuYaml.Replace("route: orders", "route: complaint")).Errors.Single();

        Assert.Equal(
            "ivr-menus.yaml:24:21 menus.main.options.\"1\".route: unknown department 'complaint' (known: orders)",
            error.ToString());
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce_InFileOrder()
    {
        var yaml = MenuYaml.Valid
            .Replace("timezone: Europe/Warsaw", "timezone: Mars/Olympus")
            .Replace("route: orders", "route: sales")
            .Replace("hangup: true", "hangup: maybe");

        var result = MenuYaml.Load(yaml);

        Assert.Null(result.Definition);
        Assert.Equal(["3:13", "24:21", "28:13"], result.Errors.Select(p => $"{p.Line}:{p.Column}"));
    }

    [Fact]
    public void AMenuNothingLeadsTo_IsAWarning_AndTheFileStillLoads()
    {
        var result = MenuYaml.Load(MenuYaml.Valid + "\n  orphan:\n    say: Hej\n    hangup: true");

        Assert.NotNull(result.Definition);
        var warning = Assert.Single(result.Problems);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        MenuYaml.AssertProblem(warning, "29:3", "menus.orphan", "menu 'orphan' is never reached");
        Assert.StartsWith("ivr-menus.yaml:29:3 menus.orphan: warning: ", warning.ToString());
    }

    [Fact]
    public void AKeywordTwoOptionsShare_IsAWarning_NamingTheOptionThatWins()
    {
        var result = MenuYaml.Load(MenuYaml.Replace(
            "\"2\": { next: bye }", "\"2\": { next: bye, speech: { pl-PL: [Zamowienie] } }"));

        Assert.NotNull(result.Definition);
        var warning = Assert.Single(result.Problems);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        MenuYaml.AssertProblem(warning, "25:35", "menus.main.options.\"2\".speech.pl-PL",
            "keyword 'Zamowienie' also chooses option \"1\"");
    }

    [Fact]
    public void MenusReachedOnlyThroughOnFail_AreNotWarnedAbout()
    {
        // main is now reached only as the hotline's on_fail, and extra only as main's.
        var yaml = MenuYaml.Replace("    next: main\n", "    next: bye\n")
            .Replace("    prompt: {", "    on_fail: extra\n    prompt: {")
            + "\n  extra:\n    say: Hej\n    hangup: true";

        var result = MenuYaml.Load(yaml);

        Assert.Empty(result.Problems);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n# only a comment\n")]
    [InlineData("[")]
    [InlineData("- a\n- b")]
    [InlineData("just text")]
    [InlineData("hotline: [")]
    [InlineData("hotline: *nowhere")]
    [InlineData("a: &x [*x]")]
    [InlineData("? [a, b]\n: c")]
    [InlineData("hotline:\n\tname: x")]
    [InlineData("hotline: !!binary aGVsbG8=\nmenus: {}")]
    [InlineData("--- a\n--- b")]
    [InlineData("hotline:\n  languages: [pl-PL]\n  start: m\nmenus:\n  m: { options: { \"1\": [] }, prompt: [] }")]
    [InlineData("hotline: { languages: [[pl-PL]], voices: [x], timezone: { a: b }, attempts: [1] }")]
    [InlineData("departments: { d: { hours: { mon: [] }, closed: [[1]], agents: [[], { phone: [] }] } }")]
    [InlineData("menus: { m: { options: { \"1\": { speech: { pl-PL: { a: b } } } } } }")]
    [InlineData("messages: { goodbye: [] }\nhotline: { languages: [xx-XX] }")]
    public void AnyInput_GivesProblems_NeverAnException(string yaml)
    {
        var result = MenuYaml.Load(yaml);

        Assert.Null(result.Definition);
        Assert.NotEmpty(result.Errors);
        Assert.All(result.Problems, p => Assert.True(p.Line >= 1 && p.Column >= 1));
    }

    [Fact]
    public void EveryTruncationOfTheSample_GivesProblems_NeverAnException()
    {
        var lines = File.ReadAllLines("ivr-menus.yaml");
        for (var count = 0; count < lines.Length; count++)
        {
            var result = MenuYaml.Load(string.Join('\n', lines.Take(count)));
            Assert.NotNull(result);
        }
        for (var skip = 0; skip < lines.Length; skip++)
        {
            var result = MenuYaml.Load(string.Join('\n', lines.Where((_, i) => i != skip)));
            Assert.NotNull(result);
        }
    }

    [Fact]
    public void AnAliasBomb_IsRefused()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
            yaml.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");

        var result = MenuYaml.Load(yaml.ToString());

        Assert.Contains(result.Errors, p => p.Message.Contains("aliases expand the file"));
    }

    [Fact]
    public void AliasesAreResolved()
    {
        var yaml = MenuYaml.Replace("closed: [\"2026-12-24\"]", "closed: &holidays [\"2026-12-24\", \"2026-12-25\"]")
            .Replace("    offer_callback_after: 120", "    offer_callback_after: 120\n  returns:\n    title: returns\n    hours: { mon: \"08:00-16:00\" }\n    closed: *holidays\n    agents: [{ name: Ola, client: ola }]");

        var definition = MenuYaml.Load(yaml).Definition!;

        Assert.Equal(2, definition.Departments["returns"].Hours.Closed.Count);
        Assert.Equal(new Agent("Ola", AgentKind.Client, "ola"), definition.Departments["returns"].Agents.Single());
    }
}
