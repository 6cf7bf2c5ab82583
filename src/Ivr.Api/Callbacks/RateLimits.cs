using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ivr.Api.Persistence;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Callbacks;

/// <summary>
/// How often the callback form and API may be used (keys in the <c>Callbacks</c> section, beside
/// <see cref="CallbackOptions"/>). Every booking makes the shop place a call, so bookings are limited per client
/// address and per number; references are six digits, so looking them up is limited per client.
/// </summary>
public sealed class CallbackLimitOptions
{
    public const string SectionName = CallbackOptions.SectionName;

    public static readonly TimeSpan BookingsPerClientWindow = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan BookingsPerNumberWindow = TimeSpan.FromHours(1);
    public static readonly TimeSpan LookupsPerClientWindow = TimeSpan.FromMinutes(1);

    /// <summary>Bookings one client address may make in 10 minutes.</summary>
    public int BookingsPerClient { get; set; } = 5;

    /// <summary>Bookings for one number in an hour, whoever asks: nobody can have a stranger's phone rung again and again.</summary>
    public int BookingsPerNumber { get; set; } = 3;

    /// <summary>Status lookups and cancellations one client address may make in a minute.</summary>
    public int LookupsPerClient { get; set; } = 30;
}

/// <summary>
/// At most a number of events per key within a sliding window (the times of the recent events are kept, so a
/// burst at the edge of a fixed window cannot double the limit). Memory stays bounded whatever the traffic: keys
/// whose events have all left the window are dropped every minute, and past <paramref name="maxKeys"/> keys the
/// least recently seen go first (forgetting an old key's count is the lesser harm; one key per client address or
/// number is all an attacker with many addresses could grow it by).
/// </summary>
public sealed class SlidingWindowLimiter(TimeSpan window, int maxKeys = SlidingWindowLimiter.DefaultMaxKeys)
{
    public const int DefaultMaxKeys = 100_000;
    private static readonly TimeSpan TidyEvery = TimeSpan.FromMinutes(1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _events = new(StringComparer.Ordinal);
    private DateTimeOffset _nextTidy = DateTimeOffset.MinValue;

    /// <summary>How many keys are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _events.Count;
        }
    }

    /// <summary>
    /// Counts an event for <paramref name="key"/> if fewer than <paramref name="limit"/> happened in the window;
    /// otherwise counts nothing and returns how long until the next one is allowed.
    /// </summary>
    public TimeSpan? TryAcquire(string key, int limit, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (now >= _nextTidy || (_events.Count >= maxKeys && !_events.ContainsKey(key)))
                Tidy(now);
            if (!_events.TryGetValue(key, out var events))
                _events[key] = events = new Queue<DateTimeOffset>();
            while (events.Count > 0 && events.Peek() <= now - window)
                events.Dequeue();
            if (events.Count >= limit)
                return events.ElementAt(events.Count - limit) + window - now;
            events.Enqueue(now);
            return null;
        }
    }

    private void Tidy(DateTimeOffset now)
    {
        foreach (var (key, events) in _events)
        {
            if (events.Count == 0 || events.Last() <= now - window)
                _events.Remove(key);
        }
        _nextTidy = now + TidyEvery;
        if (_events.Count < maxKeys)
            return;
        // Still full of live keys: the least recently seen tenth goes, so that this sort is rare.
        var excess = _events.Count - maxKeys * 9 / 10;
        foreach (var key in _events.OrderBy(e => e.Value.Last()).Take(excess).Select(e => e.Key).ToList())
            _events.Remove(key);
    }
}

/// <summary>
/// The limits of <see cref="CallbackLimitOptions"/> on the service's clock, counted across every instance on the
/// database (<see cref="SharedLimits"/>). Each instance's own count in memory is asked first: what it refuses, all
/// instances together would refuse too, and a flood from one client is refused without a write.
/// </summary>
public sealed class CallbackRateLimits(IOptions<CallbackLimitOptions> options, SharedLimits shared, TimeProvider time)
{
    private readonly SlidingWindowLimiter _bookingsByClient = new(CallbackLimitOptions.BookingsPerClientWindow);
    private readonly SlidingWindowLimiter _bookingsByNumber = new(CallbackLimitOptions.BookingsPerNumberWindow);
    private readonly SlidingWindowLimiter _lookupsByClient = new(CallbackLimitOptions.LookupsPerClientWindow);

    /// <summary>Counts a booking of <paramref name="number"/> (E.164); the wait until the next is allowed when over a limit.</summary>
    public async Task<TimeSpan?> TryBookAsync(HttpContext context, string number, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var client = ClientKey(context);
        var settings = options.Value;
        if ((_bookingsByClient.TryAcquire(client, settings.BookingsPerClient, now)
             ?? _bookingsByNumber.TryAcquire(number, settings.BookingsPerNumber, now)) is { } local)
            return local;
        // The number is kept in the database as a hash: the limit needs to recognise it, not to read it.
        return await shared.TryAcquireAsync($"book-client:{client}", settings.BookingsPerClient,
                   CallbackLimitOptions.BookingsPerClientWindow, now, cancellationToken)
               ?? await shared.TryAcquireAsync($"book-number:{Hashed(number)}", settings.BookingsPerNumber,
                   CallbackLimitOptions.BookingsPerNumberWindow, now, cancellationToken);
    }

    /// <summary>Counts a lookup or cancellation by reference; the wait until the next is allowed when over the limit.</summary>
    public async Task<TimeSpan?> TryLookupAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var client = ClientKey(context);
        return _lookupsByClient.TryAcquire(client, options.Value.LookupsPerClient, now)
               ?? await shared.TryAcquireAsync($"lookup-client:{client}", options.Value.LookupsPerClient,
                   CallbackLimitOptions.LookupsPerClientWindow, now, cancellationToken);
    }

    private static string Hashed(string number) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(number)));

    /// <summary>Sets <c>Retry-After</c> in whole seconds, rounded up.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan wait) =>
        response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The client a request counts for: its address (after forwarded headers), an IPv6 client by its /64 network,
    /// since one connection usually has a whole /64 to pick addresses from.
    /// </summary>
    public static string ClientKey(HttpContext context) => ClientKey(context.Connection.RemoteIpAddress);

    /// <inheritdoc cref="ClientKey(HttpContext)"/>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var network = address.GetAddressBytes();
        Array.Clear(network, 8, 8);
        return new IPAddress(network) + "/64";
    }
}
