using System.Data.Common;
using System.Net;
using Ivr.Api.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ivr.Api.Tests;

/// <summary>
/// A clock the tests move by hand, set to any instant. Kept instead of FakeTimeProvider: its timers run on the wall
/// clock, so the service's background loops keep going while a test moves the date (FakeTimeProvider's timers wait
/// for Advance).
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>
/// The real service in memory: its own SQLite file (or, with <see cref="Backend.Postgres"/>, its own database on the
/// test cluster), the sample menu, signatures checked against the public URL
/// https://hotline.test (or the one given), and a clock that starts on a Wednesday at 10:00 in Warsaw.
/// </summary>
public sealed class HotlineFactory : WebApplicationFactory<Program>
{
    public const string PublicBaseUrl = "https://hotline.test";
    public static readonly DateTimeOffset WednesdayMorning = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="databasePath">
    /// The SQLite file, or a PostgreSQL connection string (from <see cref="PostgresCluster.CreateDatabase"/>), to share
    /// one database between two hosts; a new one of <paramref name="backend"/> when null.
    /// </param>
    public HotlineFactory(string? databasePath = null, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
        Backend? backend = null)
    {
        _services = services;
        DatabasePath = databasePath ?? ((backend ?? DefaultBackend) == Backend.Postgres
            ? PostgresCluster.CreateDatabase()
            : Path.Combine(Path.GetTempPath(), $"ivr-test-{Guid.NewGuid():N}.db"));
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ivr"] = IsPostgres ? DatabasePath : $"Data Source={DatabasePath}",
            ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
            ["Ivr:PublicBaseUrl"] = PublicBaseUrl,
            // The URLs tests compare are the plain ones; the tests of Twilio's retries (and the switchboard's worlds)
            // turn the connection overrides on.
            ["Twilio:ConnectionOverrides"] = "off",
        };
        foreach (var (key, value) in settings ?? [])
            _settings[key] = value;
    }

    /// <summary>
    /// SQLite, unless IVR_TEST_BACKEND=postgres: then every test that does not choose runs the service on PostgreSQL,
    /// to try the whole suite there.
    /// </summary>
    public static Backend DefaultBackend { get; } =
        Enum.TryParse<Backend>(Environment.GetEnvironmentVariable("IVR_TEST_BACKEND"), ignoreCase: true, out var chosen) ? chosen : Backend.Sqlite;

    /// <summary>The SQLite file, or the PostgreSQL connection string.</summary>
    public string DatabasePath { get; }

    public bool IsPostgres => Database.IsPostgresConnectionString(DatabasePath);
    public ManualTimeProvider Clock { get; } = new(WednesdayMorning);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddTransient<IStartupFilter, SocketPeer>();
        });
        if (_services is not null)
            builder.ConfigureTestServices(_services);
    }

    /// <summary>A connection to the service's database, for assertions on what it stored.</summary>
    public DbConnection OpenDatabase()
    {
        DbConnection connection = IsPostgres ? new NpgsqlConnection(DatabasePath) : new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        return connection;
    }

    /// <summary>
    /// The in-memory server has no socket; this stands in for it: the peer is 127.0.0.1, as for a client on the same
    /// machine, or the address a test gives in <see cref="PeerHeader"/> (a client or proxy elsewhere).
    /// </summary>
    public const string PeerHeader = "X-Test-Socket-Peer";

    private sealed class SocketPeer : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var given = context.Request.Headers[PeerHeader].ToString();
                context.Connection.RemoteIpAddress = given.Length > 0 ? IPAddress.Parse(given) : IPAddress.Loopback;
                context.Request.Headers.Remove(PeerHeader);
                await nextMiddleware(context);
            });
            next(app);
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
