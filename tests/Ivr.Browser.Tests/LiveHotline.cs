using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Browser.Tests;

/// <summary>
/// The real service listening on a loopback port (a browser cannot use the in-memory test server): its own SQLite
/// file, the sample menu (or the one given), and extra settings.
/// </summary>
public sealed class LiveHotline : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replaces registrations, e.g. the service's clock.</param>
    public LiveHotline(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        DatabasePath = Path.Combine(Path.GetTempPath(), $"ivr-browser-{Guid.NewGuid():N}.db");
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ivr"] = $"Data Source={DatabasePath}",
            ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
        };
        foreach (var (key, value) in settings ?? [])
            _settings[key] = value;
        UseKestrel(0);
        StartServer();
    }

    public string DatabasePath { get; }

    /// <summary>The service's address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress => ClientOptions.BaseAddress;

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        if (_services is not null)
            builder.ConfigureServices(_services);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
