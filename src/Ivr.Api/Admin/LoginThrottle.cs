using System.Collections.Concurrent;
using System.Net;

namespace Ivr.Api.Admin;

/// <summary>
/// Slows down password guessing: a client that fails to sign in <see cref="MaxFailures"/> times within
/// <see cref="Window"/> is refused for <see cref="LockOut"/>, even with the right password. A successful sign-in
/// forgets the client's failures. A client is its address, an IPv6 one its /64 (as for the callback limits).
/// Memory stays bounded: stale entries go every minute, and past <see cref="MaxClients"/> the oldest go first.
/// This is one instance's count, checked first; <see cref="Persistence.SharedLimits"/> counts for all instances.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LockOut = TimeSpan.FromMinutes(5);

    /// <summary>Far more than any real office; past it an attacker with many addresses only evicts their own.</summary>
    public const int MaxClients = 10_000;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    private sealed record Failures(int Count, DateTimeOffset First, DateTimeOffset? LockedUntil);

    private readonly ConcurrentDictionary<string, Failures> _byClient = new();
    private readonly Lock _pruning = new();
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    /// <summary>How many clients are remembered now.</summary>
    public int Count => _byClient.Count;

    /// <summary>How long <paramref name="address"/> must still wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        var now = time.GetUtcNow();
        return _byClient.TryGetValue(ClientKey(address), out var failures) && failures.LockedUntil is { } until && until > now
            ? until - now
            : null;
    }

    public void Failed(string address)
    {
        var now = time.GetUtcNow();
        _byClient.AddOrUpdate(ClientKey(address),
            _ => new Failures(1, now, null),
            (_, known) =>
            {
                if (now - known.First > Window || known.LockedUntil is { } until && until <= now)
                    return new Failures(1, now, null);
                var count = known.Count + 1;
                return new Failures(count, known.First, count >= MaxFailures ? now + LockOut : null);
            });
        if (now >= _nextPrune || _byClient.Count > MaxClients)
            Prune(now);
    }

    public void Succeeded(string address) => _byClient.TryRemove(ClientKey(address), out _);

    /// <summary>The client <paramref name="address"/> counts for: itself, an IPv6 address its /64.</summary>
    public static string ClientKey(string address) =>
        IPAddress.TryParse(address, out var parsed) ? Callbacks.CallbackRateLimits.ClientKey(parsed) : address;

    private void Prune(DateTimeOffset now)
    {
        lock (_pruning)
        {
            _nextPrune = now + PruneEvery;
            foreach (var (client, failures) in _byClient)
                if (IsStale(failures, now))
                    _byClient.TryRemove(client, out _);
            var excess = _byClient.Count - MaxClients * 9 / 10;
            if (_byClient.Count <= MaxClients || excess <= 0)
                return;
            foreach (var client in _byClient.OrderBy(e => e.Value.First).Take(excess).Select(e => e.Key).ToList())
                _byClient.TryRemove(client, out _);
        }
    }

    private static bool IsStale(Failures failures, DateTimeOffset now) =>
        now - failures.First > Window && (failures.LockedUntil is not { } until || until <= now);
}
