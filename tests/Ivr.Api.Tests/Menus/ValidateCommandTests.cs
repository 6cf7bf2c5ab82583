using Ivr.Api.Menus;

namespace Ivr.Api.Tests;

/// <summary><c>validate [FILE] [--graph]</c>: checks a menu file without starting the service.</summary>
public sealed class ValidateCommandTests
{
    private static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exitCode = ValidateCommand.Run(args, output, errors);
        return (exitCode, output.ToString(), errors.ToString());
    }

    [Fact]
    public void AValidFile_Exits0_AndSaysSo()
    {
        using var folder = new MenuFolder();

        var (exitCode, output, errors) = Run(folder.FilePath);

        Assert.Equal(0, exitCode);
        Assert.Contains($"valid (version {MenuFolder.VersionOf(MenuFolder.Sample)}", output);
        Assert.Equal("", errors);
    }

    [Fact]
    public void AnInvalidFile_Exits1_WithEveryProblemAndItsPosition()
    {
        using var folder = new MenuFolder(MenuFolder.Sample
            .Replace("timezone: Europe/Warsaw", "timezone: Europe/Warszawa")
            .Replace("\"0\": { next: operator,", "\"0\": { next: operatorr,"));

        var (exitCode, _, errors) = Run(folder.FilePath);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{folder.FilePath}:8:13 hotline.timezone:", errors);
        Assert.Matches(@":\d+:\d+ menus\.main\.options\.""0""\.next: .*'operatorr'", errors);
        Assert.Contains("error(s)", errors);
    }

    [Fact]
    public void Graph_PrintsTheMermaidFlowchart()
    {
        using var folder = new MenuFolder();

        var (exitCode, output, _) = Run(folder.FilePath, "--graph");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("flowchart TD", output);
        Assert.Contains("menu_main -->|\"0 / speech\"| menu_operator", output);
    }

    [Fact]
    public void AMissingFile_Exits1()
    {
        var (exitCode, _, errors) = Run(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.yaml"));

        Assert.Equal(1, exitCode);
        Assert.Contains("no such file", errors);
    }

    [Theory]
    [InlineData("a.yaml", "b.yaml")]
    [InlineData("--grpah")]
    public void BadArguments_Exit2_WithTheUsage(params string[] args)
    {
        var (exitCode, _, errors) = Run(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("usage:", errors);
    }
}
