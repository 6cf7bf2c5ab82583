using Dapper;
using Ivr.Api.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace Ivr.Api.Tests;

/// <summary>A SQLite file made by an older build: its schema stops at a given version, with the rows a test puts in.</summary>
public static class OldDatabase
{
    /// <summary>Creates the file with the first <paramref name="version"/> migrations and the rows <paramref name="seed"/> adds.</summary>
    public static string Create(int version, Action<SqliteConnection> seed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ivr-old-{Guid.NewGuid():N}.db");
        using var old = new SqliteConnection($"Data Source={path}");
        old.Open();
        old.Execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
        for (var step = 1; step <= version; step++)
        {
            old.Execute(Schema.Migrations[step - 1].Sqlite);
            old.Execute("INSERT INTO schema_version (version) VALUES (@step)", new { step });
        }
        seed(old);
        return path;
    }

    /// <summary>The file opened by this build, which migrates it to the current schema.</summary>
    public static async Task<Database> MigratedAsync(string path)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Ivr"] = $"Data Source={path}" })
            .Build();
        var database = new Database(configuration);
        await database.MigrateAsync();
        return database;
    }
}
