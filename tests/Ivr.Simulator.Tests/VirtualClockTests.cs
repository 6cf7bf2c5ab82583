namespace Ivr.Simulator.Tests;

public class VirtualClockTests
{
    [Fact]
    public async Task TaskDelay_CompletesOnlyWhenTheClockPassesItsDueTime()
    {
        var clock = new VirtualClock();
        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await delay.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(VirtualClock.DefaultStart + TimeSpan.FromSeconds(10), clock.GetUtcNow());
    }

    [Fact]
    public void CancellationTokenSource_OnTheClock_CancelsAtItsTime()
    {
        var clock = new VirtualClock();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1), clock);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(timeout.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(timeout.IsCancellationRequested);
    }

    [Fact]
    public void PeriodicTimer_FiresOncePerPeriodPassed_AtItsOwnTimes()
    {
        var clock = new VirtualClock();
        List<DateTimeOffset> fired = [];
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal([1, 3, 5], fired.Select(t => (t - VirtualClock.DefaultStart).TotalSeconds));
        Assert.Equal(VirtualClock.DefaultStart + TimeSpan.FromSeconds(7), clock.NextDue);
    }

    [Fact]
    public void Timers_FireInDueOrder_TiesInCreationOrder_AndDisposedOrChangedOnesFollowSuit()
    {
        var clock = new VirtualClock();
        List<string> fired = [];
        clock.CreateTimer(_ => fired.Add("b"), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        clock.CreateTimer(_ => fired.Add("a"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        clock.CreateTimer(_ => fired.Add("c"), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        var disposed = clock.CreateTimer(_ => fired.Add("never"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        var moved = clock.CreateTimer(_ => fired.Add("d"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        disposed.Dispose();
        moved.Change(TimeSpan.FromSeconds(8), Timeout.InfiniteTimeSpan);

        Assert.Equal(VirtualClock.DefaultStart + TimeSpan.FromSeconds(2), clock.NextDue);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(["a", "b", "c", "d"], fired);
        Assert.Null(clock.NextDue);
    }

    [Fact]
    public void TimerDueNow_FiresOnTheNextAdvance_EvenByZero()
    {
        var clock = new VirtualClock();
        var fired = 0;
        clock.CreateTimer(_ => fired++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Assert.Equal(0, fired);

        clock.Advance(TimeSpan.Zero);

        Assert.Equal(1, fired);
    }

    [Fact]
    public void AdvanceTo_ThePast_Throws()
    {
        var clock = new VirtualClock();
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.AdvanceTo(VirtualClock.DefaultStart));
    }
}
