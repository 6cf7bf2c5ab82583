using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

/// <summary>How serious a problem in the menu file is.</summary>
public enum ProblemSeverity
{
    /// <summary>The file cannot be used.</summary>
    Error,
    /// <summary>The file works, but something in it looks unintended (an unreachable menu).</summary>
    Warning,
}

/// <summary>One problem found in the menu file, with where it is.</summary>
/// <param name="File">The file name as given to the loader.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Path">Dotted path of the node, keys that are not plain names quoted: <c>menus.main.options."3".route</c>.</param>
/// <param name="Message">What is wrong and, where it helps, what would be right.</param>
/// <param name="Severity">Error or warning.</param>
public sealed record MenuProblem(string File, int Line, int Column, string Path, string Message, ProblemSeverity Severity)
{
    /// <summary><c>file:line:column path: message</c>, with "warning: " before the message for warnings.</summary>
    public override string ToString() =>
        $"{File}:{Line}:{Column} {Path}: {(Severity == ProblemSeverity.Warning ? "warning: " : "")}{Message}";
}

/// <summary>The outcome of loading a menu file: a definition when there are no errors, and every problem found.</summary>
/// <param name="Definition">The compiled menus; null when any error was found.</param>
/// <param name="Problems">Every error and warning, in file order.</param>
public sealed record MenuLoadResult(MenuDefinition? Definition, IReadOnlyList<MenuProblem> Problems)
{
    /// <summary>The errors only.</summary>
    public IEnumerable<MenuProblem> Errors => Problems.Where(p => p.Severity == ProblemSeverity.Error);

    /// <summary>True when the definition can be used.</summary>
    public bool IsValid => Definition is not null;
}
