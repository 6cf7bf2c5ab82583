using System.Collections.Concurrent;

namespace Ivr.Api.Shop;

/// <summary>
/// Lookups in flight, by call and question. A webhook must answer at once, so it starts the lookup, answers with a
/// filler and a redirect, and the redirected webhook picks the result up here. Another instance (or a restart) just
/// starts the lookup again. Entries are dropped when taken, and after a few minutes if never taken.
/// </summary>
public sealed class ShopLookups(TimeProvider time)
{
    private const int MaxPending = 10_000;
    private static readonly TimeSpan Forgotten = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (Task Task, DateTimeOffset Started)> _pending = new();

    /// <summary>The lookup under <paramref name="key"/>, started now by <paramref name="start"/> if none is in flight.</summary>
    public Task<T> GetOrStart<T>(string key, Func<Task<T>> start) => GetOrStart(key, start, out _);

    /// <summary>As <see cref="GetOrStart{T}(string, Func{Task{T}})"/>, with when the lookup started.</summary>
    public Task<T> GetOrStart<T>(string key, Func<Task<T>> start, out DateTimeOffset started)
    {
        if (_pending.TryGetValue(key, out var known) && known.Task is Task<T> running)
        {
            started = known.Started;
            return running;
        }
        var now = time.GetUtcNow();
        foreach (var (oldKey, old) in _pending)
        {
            if (now - old.Started > Forgotten)
                _pending.TryRemove(oldKey, out _);
        }
        // A lookup that cannot be kept is still made; the next webhook makes it again.
        var task = Task.Run(start);
        started = now;
        if (_pending.Count >= MaxPending)
            return task;
        var kept = _pending.GetOrAdd(key, (task, now));
        started = kept.Started;
        return (Task<T>)kept.Task;
    }

    public void Forget(string key) => _pending.TryRemove(key, out _);

    public int Count => _pending.Count;
}
