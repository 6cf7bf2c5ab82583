using System.Diagnostics;

namespace Ivr.Simulator;

/// <summary>
/// One service process (<c>dotnet Ivr.Api.dll</c>, the service itself: no <c>dotnet run</c> wrapper in between)
/// with its settings as environment variables: started, waited for until /healthz answers, killed with SIGKILL,
/// started again on the same settings (so the same database). Its output goes to a log file.
/// </summary>
public sealed class ServiceProcess(string serviceDll, Uri baseUrl, IReadOnlyDictionary<string, string?> settings, string logFile) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Lock gate = new();
    private readonly HttpClient health = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(2) };
    private Process? process;

    public Uri BaseUrl => baseUrl;

    /// <summary>The process id of the running service, or null when it is not running.</summary>
    public int? Id => process is { HasExited: false } running ? running.Id : null;

    /// <summary>Starts the service and returns once its /healthz answers.</summary>
    /// <exception cref="InvalidOperationException">It exited or did not answer in time; the message ends with its output.</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Id is not null)
            throw new InvalidOperationException($"The service is already running (pid {Id}).");
        var start = new ProcessStartInfo("dotnet", [serviceDll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = baseUrl.OriginalString;
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var started = Process.Start(start) ?? throw new InvalidOperationException($"dotnet {serviceDll} did not start.");
        started.OutputDataReceived += (_, line) => Log(line.Data);
        started.ErrorDataReceived += (_, line) => Log(line.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        Log($"--- {DateTimeOffset.UtcNow:HH:mm:ss.fff} started pid {started.Id}");

        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (started.HasExited)
                throw new InvalidOperationException($"The service exited with code {started.ExitCode} while starting; see {logFile}.");
            try
            {
                // Any answer: it listens with its database migrated and its menu loaded (503 only says Twilio is not
                // reachable now, which is the switchboard's fault to inject).
                using var answer = await health.GetAsync("/healthz", ct);
                Log($"--- {DateTimeOffset.UtcNow:HH:mm:ss.fff} /healthz answered {(int)answer.StatusCode}");
                return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Listening but not answering yet.
            }
            if (waited.Elapsed > StartTimeout)
                throw new InvalidOperationException($"The service did not answer /healthz within {StartTimeout.TotalSeconds:0} s; see {logFile}.");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>SIGKILL (what Process.Kill sends on Linux): no shutdown, no flush, whatever was in flight is lost.</summary>
    public void Kill()
    {
        if (process is not { HasExited: false } running)
            throw new InvalidOperationException("The service is not running.");
        Log($"--- {DateTimeOffset.UtcNow:HH:mm:ss.fff} SIGKILL pid {running.Id}");
        running.Kill();
        running.WaitForExit();
    }

    public async Task RestartAsync(CancellationToken ct = default)
    {
        if (Id is not null)
            Kill();
        await StartAsync(ct);
    }

    /// <summary>Stops the service politely (SIGTERM), for the end of a run.</summary>
    public async Task StopAsync()
    {
        if (process is not { HasExited: false } running)
            return;
        using var term = Process.Start("kill", ["-TERM", running.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await running.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            running.Kill();
        }
    }

    private void Log(string? line)
    {
        if (line is null)
            return;
        lock (gate)
            File.AppendAllText(logFile, line + Environment.NewLine);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process?.Dispose();
        health.Dispose();
    }
}
