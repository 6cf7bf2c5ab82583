using System.Security.Cryptography;
using System.Text;

namespace Ivr.Flows.Loading;

/// <summary>Reads and validates <c>ivr-menus.yaml</c> (format v1, see docs/menu-format.md).</summary>
public static partial class MenuLoader
{
    /// <summary>
    /// Parses and validates <paramref name="yaml"/>; <paramref name="fileName"/> is used in problem messages.
    /// Never throws on bad input: every problem comes back in the result.
    /// </summary>
    public static MenuLoadResult Load(string yaml, string fileName)
    {
        var problems = new ProblemCollector(fileName);
        var definition = YamlTree.Read(yaml, problems) is { } root
            && new MenuFileReader(problems).Read(root) is { } file
                ? new MenuFileCompiler(file, problems).Compile(Version(yaml))
                : null;
        return new MenuLoadResult(problems.HasErrors ? null : definition, problems.InFileOrder());
    }

    /// <summary>The version of a menu file: the first 12 hex characters of the SHA-256 of its UTF-8 text.</summary>
    public static string Version(string yaml) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)))[..12];
}
