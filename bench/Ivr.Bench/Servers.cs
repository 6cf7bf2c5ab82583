using System.Diagnostics;
using Ivr.Api;
using Ivr.Api.Persistence;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Ivr.Bench;

/// <summary>The two servers the bench measures, each run in a process of its own by <c>--serve</c>.</summary>
internal static class Servers
{
    private const string ConstantTwiml =
        """<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf speech" action="/bench/baseline" numDigits="1" timeout="5"><Say language="pl-PL">Status zamówienia: wciśnij 1.</Say></Gather><Redirect>/bench/baseline</Redirect></Response>""";

    public static async Task<int> ServeAsync(string role, BenchOptions options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app;
        if (role == "hotline")
        {
            // The hotline logs as the service does (its appsettings.json, copied here); the bench counts the lines.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ivr"] = Database.IsPostgresConnectionString(options.Database) ? options.Database : $"Data Source={options.Database}",
                ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
                [Database.SynchronousKey] = options.Synchronous.Single().ToString(),
            });
            builder.AddHotline();
            app = builder.Build();
            if (!await app.PrepareHotlineAsync())
                return 1;
        }
        else
        {
            builder.Logging.ClearProviders();
            app = builder.Build();
            app.MapPost("/bench/baseline", async (HttpRequest request) =>
            {
                await request.ReadFormAsync();
                return Results.Text(ConstantTwiml, "text/xml; charset=utf-8");
            });
        }
        await app.StartAsync();
        Console.WriteLine($"listening {app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}");
        // The bench closes this process's input when it is done; a bench that dies closes it too.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        return 0;
    }
}

/// <summary>A server this bench started (this program again, with <c>--serve</c>); stopped by closing its input.</summary>
internal sealed class ServerProcess(string name, Process process)
{
    public string Name => name;

    public string Url { get; private set; } = "";

    /// <summary>Lines the server wrote (its log) after it started listening.</summary>
    public int LogLines => _logLines;

    private int _logLines;

    public static ServerProcess Start(string name, string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        // Run as `dotnet Ivr.Bench.dll`, the host needs the assembly; run as the apphost, it does not.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(Servers).Assembly.Location);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return new ServerProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start"));
    }

    public async Task ListeningAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cancellation.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                Url = line["listening ".Length..];
                // The rest is its log: read on (a full pipe would stop the server), counted.
                _ = Task.Run(async () =>
                {
                    while (await process.StandardOutput.ReadLineAsync() is not null)
                        Interlocked.Increment(ref _logLines);
                });
                return;
            }
        }
        throw new InvalidOperationException($"{name} (process {process.Id}) ended before it listened");
    }

    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            process.StandardInput.Close();
            using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
    }
}
