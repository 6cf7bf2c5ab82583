using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Simulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// The service in local mode listening on a loopback port, as the browser phone needs (its switchboard calls the
/// service's own address), on a clock that starts on a Wednesday at 10:00 in Warsaw and runs 20 times as fast, so that
/// a call through menus, a queue and an agent takes a couple of seconds.
/// </summary>
public sealed class LocalPhoneHotline : WebApplicationFactory<Program>
{
    public const double Speed = 20;

    public LocalPhoneHotline()
    {
        DatabasePath = Path.Combine(Path.GetTempPath(), $"ivr-phone-{Guid.NewGuid():N}.db");
        UseKestrel(0);
        StartServer();
        Http = CreateClient();
    }

    public string DatabasePath { get; }
    public AcceleratedClock Clock { get; } = new(HotlineFactory.WednesdayMorning, Speed);
    public HttpClient Http { get; }

    /// <summary>The service's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Ivr", $"Data Source={DatabasePath}");
        builder.UseSetting("Ivr:MenuFile", Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public async Task<string> OpenLineAsync(string number = "+48500100200")
    {
        using var response = await Http.PostAsJsonAsync("/phone/api/lines", new { number });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<HttpResponseMessage> PostAsync(string line, string action, object? body = null) =>
        await Http.PostAsJsonAsync($"/phone/api/lines/{line}/{action}", body ?? new { });

    /// <summary>Follows the line's events, as the page does, until <paramref name="done"/> holds for what has come so
    /// far; fails after 20 s of real time with everything seen.</summary>
    public async Task<Transcript> FollowAsync(string line, Func<Transcript, bool> done)
    {
        var transcript = new Transcript();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!done(transcript))
        {
            if (timeout.IsCancellationRequested)
                throw new Xunit.Sdk.XunitException($"The phone never got there; it saw:\n{transcript}");
            var page = await Http.GetFromJsonAsync<JsonElement>($"/phone/api/lines/{line}/events?after={transcript.Next}&wait=1");
            transcript.State = page.GetProperty("state").GetString()!;
            transcript.Next = page.GetProperty("next").GetInt64();
            foreach (var e in page.GetProperty("events").EnumerateArray())
                transcript.Events.Add(new Transcript.Line(e.GetProperty("type").GetString()!, e.GetProperty("text").GetString()!,
                    e.GetProperty("language").GetString()));
        }
        return transcript;
    }

    public SqliteConnection OpenDatabase()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    public sealed class Transcript
    {
        public sealed record Line(string Type, string Text, string? Language);

        public List<Line> Events { get; } = [];
        public string State { get; set; } = "";
        public long Next { get; set; }

        public IEnumerable<Line> Said => Events.Where(e => e.Type == "said");
        public bool Has(string type) => Events.Any(e => e.Type == type);

        public override string ToString() =>
            $"state {State}\n" + string.Join("\n", Events.Select(e => $"{e.Type}: {e.Text}{(e.Language is null ? "" : $" [{e.Language}]")}"));
    }
}
