using Dapper;
using Ivr.Api.Persistence;
using Microsoft.Data.Sqlite;

namespace Ivr.Api.Tests;

public sealed class MenuHistoryMigrationTests
{
    [Fact]
    public async Task ADatabaseFromBeforeTheHistory_ListsItsMenuVersionsAsStarts()
    {
        var path = OldDatabase.Create(2, old =>
            old.Execute("INSERT INTO menu_versions (version, file, content, loaded_at) VALUES ('aaaaaaaaaaaa', 'm.yaml', 'a', 1000), ('bbbbbbbbbbbb', 'm.yaml', 'b', 2000)"));

        await using var database = await OldDatabase.MigratedAsync(path);
        var activations = await new MenuVersionStore(database).ListActivationsAsync();

        Assert.Equal(
            [("bbbbbbbbbbbb", "start", 2000L), ("aaaaaaaaaaaa", "start", 1000L)],
            activations.Select(a => (a.Version, a.Source, a.ActivatedAt)));
        SqliteConnection.ClearAllPools();
    }
}
