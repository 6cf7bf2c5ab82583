using System.Threading.Channels;
using Ivr.Flows.Loading;

namespace Ivr.Api.Menus;

/// <summary>
/// Puts edits of the menu file live while the service runs. A <see cref="FileSystemWatcher"/> on the file's folder
/// (which also sees editors that save by writing a temporary file and renaming it) wakes it up; reading the file
/// every 2 s and comparing its content hash catches what the watcher misses (network shares, mounted files).
/// After a change it waits until two reads 200 ms apart are the same, with no event between them, so a file that
/// an editor saves in two writes is never read half-way.
/// </summary>
public sealed class MenuFileWatcher(MenuCatalog catalog, ILogger<MenuFileWatcher> logger) : BackgroundService
{
    // Waits on the file system, so on the wall clock: the hotline's TimeProvider is for the calls' time.
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private const int MaxSettleRounds = 50;
    private const string NoFile = "(no file)";

    private readonly Channel<bool> _touched = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private sealed record Settled(string? Content);

    /// <summary>Raised after each change of the file is applied or refused, for whoever must know when (the tests).</summary>
    internal event Action<FileReload>? Reloaded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var watcher = Watch();
        // What was last applied or refused: the file as it was at start is the live version.
        var seen = catalog.Current.Version;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var content = await MenuCatalog.ReadFileAsync(catalog.FilePath, stoppingToken);
                if (Fingerprint(content) != seen && await SettledAsync(content, stoppingToken) is { } settled)
                {
                    var reload = await catalog.ReloadFileAsync(settled.Content, stoppingToken);
                    Reloaded?.Invoke(reload);
                    if (reload == FileReload.ChangedMeanwhile)
                        Touch();
                    else
                        seen = Fingerprint(settled.Content);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // An unreadable file or a failed write: the live menu stays, the next look tries again.
                logger.LogWarning(exception, "Reading {File} for changes failed; it is read again in {Seconds} s",
                    catalog.FilePath, PollInterval.TotalSeconds);
            }
            await WaitForTouchAsync(stoppingToken);
        }
    }

    /// <summary>The file once it has stopped changing; null when it kept changing (the next look tries again).</summary>
    private async Task<Settled?> SettledAsync(string? first, CancellationToken cancellationToken)
    {
        var previous = first;
        for (var round = 0; round < MaxSettleRounds; round++)
        {
            while (_touched.Reader.TryRead(out _))
            {
            }
            await Task.Delay(Settle, cancellationToken);
            var quiet = !_touched.Reader.TryRead(out _);
            var next = await MenuCatalog.ReadFileAsync(catalog.FilePath, cancellationToken);
            if (quiet && next == previous)
                return new Settled(next);
            previous = next;
        }
        logger.LogWarning("{File} kept changing for {Seconds} s; it is read again at its next change",
            catalog.FilePath, (Settle * MaxSettleRounds).TotalSeconds);
        return null;
    }

    private async Task WaitForTouchAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(PollInterval);
        try
        {
            await _touched.Reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Time for a look anyway.
        }
    }

    private void Touch() => _touched.Writer.TryWrite(true);

    private static string Fingerprint(string? content) => content is null ? NoFile : MenuLoader.Version(content);

    private FileSystemWatcher? Watch()
    {
        var folder = Path.GetDirectoryName(catalog.FilePath)!;
        var name = catalog.FileName;
        bool IsMenuFile(string? changed) => string.Equals(changed, name, StringComparison.OrdinalIgnoreCase);
        try
        {
            var watcher = new FileSystemWatcher(folder)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, e) => { if (IsMenuFile(e.Name)) Touch(); };
            watcher.Created += (_, e) => { if (IsMenuFile(e.Name)) Touch(); };
            watcher.Deleted += (_, e) => { if (IsMenuFile(e.Name)) Touch(); };
            watcher.Renamed += (_, e) => { if (IsMenuFile(e.Name) || IsMenuFile(e.OldName)) Touch(); };
            watcher.Error += (_, e) =>
            {
                logger.LogWarning(e.GetException(), "Watching {Folder} failed; {File} is still read every {Seconds} s",
                    folder, name, PollInterval.TotalSeconds);
                Touch();
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            logger.LogWarning(exception, "Cannot watch {Folder}; edits of {File} are found by reading it every {Seconds} s",
                folder, name, PollInterval.TotalSeconds);
            return null;
        }
    }
}
