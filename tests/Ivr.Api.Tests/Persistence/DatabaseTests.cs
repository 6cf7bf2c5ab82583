using Dapper;
using Ivr.Api.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

public sealed class DatabaseTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ivr-db-{Guid.NewGuid():N}.db");
    private Database _database = null!;
    // How many times each Insert has run, by CallSid.
    private readonly Dictionary<string, int> _runs = [];
    // The CallSid of the next row WritePagesAsync writes.
    private int _nextPageRow;

    public async Task InitializeAsync()
    {
        _database = Open();
        await _database.MigrateAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private Database Open(string? synchronous = null, TimeProvider? clock = null, long logRestartBytes = Database.DefaultLogRestartBytes)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ivr"] = $"Data Source={_path}",
                [Database.SynchronousKey] = synchronous,
            })
            .Build();
        return new Database(configuration, clock, logRestartBytes);
    }

    // What the writer connection commits with: 1 is NORMAL (no fsync per commit), 2 is FULL.
    private static Task<long> SynchronousOfBatch(Database database, bool durable)
    {
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<long>> work = (connection, transaction) =>
            connection.ExecuteScalarAsync<long>("PRAGMA synchronous", transaction: transaction);
        return durable ? database.WriteDurableAsync(work) : database.WriteAsync(work);
    }

    // A write that stores its CallSid with the number of the run that stored it (it counts its runs) and answers with
    // that number; with fail, it throws after its insert.
    private Task<int> Insert(string callSid, bool fail = false) =>
        _database.WriteAsync(async (connection, transaction) =>
        {
            var run = _runs[callSid] = _runs.GetValueOrDefault(callSid) + 1;
            await connection.ExecuteAsync(
                "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger, input) VALUES (@callSid, 1, 'a', 'b', 'test', @run)",
                new { callSid, run = run.ToString() }, transaction);
            if (fail)
                throw new InvalidOperationException($"write {callSid} fails");
            return run;
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

    // Holds the writer with a first write until the returned gate is opened, so that what is queued meanwhile is one batch.
    private async Task<(Task First, TaskCompletionSource Release)> HoldTheWriterAsync()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _database.WriteAsync(async (_, _) =>
        {
            running.SetResult();
            await release.Task;
            return 0;
        });
        await running.Task;
        return (first, release);
    }

    // One write of rows of about 4 KB each (a page apiece): what fills the write-ahead log quickly.
    private Task WritePagesAsync(Database database, int rows) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger) VALUES (@callSid, 1, @filler, 'b', 'test')",
            Enumerable.Range(0, rows).Select(_ => new { callSid = $"CA{_nextPageRow++:D6}", filler = new string('x', 4000) }), transaction));

    // A megabyte through the log, in eight batches.
    private async Task WriteAMegabyteAsync(Database database)
    {
        for (var batch = 0; batch < 8; batch++)
            await WritePagesAsync(database, 32);
    }

    private async Task<List<(string CallSid, string Run)>> StoredRunsAsync()
    {
        await using var connection = await _database.OpenAsync();
        return (await connection.QueryAsync<(string, string)>("SELECT call_sid, input FROM call_events ORDER BY call_sid")).ToList();
    }

    [Fact]
    public async Task AWriteBatchedWithAFailingOne_IsKeptOnce_AndItsCallerToldWhatWasKept()
    {
        var (first, release) = await HoldTheWriterAsync();
        var before = Insert("CA-before");
        var failing = Insert("CA-failing", fail: true);
        var after = Insert("CA-after");
        release.SetResult();
        await first;

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        // The batch was rolled back at the failure and run again, each write in a savepoint of its own: the write before
        // the failed one ran twice, the one after it once; each was stored once and answered with the run that was stored.
        Assert.Equal(2, await before);
        Assert.Equal(1, await after);
        Assert.Equal([("CA-after", "1"), ("CA-before", "2")], await StoredRunsAsync());
    }

    [Fact]
    public async Task ABatchWithoutAFailure_RunsEachWriteOnce()
    {
        var (first, release) = await HoldTheWriterAsync();
        var before = Insert("CA-before");
        var after = Insert("CA-after");
        release.SetResult();
        await first;

        Assert.Equal(1, await before);
        Assert.Equal(1, await after);
        Assert.Equal([("CA-after", "1"), ("CA-before", "1")], await StoredRunsAsync());
    }

    [Fact]
    public async Task AWrite_IsAnsweredWhenItsOwnBatchCommits_NotAfterTheWritesQueuedBehindIt()
    {
        // The first write holds its batch open until the test lets it go, so the later writes queue behind it.
        var firstRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _database.WriteAsync(async (connection, transaction) =>
        {
            firstRunning.SetResult();
            await releaseFirst.Task;
            return await connection.ExecuteAsync(
                "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger) VALUES ('CA-first', 1, 'a', 'b', 'test')",
                transaction: transaction);
        });
        await firstRunning.Task;

        // Other requests' writes, slow ones: they hang until the test opens their gate.
        var laterRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseLater = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = Enumerable.Range(0, 300).Select(i => _database.WriteAsync(async (connection, transaction) =>
        {
            laterRunning.TrySetResult();
            await releaseLater.Task;
            return await connection.ExecuteAsync(
                "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger) VALUES (@callSid, 1, 'a', 'b', 'test')",
                new { callSid = $"CA{i:D4}" }, transaction);
        })).ToList();

        releaseFirst.SetResult();
        // The next batch is running: the first write's batch has been committed, so its caller has its answer.
        await laterRunning.Task;
        var answeredInTime = first.IsCompletedSuccessfully;
        var storedMeanwhile = await StoredAsync();

        releaseLater.SetResult();
        await Task.WhenAll(later);
        await first;
        Assert.True(answeredInTime, "the first write waited for the writes queued behind it");
        Assert.Equal(["CA-first"], storedMeanwhile);
        Assert.Equal(301, (await StoredAsync()).Count);
    }

    [Fact]
    public async Task ADurableWrite_IsCommittedWithAnFsync_OrdinaryWritesWithout()
    {
        Assert.Equal(1, await SynchronousOfBatch(_database, durable: false));
        Assert.Equal(2, await SynchronousOfBatch(_database, durable: true));
        Assert.Equal(1, await SynchronousOfBatch(_database, durable: false));
    }

    [Fact]
    public async Task SynchronousFull_FsyncsEveryCommit()
    {
        await using var database = Open(synchronous: "full");
        Assert.Equal(2, await SynchronousOfBatch(database, durable: false));
        Assert.Equal(2, await SynchronousOfBatch(database, durable: true));
    }

    [Fact]
    public void AnUnknownSynchronousSetting_IsRefusedNamingTheKey()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Open(synchronous: "off"));
        Assert.Contains("Data:Synchronous", refused.Message);
        Assert.Contains("Full", refused.Message);
    }

    [Fact]
    public async Task ABatchThatFailsAsAWhole_FailsEachOfItsWrites_AndTheNextWriteGoesThrough()
    {
        // A first write holds the writer so that the next two are taken together, as one batch.
        var (first, releaseFirst) = await HoldTheWriterAsync();
        var innocent = Insert("CA0001");
        // A write that ends the batch's transaction under the writer's feet leaves the writer in an unknown state.
        var broken = _database.WriteAsync((connection, transaction) => connection.ExecuteAsync("ROLLBACK", transaction: transaction));
        releaseFirst.SetResult();
        await first;

        await Assert.ThrowsAnyAsync<Exception>(() => broken);
        await Assert.ThrowsAnyAsync<Exception>(() => innocent);
        Assert.Empty(await StoredAsync());
        await Insert("CA0002");
        Assert.Equal(["CA0002"], await StoredAsync());
    }

    [Fact]
    public async Task WritesQueuedBeforeShutdown_AreCommittedAndAnswered()
    {
        var database = Open();
        var writes = Enumerable.Range(0, 50).Select(i => database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "INSERT INTO call_events (call_sid, at, from_menu, to_menu, trigger) VALUES (@callSid, 1, 'a', 'b', 'test')",
            new { callSid = $"CA{i:D4}" }, transaction))).ToList();
        await database.DisposeAsync();

        Assert.All(writes, write => Assert.True(write.IsCompletedSuccessfully));
        Assert.Equal(50, (await StoredAsync()).Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => database.WriteAsync((_, _) => Task.FromResult(0)));
    }

    [Fact]
    public async Task UnderSteadyWrites_TheLogStartsOverEveryTenSeconds()
    {
        var clock = new FakeTimeProvider();
        await using var database = Open(clock: clock);
        var log = new FileInfo(_path + "-wal");

        await WriteAMegabyteAsync(database);
        log.Refresh();
        var afterFirst = log.Length;
        clock.Advance(TimeSpan.FromSeconds(11));
        // The service's background checkpoint, after which a due restart is made.
        await database.CheckpointAsync();
        await WriteAMegabyteAsync(database);
        log.Refresh();

        // Restarted after the first batch past ten seconds, the log is written again from its start: it holds
        // about one megabyte, not two.
        Assert.True(afterFirst > 1_000_000, $"the log holds {afterFirst} bytes after the first megabyte");
        Assert.True(log.Length < afterFirst * 3 / 2, $"the log grew from {afterFirst} to {log.Length} bytes");
    }

    [Fact]
    public async Task ALogDueToStartOver_WaitsForTheBackgroundCheckpointToEnd_OrForHalfAgainItsSize()
    {
        // A restart holds the writer while it syncs what no background checkpoint has copied yet; right after one has
        // ended, that is only what was written while it ran.
        await using var database = Open(logRestartBytes: 1024 * 1024);
        async Task<long> LogBytesAsync()
        {
            // What the log holds once one more row is written (a restart takes effect at the next write), told by a
            // checkpoint of its own, which the writer does not wait for; busy while the writer's own restart runs.
            await WritePagesAsync(database, 1);
            await using var connection = await database.OpenAsync();
            var pageSize = await connection.ExecuteScalarAsync<long>("PRAGMA page_size");
            (long Busy, long Frames, long Copied) log;
            do
                log = await connection.QuerySingleAsync<(long Busy, long Frames, long Copied)>("PRAGMA wal_checkpoint(PASSIVE)");
            while (log.Busy != 0);
            return log.Frames * pageSize;
        }

        for (var batch = 0; batch < 5; batch++)
            await WritePagesAsync(database, 32);
        var pastTheSize = await LogBytesAsync();
        await database.CheckpointAsync();
        await WritePagesAsync(database, 32);
        await WritePagesAsync(database, 32);
        var afterTheCheckpoint = await LogBytesAsync();
        for (var batch = 0; batch < 16; batch++)
            await WritePagesAsync(database, 32);
        var withoutACheckpoint = await LogBytesAsync();

        Assert.True(pastTheSize > 1024 * 1024, $"the log held {pastTheSize} bytes before a checkpoint ended");
        Assert.True(afterTheCheckpoint < 512 * 1024, $"the log held {afterTheCheckpoint} bytes after the checkpoint");
        Assert.True(withoutACheckpoint < 1536 * 1024, $"the log held {withoutACheckpoint} bytes after 2 MB without a checkpoint");
    }

    [Fact]
    public async Task UnderSteadyWritesAndReads_TheLogStaysBounded()
    {
        // Under saturation small batches commit hundreds of times a second, each writing its pages to the log again:
        // tens of megabytes a second, so a restart every ten seconds let the log reach gigabytes. Here 48 MB go
        // through the log at 10 MB a second of the clock, while readers (webhooks' short reads) never stop, with the
        // restart at 16 MB. No background checkpoint runs here, so the log starts over at half again that size: two
        // restarts fall within the test.
        var clock = new FakeTimeProvider();
        await using var database = Open(clock: clock, logRestartBytes: 16 * 1024 * 1024);
        using var stopReading = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stopReading.IsCancellationRequested)
            {
                await using var connection = await database.OpenAsync();
                await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM call_events WHERE call_sid = 'CA000000'");
            }
        })).ToList();
        var log = new FileInfo(_path + "-wal");
        long largest = 0;
        for (var megabyte = 0; megabyte < 48; megabyte++)
        {
            await WriteAMegabyteAsync(database);
            log.Refresh();
            largest = Math.Max(largest, log.Exists ? log.Length : 0);
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        await stopReading.CancelAsync();
        await Task.WhenAll(readers);

        Assert.True(largest < 2 * database.LogRestartBytes, $"the log reached {largest} bytes");
    }

    [Fact]
    public async Task MigratingAgain_KeepsTheData()
    {
        await Insert("CA0001");
        await _database.MigrateAsync();
        Assert.Equal(["CA0001"], await StoredAsync());
    }
}
