using System.Text.RegularExpressions;

namespace Ivr.Flows.Loading;

/// <summary>Gathers the problems of one file so that the admin sees all of them after a single edit.</summary>
internal sealed class ProblemCollector(string fileName)
{
    private readonly List<MenuProblem> _problems = [];

    public bool HasErrors => _problems.Any(p => p.Severity == ProblemSeverity.Error);

    public void Error(YamlNode at, string path, string message) => Error(at.Line, at.Column, path, message);

    public void Error(int line, int column, string path, string message) =>
        _problems.Add(new MenuProblem(fileName, line, column, path, message, ProblemSeverity.Error));

    public void Warning(YamlNode at, string path, string message) =>
        _problems.Add(new MenuProblem(fileName, at.Line, at.Column, path, message, ProblemSeverity.Warning));

    /// <summary>The problems in file order (OrderBy is stable, so problems at one spot keep the order found).</summary>
    public IReadOnlyList<MenuProblem> InFileOrder() =>
        _problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
}

/// <summary>Dotted paths like <c>menus.main.options."3".route</c>.</summary>
internal static partial class NodePath
{
    /// <summary>The path of <paramref name="key"/> under <paramref name="parent"/>; keys that are not plain names are quoted.</summary>
    public static string Key(string parent, string key)
    {
        var part = PlainName().IsMatch(key) ? key : $"\"{key.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";
        return parent.Length == 0 ? part : $"{parent}.{part}";
    }

    /// <summary>The path of a list item.</summary>
    public static string Index(string parent, int index) => $"{parent}[{index}]";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex PlainName();
}

/// <summary>"Did you mean" suggestions for misspelt keys and names.</summary>
internal static class Suggest
{
    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="typed"/>, if it is close enough to be a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates, int maxDistance = 2)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        // A distance as long as the word itself is a different word, not a typo.
        return best is not null && bestDistance <= maxDistance && bestDistance < typed.Length ? best : null;
    }

    /// <summary>A short list of names for a message, cut off when there are many.</summary>
    public static string List(IEnumerable<string> names, int max = 15)
    {
        var all = names.ToList();
        return all.Count == 0 ? "none"
            : all.Count <= max ? string.Join(", ", all)
            : string.Join(", ", all.Take(max)) + $", ... ({all.Count - max} more)";
    }

    // Optimal string alignment distance: a swap of two neighbouring letters counts as one typo.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
