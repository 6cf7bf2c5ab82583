using System.Diagnostics;

namespace Ivr.Api.Tests;

/// <summary>The service as a process: it must refuse to start on a menu or configuration it cannot serve.</summary>
public sealed class StartupTests
{
    private static async Task<(int ExitCode, string Output)> RunServiceAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Ivr.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ConnectionStrings__Ivr"] = $"Data Source={Path.Combine(Path.GetTempPath(), $"ivr-start-{Guid.NewGuid():N}.db")}";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException("The service kept running although it should have refused to start.");
        }
        return (process.ExitCode, await output + await errors);
    }

    [Fact]
    public async Task AnInvalidMenu_StopsTheService_WithEveryProblemAndItsPosition()
    {
        var menu = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml");
        var yaml = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        await File.WriteAllTextAsync(menu, yaml
            .Replace("timezone: Europe/Warsaw", "timezone: Europe/Warszawa")
            .Replace("\"0\": { next: operator,", "\"0\": { next: operatorr,"));

        var (exitCode, output) = await RunServiceAsync(new() { ["Ivr__MenuFile"] = menu });

        Assert.NotEqual(0, exitCode);
        var name = Path.GetFileName(menu);
        Assert.Contains($"{name}:8:13 hotline.timezone:", output);
        Assert.Matches($@"{name}:\d+:\d+ menus\.main\.options\.""0""\.next: .*'operatorr'", output);
    }

    [Fact]
    public async Task AnInvalidSetting_StopsTheService_NamingTheKey()
    {
        var (exitCode, output) = await RunServiceAsync(new()
        {
            ["Ivr__MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
            ["Ivr__FallbackNumber"] = "0048 22 123",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Ivr:FallbackNumber must be an E.164 number", output);
    }

    [Theory]
    [InlineData("0.5", "Simulation:ClockSpeed must be between 1 and 1000")]
    [InlineData(null, "Simulation:ClockStart, Simulation:ClockOrigin and Simulation:ClockSpeed go together")]
    public async Task AnIncompleteOrWrongSimulationClock_StopsTheService_NamingTheKey(string? speed, string message)
    {
        var settings = new Dictionary<string, string>
        {
            ["Ivr__MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
            ["Simulation__ClockStart"] = "2026-11-25T08:00:00Z",
            ["Simulation__ClockOrigin"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (speed is not null)
            settings["Simulation__ClockSpeed"] = speed;

        var (exitCode, output) = await RunServiceAsync(settings);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output);
    }

    [Theory]
    [InlineData("10.0.0.0/33", "10.0.0.0/33")]
    [InlineData("proxy.example", "proxy.example")]
    [InlineData("10.0.0.1, 300.1.1.1", "300.1.1.1")]
    public async Task ATrustedProxyThatIsNoAddress_StopsTheService_NamingTheKeyAndTheEntry(string proxies, string wrong)
    {
        var (exitCode, output) = await RunServiceAsync(new()
        {
            ["Ivr__MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
            ["Ivr__TrustedProxies"] = proxies,
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Ivr:TrustedProxies: '{wrong}' is neither an IP address nor a CIDR range", output);
    }

    [Fact]
    public async Task AnUnknownLocalMode_StopsTheService_NamingTheKey()
    {
        var (exitCode, output) = await RunServiceAsync(new()
        {
            ["Ivr__MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
            ["Ivr__LocalMode"] = "everyone",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Ivr:LocalMode must be", output);
    }
}
