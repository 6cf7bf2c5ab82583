using Ivr.Api.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

/// <summary>The simulated clock a benchmark gives a service process: the same time as the simulator's, timers shortened.</summary>
public sealed class SimulationClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Now_IsTheStartPlusTheWallTimeSinceTheOrigin_TimesTheSpeed()
    {
        var wall = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var clock = new SimulationClock(Start, wall.GetUtcNow().AddSeconds(2), 25, wall);

        Assert.Equal(Start.AddSeconds(-50), clock.GetUtcNow());
        wall.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(Start.AddSeconds(100), clock.GetUtcNow());
        // A process started later computes the same time: a restart does not move the clock.
        var restarted = new SimulationClock(Start, wall.GetUtcNow().AddSeconds(-4), 25, wall);
        Assert.Equal(Start.AddSeconds(100), restarted.GetUtcNow());
    }

    [Fact]
    public async Task ATimer_FiresAfterItsSimulatedTime_InThatTimeDividedByTheSpeed()
    {
        var wall = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var clock = new SimulationClock(Start, wall.GetUtcNow(), 25, wall);

        var wrapUpOver = Task.Delay(TimeSpan.FromSeconds(30), clock);
        wall.Advance(TimeSpan.FromSeconds(1.1));
        Assert.False(wrapUpOver.IsCompleted);
        wall.Advance(TimeSpan.FromSeconds(0.1));
        await wrapUpOver.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System);
        Assert.True(clock.GetUtcNow() >= Start.AddSeconds(30));
    }

    [Fact]
    public void ElapsedTime_IsSimulatedToo()
    {
        var wall = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var clock = new SimulationClock(Start, wall.GetUtcNow(), 25, wall);

        var from = clock.GetTimestamp();
        wall.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromSeconds(50), clock.GetElapsedTime(from));
    }
}
