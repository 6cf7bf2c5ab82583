using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

public class HotlineRuleTests
{
    [Fact]
    public void AnUnknownTimeZone_SuggestsTheClosestIanaId() =>
        SingleError(Replace("Europe/Warsaw", "Europe/Warsow"),
            "3:13", "hotline.timezone", "unknown time zone 'Europe/Warsow' (did you mean 'Europe/Warsaw'? use an IANA id such as Europe/Warsaw)");

    [Fact]
    public void ATimeZoneThatIsNotAnId_IsAnError() =>
        SingleError(Replace("Europe/Warsaw", "../../etc/passwd"),
            "3:13", "hotline.timezone", "unknown time zone '../../etc/passwd'");

    [Fact]
    public void AWindowsTimeZoneId_IsRefusedForTheIanaOne() =>
        SingleError(Replace("Europe/Warsaw", "Central European Standard Time"),
            "3:13", "hotline.timezone", "is a Windows time zone id; use the IANA id");

    [Fact]
    public void NoLanguages_IsAnError() =>
        SingleError(Replace("[pl-PL, en-US]", "[]"),
            "4:14", "hotline.languages", "no languages; list at least one");

    [Fact]
    public void ALanguageNotLikeXxYy_IsAnError()
    {
        var result = Load(Replace("[pl-PL, en-US]", "[pl-PL, english]"));

        AssertProblem(result.Errors.First(), "4:22", "hotline.languages[1]", "'english' is not a language tag like pl-PL or en-US");
    }

    [Fact]
    public void ALanguageListedTwice_IsAnError() =>
        SingleError(Replace("[pl-PL, en-US]", "[pl-PL, en-US, pl-PL]"),
            "4:29", "hotline.languages[2]", "language 'pl-PL' is listed twice");

    [Fact]
    public void AVoiceForALanguageThatIsNotConfigured_IsAnError() =>
        SingleError(Replace("{ pl-PL: Polly.Ewa }", "{ pl-PL: Polly.Ewa, de-DE: Polly.Marlene }"),
            "5:31", "hotline.voices.de-DE", "voice for 'de-DE', which is not one of the hotline's languages (pl-PL, en-US)");

    [Fact]
    public void AMissingName_IsAnError() =>
        SingleError(Replace("  name: Test Shop\n", ""),
            "2:3", "hotline.name", "missing 'name'");

    [Fact]
    public void AMissingMenusSection_IsAnError()
    {
        var yaml = Valid[..Valid.IndexOf("menus:", StringComparison.Ordinal)];

        var result = Load(yaml);

        Assert.Contains(result.Errors, e => e.Path == "menus" && e.Message.Contains("missing 'menus'") && e.Line == 1 && e.Column == 1);
    }

    [Fact]
    public void MalformedYaml_IsOneProblem_AtTheParsersPosition()
    {
        var result = Load(Replace("say: Dzień dobry.", "say: \"Dzień dobry."));

        var error = Assert.Single(result.Problems);
        Assert.Equal("(syntax)", error.Path);
        Assert.Equal(19, error.Line);
        Assert.StartsWith("not valid YAML: ", error.Message);
        Assert.DoesNotContain("Idx:", error.Message);
    }

    [Fact]
    public void AnUnquotedStarKey_IsMalformedYaml()
    {
        var result = Load(Replace("\"2\": { next: bye }", "*: { next: bye }"));

        var error = Assert.Single(result.Problems);
        AssertProblem(error, "25:7", "(syntax)", "not valid YAML");
    }

    [Fact]
    public void AnEmptyFile_IsAnError() =>
        SingleError("# nothing yet\n", "1:1", "(root)", "the file is empty");

    [Fact]
    public void TwoDocuments_AreAnError() =>
        SingleError(Valid + "\n---\nhotline: {}", "29:1", "(root)", "more than one YAML document");

    [Fact]
    public void MergeKeys_AreRefusedWithAHint() =>
        SingleError(Replace("    hours: { mon-fri: \"08:00-20:00\", sat: \"09:00-14:00\" }", "    hours: { <<: { mon: \"08:00-20:00\" }, sat: \"09:00-14:00\" }"),
            "11:14", "departments.orders.hours.\"<<\"", "merge keys ('<<') are not supported");

    [Fact]
    public void AlertThresholds_AreRead_InPercent()
    {
        var result = Load(Replace("  on_fail: main\n", "  on_fail: main\n  alerts: { service_level_below: 80, abandoned_above: 10 }\n"));

        Assert.Empty(result.Errors);
        Assert.Equal(new Ivr.Flows.Model.AlertThresholds(80, 10), result.Definition!.Hotline.Alerts);
    }

    [Fact]
    public void AnAlertThresholdOutOfRange_IsAnError_AtItsValue() =>
        SingleError(Replace("  on_fail: main\n", "  on_fail: main\n  alerts: { service_level_below: 0.8 }\n"),
            "8:34", "hotline.alerts.service_level_below", "expected a whole number from 1 to 100");

    [Fact]
    public void AnUnknownAlert_IsAnError_ThatNamesTheKnownOnes()
    {
        var result = Load(Replace("  on_fail: main\n", "  on_fail: main\n  alerts: { abandoned_over: 10 }\n"));

        Assert.Contains(result.Errors, e => e.Path == "hotline.alerts.abandoned_over" && e.Message.Contains("abandoned_above"));
    }
}
