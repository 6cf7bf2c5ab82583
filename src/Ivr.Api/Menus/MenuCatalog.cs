using System.Collections.Concurrent;
using System.Text;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Menus;

/// <summary>How a menu version went live; stored with each activation.</summary>
public static class MenuSource
{
    /// <summary>Read from the file when the service started.</summary>
    public const string Start = "start";

    /// <summary>An edit of the file, picked up while the service runs.</summary>
    public const string File = "file";

    /// <summary>Saved through the admin API.</summary>
    public const string Console = "console";

    /// <summary>An earlier version made live again through the admin API.</summary>
    public const string Rollback = "rollback";
}

/// <summary>The menu new calls start on: its definition and YAML, and the activation that made it live.</summary>
public sealed record LiveMenu(MenuDefinition Definition, string Content, long ActivationId, string Source, DateTimeOffset LoadedAt);

/// <summary>An edit of the menu file that was refused; the last good version stayed live.</summary>
public sealed record RejectedReload(DateTimeOffset At, string File, IReadOnlyList<MenuProblem> Problems);

/// <summary>What became of a save: the menu now live, or (when <see cref="Live"/> is null) the problems that kept it out.</summary>
public sealed record MenuChange(LiveMenu? Live, IReadOnlyList<MenuProblem> Problems);

/// <summary>What a look at the menu file did.</summary>
public enum FileReload
{
    /// <summary>The file holds the live version.</summary>
    Unchanged,
    /// <summary>The file held a valid edit, now live.</summary>
    Activated,
    /// <summary>The file held an invalid edit (or was gone); the last good version stays live.</summary>
    Rejected,
    /// <summary>The file was no longer what the caller read; nothing was applied.</summary>
    ChangedMeanwhile,
}

/// <summary>
/// The live menu and every version calls may still be on. New calls start on <see cref="Current"/>; a call in
/// progress keeps the version it started with, read back from the database after a restart, or on another instance,
/// if needed. Every change of the live menu on this instance (an edit of the file, a save, a rollback) goes through
/// here, one at a time, so the file on disk and the live version move together. The live menu of all instances on
/// one database is its newest activation: each instance follows it (<see cref="FollowDatabaseAsync"/>, every second
/// from <see cref="MenuSync"/>) and writes it to its own menu file.
/// </summary>
public sealed class MenuCatalog(
    MenuVersionStore versions, AgentStore agents, IOptions<IvrOptions> options, TimeProvider time, ILogger<MenuCatalog> logger)
{
    private readonly ConcurrentDictionary<string, MenuDefinition> _byVersion = new();
    private readonly SemaphoreSlim _changing = new(1, 1);
    private volatile LiveMenu? _live;
    private volatile RejectedReload? _rejected;

    public MenuDefinition Current => Live.Definition;

    public LiveMenu Live =>
        _live ?? throw new InvalidOperationException("No menu is loaded: LoadAsync must succeed at start.");

    /// <summary>The last edit of the file that was refused; cleared when a good version goes live.</summary>
    public RejectedReload? RejectedReload => _rejected;

    /// <summary>The menu file as configured, resolved against the working directory, then the app's folder.</summary>
    public string FilePath { get; } = ResolvePath(options.Value.MenuFile);

    /// <summary>The file's name, as problems name it.</summary>
    public string FileName => Path.GetFileName(FilePath);

    /// <summary>
    /// Reads and validates the menu file at start. A valid one becomes the live version, unless the database already
    /// has a live menu (another instance runs, or ran, on it): then the file is the live menu itself (nothing new is
    /// recorded), an out-of-date copy (content the database had and has replaced since: the live menu wins and is
    /// written to the file), or an edit made while this instance was stopped (it goes live for every instance).
    /// </summary>
    public async Task<MenuLoadResult> LoadAsync(CancellationToken cancellationToken = default)
    {
        await _changing.WaitAsync(cancellationToken);
        try
        {
            var content = await ReadFileAsync(FilePath, cancellationToken);
            var result = content is null ? Missing() : Validate(content);
            if (!result.IsValid)
                return result;

            var version = result.Definition!.Version;
            if (await versions.NewestActivationAsync(cancellationToken) is { } newest
                && (newest.Version == version || await versions.FindContentAsync(version, cancellationToken) is not null)
                && await AdoptAsync(newest, cancellationToken))
            {
                if (newest.Version != version)
                    logger.LogWarning("{File} holds version {Old}, which the database has replaced since; version {Version} " +
                                      "(activation {Id}) stays live and the file is rewritten with it", FilePath, version, newest.Version, newest.Id);
                await agents.SyncAsync(Current, cancellationToken);
                return result;
            }
            await ActivateAsync(result, content!, MenuSource.Start, by: null, cancellationToken);
            return result;
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>Checks a text as the menu file would be checked, without applying it.</summary>
    public MenuLoadResult Validate(string content) => MenuLoader.Load(content, FileName);

    /// <summary>
    /// Applies the file as it is now, provided it still holds <paramref name="expected"/> (what the watcher read
    /// once it stopped changing; null for no file): a valid edit goes live, an invalid one is refused and
    /// remembered while the last good version stays live.
    /// </summary>
    public async Task<FileReload> ReloadFileAsync(string? expected, CancellationToken cancellationToken = default)
    {
        await _changing.WaitAsync(cancellationToken);
        try
        {
            // A save may have replaced the file since the watcher read it; the watcher then looks again.
            var content = await ReadFileAsync(FilePath, cancellationToken);
            if (content != expected)
                return FileReload.ChangedMeanwhile;
            if (content is not null && MenuLoader.Version(content) == Current.Version)
            {
                _rejected = null;
                return FileReload.Unchanged;
            }

            var result = content is null ? Missing() : Validate(content);
            if (result.IsValid)
            {
                // Another instance may have saved this very content (and written its file, or a file shared with
                // this one): it is live already, not a new activation.
                if (await versions.NewestActivationAsync(cancellationToken) is { } newest && newest.Version == result.Definition!.Version
                    && await AdoptAsync(newest, cancellationToken))
                    return FileReload.Activated;
                await ActivateAsync(result, content!, MenuSource.File, by: null, CancellationToken.None);
                return FileReload.Activated;
            }

            var errors = result.Errors.ToList();
            _rejected = new RejectedReload(time.GetUtcNow(), FilePath, errors);
            logger.LogError("The edit of {File} is refused and version {Version} stays live; {Count} error(s):{Problems}",
                FilePath, Current.Version, errors.Count, string.Concat(errors.Select(problem => $"{Environment.NewLine}  {problem}")));
            return FileReload.Rejected;
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// Validates <paramref name="content"/>; when it is valid, replaces the menu file with it atomically and makes
    /// it live (a new activation even when the content was live before). When it is not, nothing is written.
    /// </summary>
    public async Task<MenuChange> WriteAsync(string content, string source, MenuChangeBy by, CancellationToken cancellationToken = default)
    {
        var result = Validate(content);
        if (!result.IsValid)
            return new MenuChange(null, result.Problems);

        await _changing.WaitAsync(cancellationToken);
        try
        {
            // Once the file is replaced, the live version follows it whatever becomes of the request.
            await WriteFileAtomicallyAsync(FilePath, content);
            await ActivateAsync(result, content, source, by, CancellationToken.None);
            return new MenuChange(_live, result.Problems);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// Makes the database's newest activation live here when another instance (or this one) recorded one since this
    /// instance's live menu, and writes it to the menu file; true when the live menu changed. An activation whose
    /// content does not load here is skipped (logged once) and the live menu stays.
    /// </summary>
    public async Task<bool> FollowDatabaseAsync(CancellationToken cancellationToken = default)
    {
        if (await versions.NewestActivationAsync(cancellationToken) is not { } newest || newest.Id <= Live.ActivationId
            || newest.Id == _unloadable)
            return false;
        await _changing.WaitAsync(cancellationToken);
        try
        {
            // A save on this instance may have gone live meanwhile.
            return newest.Id > Live.ActivationId && await AdoptAsync(newest, cancellationToken);
        }
        finally
        {
            _changing.Release();
        }
    }

    private long _unloadable;

    /// <summary>Makes a recorded activation live here without recording a new one, and writes it to the menu file.</summary>
    private async Task<bool> AdoptAsync(MenuActivationRow activation, CancellationToken cancellationToken)
    {
        var content = await versions.FindContentAsync(activation.Version, cancellationToken);
        var loaded = content is null ? null : MenuLoader.Load(content, FileName);
        if (loaded?.Definition is not { } definition)
        {
            _unloadable = activation.Id;
            logger.LogError("Menu activation {Id} (version {Version}) in the database does not load here; the live menu stays. {Problems}",
                activation.Id, activation.Version, string.Join("; ", loaded?.Errors.Select(p => p.ToString()) ?? ["its content is missing"]));
            return false;
        }
        _byVersion[definition.Version] = definition;
        _live = new LiveMenu(definition, content!, activation.Id, activation.Source, activation.ActivatedAtTime);
        _rejected = null;
        try
        {
            if (await ReadFileAsync(FilePath, cancellationToken) != content)
                await WriteFileAtomicallyAsync(FilePath, content!);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The menu is live from the database whatever becomes of the file; the next change writes it again.
            logger.LogWarning(exception, "Writing menu version {Version} to {File} failed", definition.Version, FilePath);
        }
        logger.LogInformation("Menu version {Version} is live from the database ({Source}, activation {Id})",
            definition.Version, activation.Source, activation.Id);
        return true;
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

    /// <summary>The text of the menu file, or null when there is none. Opened so that an editor writing it meanwhile is not disturbed.</summary>
    public static async Task<string?> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var stream = new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 4096, useAsync: true);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private async Task ActivateAsync(MenuLoadResult result, string content, string source, MenuChangeBy? by, CancellationToken cancellationToken)
    {
        var definition = result.Definition!;
        foreach (var warning in result.Problems.Where(p => p.Severity == ProblemSeverity.Warning))
            logger.LogWarning("Menu file: {Problem}", warning.ToString());

        var now = time.GetUtcNow();
        var id = await versions.RecordActivationAsync(definition.Version, FilePath, content, source, by, now, cancellationToken);
        _byVersion[definition.Version] = definition;
        _live = new LiveMenu(definition, content, id, source, now);
        _rejected = null;
        // Agents follow the menu: new ones can take calls, removed ones stop being offered any.
        await agents.SyncAsync(definition, cancellationToken);
        logger.LogInformation("Menu version {Version} from {File} is live ({Source}, activation {Id})",
            definition.Version, FilePath, source, id);
    }

    // Readers (calls, the watcher, an editor) see the old file or the new one, never a half-written one.
    private static async Task WriteFileAtomicallyAsync(string path, string content)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                await stream.WriteAsync(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows() && File.Exists(path))
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private MenuLoadResult Missing() => new(null,
    [
        new MenuProblem(FilePath, 1, 1, "(file)",
            $"the menu file does not exist (set Ivr:MenuFile to its path; working directory {Environment.CurrentDirectory})",
            ProblemSeverity.Error),
    ]);

    private static string ResolvePath(string configured)
    {
        if (Path.IsPathRooted(configured) || File.Exists(configured))
            return Path.GetFullPath(configured);
        var besideApp = Path.Combine(AppContext.BaseDirectory, configured);
        return File.Exists(besideApp) ? besideApp : Path.GetFullPath(configured);
    }
}
