using Ivr.Flows.Graph;
using Ivr.Flows.Loading;

namespace Ivr.Api.Menus;

/// <summary>
/// <c>validate [FILE] [--graph]</c>: checks a menu file without starting the service. Prints every problem as
/// <c>file:line:column path: message</c>; exit code 0 when the file is valid, 1 when not, 2 on bad arguments.
/// </summary>
public static class ValidateCommand
{
    public const string Usage = "usage: dotnet run --project src/Ivr.Api -- validate [FILE] [--graph]";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        var graph = args.Contains("--graph");
        var files = args.Where(a => a != "--graph").ToList();
        if (files.Count > 1 || files.Any(f => f.StartsWith("--")))
        {
            errors.WriteLine(Usage);
            return 2;
        }

        var path = files.FirstOrDefault() ?? "ivr-menus.yaml";
        if (!File.Exists(path))
        {
            errors.WriteLine($"{path}: no such file");
            return 1;
        }

        var result = MenuLoader.Load(File.ReadAllText(path), path);
        foreach (var problem in result.Problems)
            (problem.Severity == ProblemSeverity.Error ? errors : output).WriteLine(problem.ToString());
        if (result.Definition is not { } definition)
        {
            errors.WriteLine($"{path}: {result.Errors.Count()} error(s)");
            return 1;
        }

        if (graph)
            output.WriteLine(MenuGraph.ToMermaid(definition));
        else
            output.WriteLine($"{path}: valid (version {definition.Version}, {definition.Menus.Count} menus, " +
                             $"{definition.Departments.Count} departments)");
        return 0;
    }
}
