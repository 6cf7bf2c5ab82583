using Dapper;
using Ivr.Api.Admin;
using Ivr.Api.Persistence;
using Microsoft.Data.Sqlite;

namespace Ivr.Api.Tests;

public sealed class EventLogMigrationTests
{
    // The schema before a call's events were found by the call's start.
    private const int VersionBefore = 13;

    [Fact]
    public async Task ACallsPathStoredBeforeTheEventsWereKeyedByTheCallsStart_IsShownWholeAfterTheMigration()
    {
        var path = OldDatabase.Create(VersionBefore, old =>
        {
            old.Execute("INSERT INTO menu_versions (version, file, content, loaded_at) VALUES ('aaaaaaaaaaaa', 'm.yaml', 'a', 1000)");
            foreach (var (sid, started) in new[] { ("CA01", 5_000L), ("CA02", 6_000L) })
                old.Execute("""
                    INSERT INTO calls (call_sid, menu_version, menu, language, offered, fallbacks, step, phase, caller, started_at, updated_at)
                    VALUES (@sid, 'aaaaaaaaaaaa', 'main', 'pl-PL', 1, 0, 1, 'menu', '+48500100200', @started, @started)
                    """, new { sid, started });
            old.Execute("""
                INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger, input) VALUES
                    ('CA01', 5000, '(new)', 'main', 'start', NULL),
                    ('CA02', 6000, '(new)', 'main', 'start', NULL),
                    ('CA01', 7000, 'main', 'orders', 'key', '1')
                """);
        });

        await using var database = await OldDatabase.MigratedAsync(path);
        var steps = await new SupervisorStore(database).PathAsync("CA01");

        Assert.Equal(["(new) → main: start", "main → orders: key (1)"], steps.Where(s => s.Kind == "menu").Select(s => s.What));
        Assert.True(Schema.Migrations.Count > VersionBefore);
        SqliteConnection.ClearAllPools();
    }
}
