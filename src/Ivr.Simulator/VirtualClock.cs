namespace Ivr.Simulator;

/// <summary>A <see cref="TimeProvider"/> whose time moves only when told: timers (and so <c>Task.Delay(t, clock)</c>
/// and <c>new CancellationTokenSource(t, clock)</c>) fire while <see cref="AdvanceTo"/> passes their due time, in due
/// order, ties in creation order.</summary>
/// <remarks>Callbacks run on the thread that advances, outside the clock's lock, so they may create or change timers.
/// Not FakeTimeProvider: the switchboard jumps to <see cref="NextDue"/> and wakes on <see cref="TimerSet"/>, which it has not.</remarks>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    public static readonly DateTimeOffset DefaultStart = new(2025, 3, 3, 8, 0, 0, TimeSpan.Zero);

    private readonly Lock gate = new();
    private readonly List<VirtualTimer> scheduled = [];
    private DateTimeOffset now = start;
    private long created;

    public VirtualClock() : this(DefaultStart)
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
            return now;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>
    /// Raised whenever a timer is set (outside the clock's lock), so that a test can await background work that ends by
    /// setting its next timer (a round going to sleep) instead of sleeping on the wall clock.
    /// </summary>
    public event Action? TimerSet;

    /// <summary>The earliest moment a pending timer is due, or null when nothing is scheduled.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (gate)
                return scheduled.Count == 0 ? null : scheduled.Min(t => t.Due);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        VirtualTimer timer;
        lock (gate)
            timer = new VirtualTimer(this, callback, state, ++created);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan span)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(span, TimeSpan.Zero);
        AdvanceTo(GetUtcNow() + span);
    }

    /// <summary>Moves to <paramref name="target"/>, firing every timer due on the way at its own due time.</summary>
    public void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            VirtualTimer? timer;
            lock (gate)
            {
                if (target < now)
                    throw new ArgumentOutOfRangeException(nameof(target), $"The clock is at {now:O} and cannot go back to {target:O}.");
                timer = scheduled.Where(t => t.Due <= target).MinBy(t => (t.Due, t.Order));
                if (timer is null)
                {
                    now = target;
                    return;
                }
                now = timer.Due;
                scheduled.Remove(timer);
                if (timer.Period > TimeSpan.Zero)
                {
                    timer.Due += timer.Period;
                    scheduled.Add(timer);
                }
            }
            timer.Fire();
        }
    }

    private bool Change(VirtualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (gate)
        {
            if (timer.Disposed)
                return false;
            scheduled.Remove(timer);
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                // Due now means the next advance, even by zero: a timer never fires inside the call that sets it.
                timer.Due = now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                scheduled.Add(timer);
            }
        }
        if (dueTime != Timeout.InfiniteTimeSpan)
            TimerSet?.Invoke();
        return true;
    }

    private void Dispose(VirtualTimer timer)
    {
        lock (gate)
        {
            timer.Disposed = true;
            scheduled.Remove(timer);
        }
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state, long order) : ITimer
    {
        public long Order { get; } = order;
        public DateTimeOffset Due { get; set; }
        public TimeSpan Period { get; set; }
        public bool Disposed { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => clock.Change(this, dueTime, period);

        public void Dispose() => clock.Dispose(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
