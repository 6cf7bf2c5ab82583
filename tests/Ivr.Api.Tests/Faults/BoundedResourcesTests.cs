using System.Net;
using Ivr.Api.Admin;
using Ivr.Api.Callbacks;
using Ivr.Api.LocalPhone;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

/// <summary>Every in-memory map keyed by client, number or call stays bounded under many keys and forgets old ones.</summary>
public sealed class BoundedResourcesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheRateLimiter_StaysBounded_UnderManyDistinctClients_AndForgetsThemAfterTheWindow()
    {
        var limiter = new SlidingWindowLimiter(TimeSpan.FromMinutes(10));

        // An attacker with a large IPv6 block: a fresh /64 for every request, all within a minute.
        for (var i = 0; i < 150_000; i++)
            Assert.Null(limiter.TryAcquire($"2001:db8:{i / 65536:x}:{i % 65536:x}::/64", 5, Noon.AddMilliseconds(i / 10)));
        Assert.InRange(limiter.Count, 1, 100_000);

        Assert.Null(limiter.TryAcquire("203.0.113.7", 5, Noon + TimeSpan.FromMinutes(12)));
        Assert.Equal(1, limiter.Count);
    }

    [Fact]
    public void TheSignInThrottle_StaysBounded_UnderManyDistinctAddresses_AndForgetsThemLater()
    {
        var clock = new FakeTimeProvider(Noon);
        var throttle = new LoginThrottle(clock);

        for (var i = 0; i < 30_000; i++)
            throttle.Failed($"10.{i / 65536}.{i / 256 % 256}.{i % 256}");
        Assert.InRange(throttle.Count, 1, LoginThrottle.MaxClients);

        clock.Advance(LoginThrottle.Window + TimeSpan.FromMinutes(1));
        throttle.Failed("203.0.113.7");
        Assert.Equal(1, throttle.Count);
    }

    [Fact]
    public void TheSignInThrottle_CountsAnIPv6Client_ByItsNetwork()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider(Noon));

        for (var i = 1; i <= LoginThrottle.MaxFailures; i++)
            throttle.Failed($"2001:db8:1:2::{i:x}");

        Assert.NotNull(throttle.RetryAfter("2001:db8:1:2:ffff::9"));
        Assert.Null(throttle.RetryAfter("2001:db8:1:3::1"));
    }

    [Fact]
    public void BrowserPhones_AreBounded_AndTheLinesOfClosedPagesAreForgotten()
    {
        var wall = new FakeTimeProvider(Noon);
        var lines = new PhoneLines(new FakeTimeProvider(Noon), wall);

        for (var i = 0; i < PhoneLines.MaxLines; i++)
            Assert.NotNull(lines.Open($"+4850010{i:D4}"));
        Assert.Null(lines.Open("+48500109999"));
        Assert.Equal(PhoneLines.MaxLines, lines.Count);

        wall.Advance(PhoneLines.Forgotten + TimeSpan.FromSeconds(1));
        Assert.Equal(PhoneLines.MaxLines, lines.CloseForgotten().Count);
        Assert.Equal(0, lines.Count);
        Assert.NotNull(lines.Open("+48500109999"));
    }
}
