using System.Diagnostics;

namespace Ivr.Simulator;

/// <summary>A wall clock that starts at a chosen moment and runs <c>speed</c> times as fast: for real-time calls
/// (a browser phone, a person at a terminal) that must happen on a weekday morning and be over in seconds. Its timers
/// are shortened by the same factor, so <c>Task.Delay(t, clock)</c> ends when <c>t</c> has passed on this clock.</summary>
public sealed class AcceleratedClock : TimeProvider
{
    private readonly DateTimeOffset start;
    private readonly double speed;
    private readonly Stopwatch elapsed = Stopwatch.StartNew();

    public AcceleratedClock(DateTimeOffset start, double speed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(speed, 1.0);
        this.start = start;
        this.speed = speed;
    }

    public override DateTimeOffset GetUtcNow() => start + elapsed.Elapsed * speed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        base.CreateTimer(callback, state, Shorten(dueTime), Shorten(period));

    private TimeSpan Shorten(TimeSpan span) => span <= TimeSpan.Zero ? span : span / speed;
}
