using System.Collections.Concurrent;
using Ivr.Api.Persistence;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Menus;

/// <summary>
/// The live menu and every version calls may still be on. New calls start on <see cref="Current"/>; a call in
/// progress keeps the version it started with, read back from the database after a restart if needed.
/// </summary>
public sealed class MenuCatalog(
    MenuVersionStore versions, IOptions<IvrOptions> options, TimeProvider time, ILogger<MenuCatalog> logger)
{
    private readonly ConcurrentDictionary<string, MenuDefinition> _byVersion = new();
    private volatile MenuDefinition? _current;

    public MenuDefinition Current =>
        _current ?? throw new InvalidOperationException("No menu is loaded: LoadAsync must succeed at start.");

    /// <summary>The menu file as configured, resolved against the working directory, then the app's folder.</summary>
    public string FilePath { get; } = ResolvePath(options.Value.MenuFile);

    /// <summary>Reads and validates the menu file; a valid one becomes the live version (and is stored).</summary>
    public async Task<MenuLoadResult> LoadAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(FilePath))
        {
            var problem = new MenuProblem(FilePath, 1, 1, "(file)",
                $"the menu file does not exist (set Ivr:MenuFile to its path; working directory {Environment.CurrentDirectory})",
                ProblemSeverity.Error);
            return new MenuLoadResult(null, [problem]);
        }

        var content = await File.ReadAllTextAsync(FilePath, cancellationToken);
        var result = MenuLoader.Load(content, Path.GetFileName(FilePath));
        foreach (var warning in result.Problems.Where(p => p.Severity == ProblemSeverity.Warning))
            logger.LogWarning("Menu file: {Problem}", warning.ToString());
        if (result.Definition is { } definition)
        {
            await versions.SaveAsync(definition.Version, FilePath, content, time.GetUtcNow(), cancellationToken);
            _byVersion[definition.Version] = definition;
            _current = definition;
            logger.LogInformation("Menu version {Version} from {File} is live", definition.Version, FilePath);
        }
        return result;
    }

    /// <summary>
    /// The definition of <paramref name="version"/>; the live one when that version is unknown or no longer loads
    /// (the call then continues on the live menu rather than failing).
    /// </summary>
    public async Task<MenuDefinition> ForVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        if (_byVersion.TryGetValue(version, out var known))
            return known;

        var content = await versions.FindContentAsync(version, cancellationToken);
        if (content is not null && MenuLoader.Load(content, $"version {version}").Definition is { } definition)
            return _byVersion.GetOrAdd(version, definition);

        logger.LogWarning("Menu version {Version} cannot be loaded; the call continues on the live version", version);
        return Current;
    }

    private static string ResolvePath(string configured)
    {
        if (Path.IsPathRooted(configured) || File.Exists(configured))
            return Path.GetFullPath(configured);
        var besideApp = Path.Combine(AppContext.BaseDirectory, configured);
        return File.Exists(besideApp) ? besideApp : Path.GetFullPath(configured);
    }
}
