using Dapper;
using Ivr.Api.Persistence;
using Microsoft.Extensions.Configuration;

namespace Ivr.Api.Tests;

public sealed class DatabaseTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ivr-db-{Guid.NewGuid():N}.db");
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Ivr"] = $"Data Source={_path}" })
            .Build();
        _database = new Database(configuration);
        await _database.MigrateAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private Task Insert(string callSid, bool fail = false) =>
        _database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger) VALUES (@callSid, 1, 'a', 'b', 'test')",
                new { callSid }, transaction);
            if (fail)
                throw new InvalidOperationException($"write {callSid} fails");
            return 0;
        });

    private async Task<List<string>> StoredAsync()
    {
        await using var connection = await _database.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT call_sid FROM call_events ORDER BY call_sid")).ToList();
    }

    [Fact]
    public async Task ConcurrentWrites_AreAllCommitted_AndAFailingOneIsRolledBackAlone()
    {
        var writes = Enumerable.Range(0, 400)
            .Select(i => Task.Run(() => Insert($"CA{i:D4}", fail: i % 50 == 7)))
            .ToList();
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try { await w; return true; }
            catch (InvalidOperationException) { return false; }
        }));

        Assert.Equal(8, outcomes.Count(ok => !ok));
        var expected = Enumerable.Range(0, 400).Where(i => i % 50 != 7).Select(i => $"CA{i:D4}").ToList();
        Assert.Equal(expected, await StoredAsync());
    }

    [Fact]
    public async Task MigratingAgain_KeepsTheData()
    {
        await Insert("CA0001");
        await _database.MigrateAsync();
        Assert.Equal(["CA0001"], await StoredAsync());
    }
}
