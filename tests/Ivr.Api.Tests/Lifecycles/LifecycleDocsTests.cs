using System.Text.RegularExpressions;
using Ivr.Api.Persistence;

namespace Ivr.Api.Tests;

/// <summary>docs/lifecycles.md draws each lifecycle exactly as the code defines it.</summary>
public sealed class LifecycleDocsTests
{
    public static TheoryData<string> Keys() => [.. Lifecycles.Diagrams().Keys];

    [Theory]
    [MemberData(nameof(Keys))]
    public void TheDocsShowTheLifecycle_AsTheCodeDrawsIt(string key)
    {
        var expected = Normalize(Lifecycles.Diagrams()[key]);
        var doc = File.ReadAllText(DocPath());
        var block = Regex.Match(doc, $@"<!-- lifecycle: {Regex.Escape(key)} -->\s*```mermaid\n(.*?)```", RegexOptions.Singleline);
        var shown = block.Success ? Normalize(block.Groups[1].Value) : null;
        Assert.True(shown == expected,
            $"docs/lifecycles.md does not show the {key} lifecycle as the code defines it. Put this under " +
            $"<!-- lifecycle: {key} -->:\n```mermaid\n{expected}\n```");
    }

    private static string Normalize(string text) => string.Join('\n', text.Replace("\r\n", "\n").Trim().Split('\n').Select(l => l.Trim()));

    private static string DocPath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var path = Path.Combine(folder.FullName, "docs", "lifecycles.md");
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException("docs/lifecycles.md was not found above " + AppContext.BaseDirectory);
    }
}
