namespace Ivr.Api.Tests.Twilio;

/// <summary>
/// A clock whose timers fire at once, moving the clock by their delay and recording it, so retry backoff is
/// asserted without sleeping. Kept instead of FakeTimeProvider, whose timers wait until a test advances it: here the
/// retry loop under test runs on its own.
/// </summary>
internal sealed class InstantTimeProvider : TimeProvider
{
    private readonly Lock gate = new();
    private DateTimeOffset now = new(2025, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private readonly List<TimeSpan> delays = [];

    public IReadOnlyList<TimeSpan> Delays
    {
        get { lock (gate) return [.. delays]; }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate) return now;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (gate)
            {
                delays.Add(dueTime);
                now += dueTime;
            }
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }
        return new FiredTimer();
    }

    private sealed class FiredTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
