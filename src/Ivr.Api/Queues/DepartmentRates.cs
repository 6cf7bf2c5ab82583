using System.Collections.Concurrent;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Waiting;
using Microsoft.Extensions.Options;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>
/// Each department's handle time and patience, learned online from its own calls (a <see cref="RateLearner"/>
/// per department, starting from the configured typical values). Rebuilt from the stored queue entries at start, and
/// again every <see cref="RefreshEvery"/> (<see cref="RefreshAsync"/>), so that every instance on one database learns
/// from the calls all of them answered; between two rebuilds this instance's own calls count at once.
/// </summary>
public sealed class DepartmentRates(Database database, IOptions<QueueOptions> options)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);

    // Replaced whole by a rebuild; a local update racing it lands in the old one and is in the next rebuild anyway.
    private volatile ConcurrentDictionary<string, RateLearner> _learners = new();

    private sealed class EndedEntry
    {
        public string Department { get; set; } = "";
        public string State { get; set; } = "";
        public long EnqueuedAt { get; set; }
        public long? AnsweredAt { get; set; }
        public long EndedAt { get; set; }
        public long? HandleSeconds { get; set; }
    }

    public ServiceRates For(string department) => Learner(department).Current;

    /// <summary>A caller waited <paramref name="waitedSeconds"/> and was served for <paramref name="handleSeconds"/>.</summary>
    public void Served(string department, double waitedSeconds, double handleSeconds, DateTimeOffset at) =>
        _learners.AddOrUpdate(department,
            _ => Cold().WithWait(waitedSeconds, false, at).WithService(handleSeconds, at),
            (_, learner) => learner.WithWait(waitedSeconds, false, at).WithService(handleSeconds, at));

    /// <summary>A caller hung up after waiting <paramref name="waitedSeconds"/>.</summary>
    public void Abandoned(string department, double waitedSeconds, DateTimeOffset at) =>
        _learners.AddOrUpdate(department,
            _ => Cold().WithWait(waitedSeconds, true, at),
            (_, learner) => learner.WithWait(waitedSeconds, true, at));

    /// <summary>What the end of a call settled: callers who hung up waiting, and conversations, each at <paramref name="now"/>.</summary>
    public void Ended(CallEnd end, DateTimeOffset now)
    {
        Abandoned(end.Abandoned, now);
        foreach (var answered in end.Answered)
            Served(answered.Department, (answered.AnsweredAt - answered.EnqueuedAt) / 1000.0, answered.TalkedSeconds, now);
    }

    /// <summary>An entry the sweep settled; a lost one teaches nothing, since nobody knows when or how it ended.</summary>
    public void Settled(SettledEntry entry)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(entry.EndedAt);
        if (entry.State == EntryState.Abandoned)
            Abandoned(entry.Department, (entry.EndedAt - entry.EnqueuedAt) / 1000.0, at);
        else if (entry.State == EntryState.Answered && entry.AnsweredAt is { } answered)
            Served(entry.Department, (answered - entry.EnqueuedAt) / 1000.0, entry.TalkedSeconds, at);
    }

    /// <summary>Callers who hung up while waiting, each at <paramref name="now"/>.</summary>
    public void Abandoned(IEnumerable<AbandonedEntry> entries, DateTimeOffset now)
    {
        foreach (var entry in entries)
            Abandoned(entry.Department, (now.ToUnixTimeMilliseconds() - entry.EnqueuedAt) / 1000.0, now);
    }

    /// <summary>Replays the last week of ended queue entries, oldest first (older ones have faded anyway).</summary>
    public Task LoadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => RefreshAsync(now, cancellationToken);

    /// <summary>
    /// Learns again from the last week of ended queue entries in the database, every instance's, oldest first, and
    /// puts the result in place of what this instance learned on its own.
    /// </summary>
    public async Task RefreshAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var rebuilt = new DepartmentRates(database, options);
        await using var connection = await database.OpenAsync(cancellationToken);
        var entries = await connection.QueryAsync<EndedEntry>(
            $"""
            SELECT department AS Department, state AS State, enqueued_at AS EnqueuedAt, answered_at AS AnsweredAt,
                   ended_at AS EndedAt, handle_seconds AS HandleSeconds
            FROM queue_entries
            WHERE state IN ('{EntryText.Answered}', '{EntryText.Abandoned}') AND ended_at >= @since
            ORDER BY ended_at
            """, new { since = (now - TimeSpan.FromDays(7)).ToUnixTimeMilliseconds() });
        foreach (var entry in entries)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(entry.EndedAt);
            if (entry.State == EntryText.Answered && entry.AnsweredAt is { } answered)
                rebuilt.Served(entry.Department, (answered - entry.EnqueuedAt) / 1000.0, entry.HandleSeconds ?? 0, at);
            else if (entry.State == EntryText.Abandoned)
                rebuilt.Abandoned(entry.Department, (entry.EndedAt - entry.EnqueuedAt) / 1000.0, at);
        }
        _learners = rebuilt._learners;
    }

    private RateLearner Learner(string department) => _learners.GetOrAdd(department, _ => Cold());

    private RateLearner Cold() =>
        RateLearner.Cold(options.Value.TypicalHandleSeconds, options.Value.TypicalPatienceSeconds);
}
