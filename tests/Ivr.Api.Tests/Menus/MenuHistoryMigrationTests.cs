using Dapper;
using Ivr.Api.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace Ivr.Api.Tests;

public sealed class MenuHistoryMigrationTests
{
    [Fact]
    public async Task ADatabaseFromBeforeTheHistory_ListsItsMenuVersionsAsStarts()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ivr-history-{Guid.NewGuid():N}.db");
        using (var old = new SqliteConnection($"Data Source={path}"))
        {
            old.Open();
            old.Execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
            for (var version = 1; version <= 2; version++)
            {
                old.Execute(Schema.Migrations[version - 1].Sqlite);
                old.Execute("INSERT INTO schema_version (version) VALUES (@version)", new { version });
            }
            old.Execute("INSERT INTO menu_versions (version, file, content, loaded_at) VALUES ('aaaaaaaaaaaa', 'm.yaml', 'a', 1000), ('bbbbbbbbbbbb', 'm.yaml', 'b', 2000)");
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Ivr"] = $"Data Source={path}" })
            .Build();
        await using var database = new Database(configuration);
        await database.MigrateAsync();
        var activations = await new MenuVersionStore(database).ListActivationsAsync();

        Assert.Equal(
            [("bbbbbbbbbbbb", "start", 2000L), ("aaaaaaaaaaaa", "start", 1000L)],
            activations.Select(a => (a.Version, a.Source, a.ActivatedAt)));
        SqliteConnection.ClearAllPools();
    }
}
