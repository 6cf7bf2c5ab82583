namespace Ivr.Flows.Loading;

/// <summary>Reads and validates <c>ivr-menus.yaml</c> (format v1, see docs/menu-format.md).</summary>
public static partial class MenuLoader
{
    /// <summary>
    /// Parses and validates <paramref name="yaml"/>; <paramref name="fileName"/> is used in problem messages.
    /// Never throws on bad input: every problem comes back in the result.
    /// </summary>
    public static MenuLoadResult Load(string yaml, string fileName) => throw new NotImplementedException();
}
