using Ivr.Flows.Loading;

namespace Ivr.Flows.Tests.Loading;

/// <summary>A slip in one reference is reported once, at the slip, not as a warning for every menu behind it.</summary>
public class UnreachableMenuTests
{
    private static readonly string Sample = File.ReadAllText("ivr-menus.yaml");

    [Fact]
    public void ATypoInTheFirstNext_IsOneErrorWithTheLikelyMenu_AndNoFollowOnWarnings()
    {
        var welcomeNext = Sample.IndexOf("    next: main\n", StringComparison.Ordinal);
        var typo = Sample[..welcomeNext] + "    next: mian\n" + Sample[(welcomeNext + "    next: main\n".Length)..];

        var result = MenuLoader.Load(typo, "ivr-menus.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal(ProblemSeverity.Error, problem.Severity);
        Assert.Equal("menus.welcome.next", problem.Path);
        Assert.Contains("unknown menu 'mian'", problem.Message);
        Assert.EndsWith("did you mean 'main'?", problem.Message);
    }

    [Fact]
    public void AMenuNobodyLeadsTo_IsOneWarning_ThatNamesTheMenusOnlyItLeadsTo()
    {
        var cut = string.Join('\n', Sample.Split('\n').Where(line => !line.Contains("\"2\": { next: returns,")));

        var result = MenuLoader.Load(cut, "ivr-menus.yaml");

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Problems);
        Assert.Equal("menus.returns", warning.Path);
        Assert.Contains("menu 'returns' is never reached", warning.Message);
        Assert.Contains("'returns_info'", warning.Message);
    }

    [Fact]
    public void AMenuOnlyTheOnFailOfAMenuWithoutOptionsLeadsTo_IsWarnedAbout_AsNoCallerCanGetThere()
    {
        // welcome only speaks and goes on, so it never fails: its on_fail leads nowhere.
        var yaml = MenuYaml.Replace("    next: main\n", "    next: main\n    on_fail: extra\n")
            + "\n  extra:\n    say: Hej\n    hangup: true";

        var result = MenuYaml.Load(yaml);

        var warning = Assert.Single(result.Problems);
        Assert.Equal("menus.extra", warning.Path);
        Assert.Contains("menu 'extra' is never reached", warning.Message);
    }
}
