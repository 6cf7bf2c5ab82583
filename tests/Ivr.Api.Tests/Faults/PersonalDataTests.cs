using System.Net;
using Dapper;
using Ivr.Api.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

/// <summary>Personal data is kept only as long as Data:RetentionDays says, and phone numbers stay out of the logs.</summary>
public sealed class PersonalDataTests
{
    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>A call with its event, announcement and ended queue entry, last touched at <paramref name="at"/>.</summary>
    private static void AddCall(System.Data.Common.DbConnection db, string callSid, DateTimeOffset at)
    {
        var version = db.ExecuteScalar<string>("SELECT version FROM menu_versions LIMIT 1");
        db.Execute("""
            INSERT INTO calls (call_sid, menu_version, menu, language, offered, fallbacks, step, phase, caller, called,
                               started_at, updated_at, ended_at, end_status)
            VALUES (@callSid, @version, 'main', 'pl-PL', 0, 0, 3, 'ended', '+48500100200', '+48221000000', @at, @at, @at, 'completed');
            INSERT INTO call_events (call_sid, call_started, at, from_menu, to_menu, trigger, input) VALUES (@callSid, @at, @at, 'main', 'orders', 'digits', '1');
            INSERT INTO announcements (call_sid, department, at, position, agents_on_duty) VALUES (@callSid, 'orders', @at, 1, 1);
            INSERT INTO queue_entries (call_sid, department, language, enqueued_at, place_at, state, ended_at)
            VALUES (@callSid, 'orders', 'pl-PL', @at, @at, 'answered', @at);
            """, new { callSid, version, at = Ms(at) });
    }

    private static long AddCallback(System.Data.Common.DbConnection db, string reference, string status, DateTimeOffset at)
    {
        var id = db.ExecuteScalar<long>("""
            INSERT INTO callbacks (department, number, requested_at, status, reference, due_at, updated_at, booked_at, ended_at)
            VALUES ('orders', '+48500100200', @at, @status, @reference, @at, @at, @at, CASE WHEN @status = 'pending' THEN NULL ELSE @at END)
            RETURNING id;
            """, new { reference, status, at = Ms(at) });
        db.Execute("INSERT INTO callback_attempts (callback_id, attempt, claimed_at, result, ended_at) VALUES (@id, 1, @at, 'no-answer', @at)",
            new { id, at = Ms(at) });
        return id;
    }

    private static long Count(System.Data.Common.DbConnection db, string table, string where = "1 = 1") =>
        db.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table} WHERE {where}");

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DataOlderThanTheRetention_IsDeleted_AndOpenBookingsAndRecentDataAreKept(Backend backend)
    {
        await using var factory = new HotlineFactory(settings: new() { ["Data:RetentionDays"] = "30" }, backend: backend);
        factory.CreateClient();
        var now = factory.Clock.GetUtcNow();
        using var db = factory.OpenDatabase();
        AddCall(db, "CAold", now - TimeSpan.FromDays(31));
        AddCall(db, "CArecent", now - TimeSpan.FromDays(29));
        AddCallback(db, "100001", "connected", now - TimeSpan.FromDays(31));
        AddCallback(db, "100002", "failed", now - TimeSpan.FromDays(40));
        AddCallback(db, "100003", "canceled", now - TimeSpan.FromDays(29));
        AddCallback(db, "100004", "pending", now - TimeSpan.FromDays(40));

        await factory.Services.GetRequiredService<Retention>().PurgeAsync();

        Assert.Equal(["CArecent"], db.Query<string>("SELECT call_sid FROM calls"));
        foreach (var table in new[] { "call_events", "announcements", "queue_entries" })
            Assert.Equal(["CArecent"], db.Query<string>($"SELECT call_sid FROM {table}"));
        Assert.Equal(["100003", "100004"], db.Query<string>("SELECT reference FROM callbacks ORDER BY reference"));
        Assert.Equal(2, Count(db, "callback_attempts"));
    }

    [Fact]
    public async Task TheRetention_RunsAtStart_AndThenEveryDay_OnTheServicesClock()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ivr-retention-{Guid.NewGuid():N}.db");
        var clock = new FakeTimeProvider(HotlineFactory.WednesdayMorning);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ivr"] = $"Data Source={path}",
        }).Build();
        await using var database = new Database(configuration);
        await database.MigrateAsync();
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        db.Open();
        db.Execute("INSERT INTO menu_versions (version, file, content, loaded_at) VALUES ('v1', 'ivr-menus.yaml', '', 0)");
        var now = clock.GetUtcNow();
        AddCall(db, "CAold", now - TimeSpan.FromDays(91));
        AddCall(db, "CAalmost", now - TimeSpan.FromDays(89.5));
        var retention = new Retention(database, Options.Create(new DataOptions()), clock, clock, NullLogger<Retention>.Instance);
        var checks = System.Threading.Channels.Channel.CreateUnbounded<int?>();
        retention.Checked += deleted => checks.Writer.TryWrite(deleted);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await retention.StartAsync(CancellationToken.None);
        Assert.Equal(4, await checks.Reader.ReadAsync(timeout.Token));
        Assert.Equal(["CAalmost"], db.Query<string>("SELECT call_sid FROM calls"));

        clock.Advance(TimeSpan.FromHours(23));
        Assert.Null(await checks.Reader.ReadAsync(timeout.Token));
        Assert.Equal(["CAalmost"], db.Query<string>("SELECT call_sid FROM calls"));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(4, await checks.Reader.ReadAsync(timeout.Token));
        Assert.Empty(db.Query<string>("SELECT call_sid FROM calls"));

        await retention.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("+48500100200", "+48******200")]
    [InlineData("500100200", "50****200")]
    [InlineData("+1415", "*****")]
    public void ANumber_IsMaskedButForItsCountryCodeAndLastDigits(string number, string masked) =>
        Assert.Equal(masked, PhoneMask.Number(number));

    [Fact]
    public void NumbersInAUrl_AreMasked_AndCallSidsLeftAlone()
    {
        var url = "https://hotline.test/voice/callbacks/confirm?call=CA1234567890abcdef1234567890abcdef&number=%2B48500100200&asked=1&alt=+48221234567";

        Assert.Equal("https://hotline.test/voice/callbacks/confirm?call=CA1234567890abcdef1234567890abcdef&number=%2B48******200&asked=1&alt=+48******567",
            PhoneMask.InText(url));
    }

    [Fact]
    public async Task TheServicesLogs_ByDefault_NeverCarryAFullNumber_FromAUrl()
    {
        var logs = new CollectedLogs();
        await using var factory = new HotlineFactory(services: services => services.AddSingleton<ILoggerProvider>(logs));
        using var client = factory.CreateClient();
        var twilio = new TwilioRequests(client);

        using var signed = await twilio.PostAsync("/voice/incoming?from=%2B48500100200", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));
        using var forged = await twilio.PostAsync("/voice/callbacks/confirm?number=%2B48500100200&asked=1",
            TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()), signature: "forged");

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains(logs.Lines, l => l.Message.Contains("number=%2B48******200"));
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("500100200"));
    }
}
