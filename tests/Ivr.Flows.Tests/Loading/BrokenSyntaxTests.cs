using Ivr.Flows.Loading;

namespace Ivr.Flows.Tests.Loading;

/// <summary>
/// An admin's one-character slip in the sample hotline, wherever it lands, is a problem with a line and column,
/// never an exception (which the console and the admin API would answer with 500).
/// </summary>
public class BrokenSyntaxTests
{
    private static readonly string[] Slips = ["{", "}", "[", "]", "\"", "'", "&a ", "*a ", "!", "!!", "|", ">", ":", "- ", "? ", "%", "@", "`", "\t", ",", "#"];

    public static TheoryData<string> Slipped() => [.. Slips];

    [Theory]
    [MemberData(nameof(Slipped))]
    public void ASlipAnywhereInTheSample_IsReportedWithItsPosition_NeverThrown(string slip)
    {
        var lines = File.ReadAllLines("ivr-menus.yaml");
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index];
            var valueAt = line.IndexOf(": ", StringComparison.Ordinal);
            int[] spots = valueAt < 0 ? [0, line.Length] : [0, valueAt + 2, line.Length];
            foreach (var spot in spots)
            {
                var broken = (string[])lines.Clone();
                broken[index] = line.Insert(spot, slip);
                var yaml = string.Join('\n', broken);

                var result = Record(() => MenuLoader.Load(yaml, "ivr-menus.yaml"), index + 1, spot + 1, slip);

                Assert.All(result.Problems, problem =>
                {
                    Assert.InRange(problem.Line, 1, broken.Length + 1);
                    Assert.True(problem.Column >= 1, problem.ToString());
                });
            }
        }
    }

    [Fact]
    public void AnUnclosedFlowMapping_IsASyntaxProblemAtItsLine()
    {
        var result = MenuLoader.Load("hotline: {name: Shop\ndepartments: {}\n", "menu.yaml");

        var problem = Assert.Single(result.Errors);
        Assert.Equal("(syntax)", problem.Path);
        Assert.Equal(2, problem.Line);
        Assert.Contains("not valid YAML", problem.Message);
    }

    private static MenuLoadResult Record(Func<MenuLoadResult> load, int line, int column, string slip)
    {
        try
        {
            return load();
        }
        catch (Exception exception)
        {
            Assert.Fail($"'{slip}' at {line}:{column} threw {exception}");
            throw;
        }
    }
}
