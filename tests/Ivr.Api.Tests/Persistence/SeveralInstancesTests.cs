using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;
using Microsoft.Extensions.Configuration;

namespace Ivr.Api.Tests;

/// <summary>
/// Two instances of the service on one PostgreSQL database, as two <see cref="Database"/> objects with their own
/// stores: what one writes, the other must never undo or repeat, however their writes interleave.
/// </summary>
public sealed class SeveralInstancesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = HotlineFactory.WednesdayMorning;
    private readonly string _connectionString = PostgresCluster.CreateDatabase();
    private Database _first = null!;
    private Database _second = null!;
    private MenuDefinition _menu = null!;

    private Database Open() => new(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Ivr"] = _connectionString })
        .Build());

    public async Task InitializeAsync()
    {
        _first = Open();
        _second = Open();
        // Both instances start at the same moment and migrate the same empty database.
        await Task.WhenAll(_first.MigrateAsync(), _second.MigrateAsync());
        var yaml = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        _menu = MenuLoader.Load(yaml, "ivr-menus.yaml").Definition!;
        await new AgentStore(_first).SyncAsync(_menu);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task TwoInstancesStartingAtOnce_MigrateTheDatabaseOnce()
    {
        Assert.True(_first.IsPostgres);
        await using var connection = await _first.OpenAsync();
        var versions = (await connection.QueryAsync<long>("SELECT version FROM schema_version ORDER BY version")).ToList();
        Assert.Equal(Enumerable.Range(1, Schema.Migrations.Count).Select(v => (long)v), versions);
        // And a third start later finds nothing left to do.
        await using var third = Open();
        await third.MigrateAsync();
        Assert.Equal(Schema.Migrations.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version"));
    }

    [Fact]
    public async Task ReadThenWriteFromTwoInstancesAtOnce_LosesNoWrite()
    {
        // Each write reads the counter and writes it back one higher, as the stores' writes read and then decide.
        Task<int> Increment(Database database) => database.WriteAsync(async (connection, transaction) =>
        {
            var seen = await connection.ExecuteScalarAsync<long>("SELECT checked_at FROM health_checks WHERE id = 1", transaction: transaction);
            return await connection.ExecuteAsync("UPDATE health_checks SET checked_at = @next WHERE id = 1", new { next = seen + 1 }, transaction);
        });

        await Task.WhenAll(Enumerable.Range(0, 100).SelectMany(_ => new[] { Increment(_first), Increment(_second) }));

        await using var connection = await _first.OpenAsync();
        Assert.Equal(200, await connection.ExecuteScalarAsync<long>("SELECT checked_at FROM health_checks WHERE id = 1"));
    }

    [Fact]
    public async Task ConcurrentWrites_AreAllCommitted_AndAFailingOneIsRolledBackAlone()
    {
        var writes = Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? _first : _second).WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger) VALUES (@callSid, 1, 'a', 'b', 'test')",
                new { callSid = $"CA{i:D4}" }, transaction);
            if (i % 50 == 7)
                throw new InvalidOperationException($"write {i} fails");
            return 0;
        })).ToList();
        var outcomes = await Task.WhenAll(writes.Select(async write =>
        {
            try { await write; return true; }
            catch (InvalidOperationException) { return false; }
        }));

        Assert.Equal(4, outcomes.Count(ok => !ok));
        await using var connection = await _first.OpenAsync();
        var stored = (await connection.QueryAsync<string>("SELECT call_sid FROM call_events ORDER BY call_sid")).ToList();
        Assert.Equal(Enumerable.Range(0, 200).Where(i => i % 50 != 7).Select(i => $"CA{i:D4}"), stored);
    }

    [Fact]
    public async Task TwoDistributors_NeverOfferOneCallerTwice_NorOneAgentTwoCalls()
    {
        var orders = _menu.Departments["orders"];
        var zone = _menu.Hotline.TimeZone;
        const int callers = 24;
        await _first.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO queue_entries (call_sid, department, language, enqueued_at, place_at, state, heard_at)
            VALUES (@callSid, 'orders', 'pl-PL', @at, @at, 'waiting', @at)
            """, Enumerable.Range(0, callers).Select(i => new { callSid = $"CA{i:D4}", at = Now.ToUnixTimeMilliseconds() + i }), transaction));
        var distributors = new[] { new QueueStore(_first), new QueueStore(_second) };

        var offered = new List<Offer>();
        for (var round = 0; offered.Count < callers && round < callers; round++)
        {
            // Each instance tries several offers at once, as its distributor and a wake-up may.
            var offers = (await Task.WhenAll(Enumerable.Range(0, 8).Select(i => distributors[i % 2].TryOfferAsync(orders, zone, Now))))
                .OfType<Offer>().ToList();
            Assert.Equal(offers.Count, offers.Select(o => o.AgentId).Distinct().Count());
            Assert.InRange(offers.Count, 1, orders.Agents.Count);
            offered.AddRange(offers);
            // The conversations end (on either instance), and the agents are free for the next round.
            foreach (var (offer, i) in offers.Select((o, i) => (o, i)))
                Assert.Equal(Completion.Completed,
                    await distributors[i % 2].CompleteAsync(offer.EntryId, offer.Number, 30, Now, TimeSpan.Zero));
        }

        Assert.Equal(callers, offered.Count);
        Assert.Equal(callers, offered.Select(o => o.CallSid).Distinct().Count());
        Assert.All(offered, offer => Assert.Equal(1, offer.Number));
        await using var connection = await _first.OpenAsync();
        Assert.Equal(callers, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM queue_entries WHERE state = 'answered' AND offers = 1"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM agents WHERE busy_call_sid IS NOT NULL"));
    }

    [Fact]
    public async Task TwoDispatchers_NeverDialOneCallbackTwice_NorGiveOneAgentTwo()
    {
        var orders = _menu.Departments["orders"];
        var zone = _menu.Hotline.TimeZone;
        const int bookings = 15;
        var dispatchers = new[] { new CallbackStore(_first), new CallbackStore(_second) };
        for (var i = 0; i < bookings; i++)
            await dispatchers[i % 2].BookAsync(new NewCallback($"+4850010{i:D4}", "orders", "pl-PL", "web", null,
                Now.AddSeconds(-60 + i), Now.AddSeconds(-60), Now), Now.AddSeconds(-60));

        var claims = new List<CallbackClaim>();
        for (var round = 0; claims.Count < bookings && round < bookings; round++)
        {
            var claimed = (await Task.WhenAll(Enumerable.Range(0, 8).Select(i => dispatchers[i % 2].ClaimAsync(orders, zone, Now))))
                .OfType<CallbackClaim>().ToList();
            Assert.Equal(claimed.Count, claimed.Select(c => c.AgentId).Distinct().Count());
            Assert.InRange(claimed.Count, 1, orders.Agents.Count);
            claims.AddRange(claimed);
            foreach (var (claim, i) in claimed.Select((c, i) => (c, i)))
                await dispatchers[i % 2].ReleaseAgentAsync(claim.CallbackId, Now, awayFor: null);
        }

        Assert.Equal(bookings, claims.Count);
        Assert.Equal(bookings, claims.Select(c => c.CallbackId).Distinct().Count());
        Assert.All(claims, claim => Assert.Equal(1, claim.Attempt));
        await using var connection = await _first.OpenAsync();
        Assert.Equal(bookings, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM callback_attempts"));
        Assert.Equal(bookings, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM callbacks WHERE status = 'dialing' AND attempts = 1"));
    }
}
