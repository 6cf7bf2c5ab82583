using Ivr.Api.Persistence;
using Ivr.Flows.Loading;

namespace Ivr.Api.Menus;

/// <summary>
/// One activation of a menu, as listed: which content (by hash) went live, when, how, by whom and why (for a save or
/// rollback), and whether it is live now.
/// </summary>
public sealed record MenuVersionInfo(long Id, string Version, DateTimeOffset LoadedAt, string Source, string File, bool Live,
    string? Author, string? Note);

/// <summary>Who saved or rolled back a menu, and the note they left.</summary>
public sealed record MenuChangeBy(string Author, string? Note);

/// <summary>An activation with the YAML that went live.</summary>
public sealed record MenuVersionContent(MenuVersionInfo Info, string Content);

/// <summary>The differences between the contents of two activations.</summary>
public sealed record MenuDiff(MenuVersionInfo From, MenuVersionInfo To, IReadOnlyList<DiffHunk> Hunks);

/// <summary>
/// What an admin does with the menu while calls go on: look at its versions, compare two, check a text, save one,
/// go back to an earlier one. A save or rollback replaces the menu file, so the file always holds the live menu.
/// </summary>
public sealed class MenuAdmin(MenuCatalog catalog, MenuVersionStore versions)
{
    /// <summary>Every activation, newest first.</summary>
    public async Task<IReadOnlyList<MenuVersionInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var live = catalog.Live.ActivationId;
        return (await versions.ListActivationsAsync(cancellationToken)).Select(row => Info(row, live)).ToList();
    }

    /// <summary>An activation and its content; null when there is no such activation.</summary>
    public async Task<MenuVersionContent?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        if (await versions.FindActivationAsync(id, cancellationToken) is not { } row
            || await versions.FindContentAsync(row.Version, cancellationToken) is not { } content)
            return null;
        return new MenuVersionContent(Info(row, catalog.Live.ActivationId), content);
    }

    /// <summary>What changed from activation <paramref name="from"/> to <paramref name="to"/>; null when either is unknown.</summary>
    public async Task<MenuDiff?> DiffAsync(long from, long to, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(from, cancellationToken) is not { } before || await FindAsync(to, cancellationToken) is not { } after)
            return null;
        return new MenuDiff(before.Info, after.Info, LineDiff.Hunks(LineDiff.Compare(before.Content, after.Content)));
    }

    /// <summary>Every problem of <paramref name="content"/> as the menu file, without saving anything.</summary>
    public MenuLoadResult Validate(string content) => catalog.Validate(content);

    /// <summary>Saves <paramref name="content"/> as the menu file and makes it live, or returns its problems and writes nothing.</summary>
    public Task<MenuChange> SaveAsync(string content, MenuChangeBy by, CancellationToken cancellationToken = default) =>
        catalog.WriteAsync(content, MenuSource.Console, by, cancellationToken);

    /// <summary>
    /// Makes the content of activation <paramref name="id"/> live again as a new activation, rewriting the menu
    /// file with it; null when there is no such activation.
    /// </summary>
    public async Task<MenuChange?> RollBackAsync(long id, MenuChangeBy by, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(id, cancellationToken) is not { } version)
            return null;
        return await catalog.WriteAsync(version.Content, MenuSource.Rollback, by, cancellationToken);
    }

    private static MenuVersionInfo Info(MenuActivationRow row, long live) =>
        new(row.Id, row.Version, row.ActivatedAtTime, row.Source, row.File, row.Id == live, row.Author, row.Note);
}
