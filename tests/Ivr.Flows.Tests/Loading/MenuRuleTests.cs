using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

public class MenuRuleTests
{
    [Fact]
    public void ADuplicateKey_IsAnError_PointingAtTheFirst() =>
        SingleError(Replace("    hangup: true", "    hangup: true\n    say: again"),
            "29:5", "menus.bye.say", "duplicate key 'say' (first at line 27, column 5)");

    [Fact]
    public void ADuplicateMenu_IsAnError() =>
        SingleError(Valid + "\n  main:\n    say: again\n    hangup: true",
            "29:3", "menus.main", "duplicate key 'main' (first at line 21, column 3)");

    [Fact]
    public void ADuplicateKeyInAFlowMap_IsAnError() =>
        SingleError(Replace("{ next: bye }", "{ next: bye, next: main }"),
            "25:25", "menus.main.options.\"2\".next", "duplicate key 'next'");

    [Fact]
    public void ADuplicateOptionKey_QuotedOrNot_IsAnError() =>
        SingleError(Replace("      \"2\": { next: bye }", "      \"2\": { next: bye }\n      2: { next: main }"),
            "26:7", "menus.main.options.\"2\"", "duplicate key '2'");

    [Theory]
    [InlineData("\"10\"", "10")]
    [InlineData("a", "a")]
    [InlineData("\"+\"", "+")]
    public void AnOptionKey_ThatIsNotAPhoneKey_IsAnError(string yamlKey, string key)
    {
        var result = Load(Replace("\"2\": { next: bye }", $"{yamlKey}: {{ next: bye }}"));

        var error = Assert.Single(result.Errors);
        AssertProblem(error, "25:7", $"menus.main.options.{(key == "a" ? "a" : $"\"{key}\"")}", $"'{key}' is not a phone key (use one of 0-9, \"*\", \"#\"");
    }

    [Fact]
    public void StarAndHash_AreOptionKeys()
    {
        var result = Load(Replace("\"2\": { next: bye }", "\"*\": { next: bye }\n      \"#\": { hangup: true }"));

        Assert.Empty(result.Problems);
        Assert.Equal(["1", "*", "#"], result.Definition!.Menus["main"].Options.Select(o => o.Key));
    }

    [Fact]
    public void AMenuWithNoAction_IsAnError() =>
        SingleError(Replace("    hangup: true", ""),
            "26:3", "menus.bye", "menu 'bye' does nothing; give it one of options (with prompt), next, route, callback or hangup: true");

    [Fact]
    public void AMenuWithTwoActions_IsAnError() =>
        SingleError(Replace("    hangup: true", "    hangup: true\n    next: main"),
            "29:5", "menus.bye.next", "menu 'bye' already has 'hangup'; a menu does exactly one of options, next, route, callback, hangup");

    [Fact]
    public void AMenuWithOptionsAndNext_IsAnError() =>
        SingleError(Replace("    options:", "    next: bye\n    options:"),
            "24:5", "menus.main.options", "menu 'main' already has 'next'");

    [Fact]
    public void AnOptionWithNoAction_IsAnError()
    {
        var result = Load(Replace("{ next: bye }", "{ say: Hej }"));

        var error = Assert.Single(result.Errors);
        AssertProblem(error, "25:7", "menus.main.options.\"2\"", "option '2' does nothing; give it one of next, route, callback or hangup: true");
    }

    [Fact]
    public void AnOptionWithTwoActions_IsAnError() =>
        SingleError(Replace("{ next: bye }", "{ next: bye, hangup: true }"),
            "25:25", "menus.main.options.\"2\".hangup", "option '2' already has 'next'; an option does exactly one of next, route, callback, hangup");

    [Fact]
    public void Hangup_TakesOnlyTrue() =>
        SingleError(Replace("hangup: true", "hangup: no"),
            "28:13", "menus.bye.hangup", "hangup takes true (hangup: true), found 'no'");

    [Fact]
    public void OptionsWithoutAPrompt_AreAnError() =>
        SingleError(Replace("    prompt: { pl-PL: Wybierz, en-US: Choose }\n", ""),
            "22:5", "menus.main.options", "options need a 'prompt'");

    [Fact]
    public void APromptWithoutOptions_IsAnError() =>
        SingleError(Replace("    say: Dzień dobry.", "    prompt: Dzień dobry."),
            "19:5", "menus.welcome.prompt", "'prompt' is only used by a menu with options");

    [Fact]
    public void EmptyOptions_AreAnError()
    {
        var yaml = Valid.Replace("      \"1\": { route: orders, speech: { pl-PL: [zamówienie], en-US: [order] } }\n      \"2\": { next: bye }", "")
            .Replace("    options:", "    options: {}");

        var result = Load(yaml);

        AssertProblem(result.Errors.First(), "23:14", "menus.main.options", "no options");
    }

    [Fact]
    public void AnUnknownKey_SuggestsTheClosestKnownOne()
    {
        var result = Load(Replace("    prompt:", "    promt:"));

        AssertProblem(result.Errors.First(), "22:5", "menus.main.promt", "unknown key 'promt' (did you mean 'prompt'?)");
    }

    [Fact]
    public void AnUnknownKeyFarFromAnyKnownOne_ListsTheKnownKeys() =>
        SingleError(Replace("    hangup: true", "    hangup: true\n    colour: blue"),
            "29:5", "menus.bye.colour", "unknown key 'colour' (known: say, prompt, options, next, route, callback, hangup, attempts, timeout, on_fail, lookup, found, not_found, on_error)");

    [Theory]
    [InlineData("hotline:\n", "hotlin:\n", "1:1", "hotlin", "unknown key 'hotlin' (did you mean 'hotline'?)")]
    [InlineData("  timezone:", "  time_zone:", "3:3", "hotline.time_zone", "unknown key 'time_zone' (did you mean 'timezone'?)")]
    [InlineData("    hours:", "    hour:", "11:5", "departments.orders.hour", "unknown key 'hour' (did you mean 'hours'?)")]
    [InlineData("{ name: Anna, phone:", "{ name: Anna, phnoe:", "14:23", "departments.orders.agents[0].phnoe", "unknown key 'phnoe' (did you mean 'phone'?)")]
    [InlineData("speech: { pl-PL: [zamówienie]", "speach: { pl-PL: [zamówienie]", "24:29", "menus.main.options.\"1\".speach", "unknown key 'speach' (did you mean 'speech'?)")]
    public void UnknownKeys_AreCaughtInEverySection(string oldText, string newText, string position, string path, string message)
    {
        var result = Load(Replace(oldText, newText));

        Assert.Contains(result.Errors, e => $"{e.Line}:{e.Column}" == position && e.Path == path && e.Message.Contains(message));
    }

    [Fact]
    public void AListWhereAMapIsExpected_IsAnError() =>
        SingleError(Replace("    options:\n      \"1\": { route: orders, speech: { pl-PL: [zamówienie], en-US: [order] } }\n      \"2\": { next: bye }",
                "    options:\n      - { route: orders }"),
            "24:7", "menus.main.options", "expected a map from phone keys to options (\"1\": { route: orders }), found a list");

    [Fact]
    public void AMapWhereAListIsExpected_IsAnError() =>
        SingleError(Replace("closed: [\"2026-12-24\"]", "closed: { christmas: \"2026-12-24\" }"),
            "12:13", "departments.orders.closed", "expected a list of dates");

    [Fact]
    public void ATextWhereAMapIsExpected_IsAnError() =>
        SingleError(Replace("  orders:\n    title: { pl-PL: dział zamówień, en-US: the orders team }\n    hours: { mon-fri: \"08:00-20:00\", sat: \"09:00-14:00\" }\n    closed: [\"2026-12-24\"]\n    agents:\n      - { name: Anna, phone: \"+48221234501\" }\n      - { name: Piotr, sip: \"sip:piotr@example.sip.twilio.com\" }\n    offer_callback_after: 120\n",
                "  orders: the orders team\n").Replace("route: orders", "hangup: true"),
            "9:11", "departments.orders", "expected a department (title, hours, closed, agents), found 'the orders team'");

    [Fact]
    public void ALoopOfNext_WithNoInput_IsAnError() =>
        SingleError(Replace("    next: main\n", "    next: intro\n  intro:\n    say: Hej\n    next: welcome\n"),
            "20:11", "menus.welcome.next", "menus welcome -> intro -> welcome go round through next without asking for input");

    [Fact]
    public void AMenuThatGoesToItself_IsALoop() =>
        SingleError(Replace("    hangup: true", "    next: bye"),
            "28:11", "menus.bye.next", "menus bye -> bye go round");

    [Fact]
    public void ALoopThroughAMenuWithOptions_IsFine()
    {
        var result = Load(Replace("{ next: bye }", "{ next: welcome }"));

        Assert.Empty(result.Errors);
        Assert.NotNull(result.Definition);
    }

    [Theory]
    [InlineData("  attempts: 0", "  attempts", "hotline.attempts", "0 is out of range; use a whole number from 1 to 10")]
    [InlineData("  attempts: 11", "  attempts", "hotline.attempts", "11 is out of range; use a whole number from 1 to 10")]
    [InlineData("  attempts: three", "  attempts", "hotline.attempts", "expected a whole number from 1 to 10, found 'three'")]
    [InlineData("  timeout: 0", "  timeout", "hotline.timeout", "0 is out of range; use a whole number from 1 to 60")]
    [InlineData("  timeout: 61", "  timeout", "hotline.timeout", "61 is out of range; use a whole number from 1 to 60")]
    public void HotlineAttemptsAndTimeout_MustBeInRange(string line, string key, string path, string message) =>
        SingleError(Replace("  start: welcome\n", $"  start: welcome\n{line}\n"),
            $"7:{key.Length + 3}", path, message);

    [Theory]
    [InlineData("attempts: 11", "menus.main.attempts", "from 1 to 10")]
    [InlineData("timeout: 600", "menus.main.timeout", "from 1 to 60")]
    public void MenuAttemptsAndTimeout_MustBeInRange(string line, string path, string message) =>
        SingleError(Replace("    prompt: {", $"    {line}\n    prompt: {{"),
            $"22:{line.IndexOf(':') + 7}", path, message);
}
