using System.Collections.Concurrent;

namespace Ivr.Api.Admin;

/// <summary>
/// Slows down password guessing: a client address that fails to sign in <see cref="MaxFailures"/> times within
/// <see cref="Window"/> is refused for <see cref="LockOut"/>, even with the right password. A successful sign-in
/// forgets the address's failures.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LockOut = TimeSpan.FromMinutes(5);

    // Enough for any real office; past it, addresses whose failures are stale are dropped.
    private const int PruneAbove = 10_000;

    private sealed record Failures(int Count, DateTimeOffset First, DateTimeOffset? LockedUntil);

    private readonly ConcurrentDictionary<string, Failures> _byAddress = new();

    /// <summary>How long <paramref name="address"/> must still wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        var now = time.GetUtcNow();
        return _byAddress.TryGetValue(address, out var failures) && failures.LockedUntil is { } until && until > now
            ? until - now
            : null;
    }

    public void Failed(string address)
    {
        var now = time.GetUtcNow();
        _byAddress.AddOrUpdate(address,
            _ => new Failures(1, now, null),
            (_, known) =>
            {
                if (now - known.First > Window || known.LockedUntil is { } until && until <= now)
                    return new Failures(1, now, null);
                var count = known.Count + 1;
                return new Failures(count, known.First, count >= MaxFailures ? now + LockOut : null);
            });
        if (_byAddress.Count > PruneAbove)
            Prune(now);
    }

    public void Succeeded(string address) => _byAddress.TryRemove(address, out _);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, failures) in _byAddress)
            if (now - failures.First > Window && (failures.LockedUntil is not { } until || until <= now))
                _byAddress.TryRemove(address, out _);
    }
}
