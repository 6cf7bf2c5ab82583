namespace Ivr.Simulator;

/// <summary>Running the world on the <see cref="VirtualClock"/>: arrivals started at their times, the clock moved
/// on when all work has settled, and the waits that count a call as idle.</summary>
public sealed partial class Switchboard
{
    private int busy;
    private long activity;

    /// <summary>Runs the world: starts <paramref name="arrivals"/> at their times, and over and over lets all work
    /// settle, then moves the clock to the next due timer, until every call has ended or <paramref name="until"/>
    /// (virtual, from now; default a day) has passed, when the callers still on the line hang up.</summary>
    public async Task<IReadOnlyList<CallRecord>> RunAsync(IEnumerable<IncomingCall> arrivals, TimeSpan? until = null, CancellationToken ct = default)
    {
        var deadline = clock.GetUtcNow() + (until ?? TimeSpan.FromDays(1));
        using var scheduled = ScheduleArrivals(arrivals);
        while (true)
        {
            await SettleAsync(ct);
            if (scheduled.AllStarted && Calls.All(c => c.IsCompleted))
                break;
            var next = clock.NextDue;
            if (next is null || next > deadline)
            {
                clock.AdvanceTo(deadline > clock.GetUtcNow() ? deadline : clock.GetUtcNow());
                await SettleAsync(ct);
                HangUpAll();
                await SettleAsync(ct);
                break;
            }
            clock.AdvanceTo(next.Value);
        }
        return await Task.WhenAll(Calls);
    }

    /// <summary>
    /// Runs one call in real time, for a person on the line: the clock follows the wall clock (so hold music,
    /// agents' rings and talk take as long as they say) until the call ends.
    /// </summary>
    public async Task<CallRecord> RunLiveAsync(IncomingCall call, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var origin = clock.GetUtcNow();
        var record = StartCall(call);
        while (!record.IsCompleted)
        {
            await Task.WhenAny(record, Task.Delay(20, ct));
            var now = origin + started.Elapsed;
            if (now > clock.GetUtcNow())
                clock.AdvanceTo(now);
        }
        return await record;
    }

    /// <summary>
    /// Runs the world on the wall clock for a service in another process: the clock follows
    /// <paramref name="pacedNow"/> (e.g. start + (wall now - origin) × speed, which the service computes the same way)
    /// instead of jumping to the next timer, since the service's own timers run on its own clock. Starts
    /// <paramref name="arrivals"/> at their times (from now); ends when every call has ended and
    /// <paramref name="finished"/> (asked at most every half second of real time) says so, or when
    /// <paramref name="until"/> has passed, when the callers still on the line hang up.
    /// </summary>
    public async Task<IReadOnlyList<CallRecord>> RunPacedAsync(IEnumerable<IncomingCall> arrivals, Func<DateTimeOffset> pacedNow,
        TimeSpan until, Func<Task<bool>>? finished = null, CancellationToken ct = default)
    {
        var deadline = clock.GetUtcNow() + until;
        using var scheduled = ScheduleArrivals(arrivals);
        var asked = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var now = pacedNow();
            if (now > clock.GetUtcNow())
                clock.AdvanceTo(now < deadline ? now : deadline);
            if (clock.GetUtcNow() >= deadline)
            {
                HangUpAll();
                break;
            }
            if (scheduled.AllStarted && Calls.All(c => c.IsCompleted) && asked.ElapsedMilliseconds >= 500)
            {
                asked.Restart();
                if (finished is null || await finished())
                    break;
            }
            await Task.Delay(2, ct);
        }
        // A call hung up at the end may still send its last webhooks; time goes on for them.
        while (!Calls.All(c => c.IsCompleted))
        {
            var now = pacedNow();
            if (now > clock.GetUtcNow())
                clock.AdvanceTo(now);
            await Task.Delay(2, ct);
        }
        return await Task.WhenAll(Calls);
    }

    /// <summary>
    /// Starts <paramref name="arrivals"/> at their times on the clock. The random draws (SID, patience) happen here,
    /// in arrival order, so they do not depend on thread timing. Disposing drops the arrivals not yet started.
    /// </summary>
    private ScheduledArrivals ScheduleArrivals(IEnumerable<IncomingCall> arrivals)
    {
        var ordered = arrivals.OrderBy(a => a.At).ToList();
        var scheduled = new ScheduledArrivals(ordered.Count);
        foreach (var arrival in ordered)
        {
            var random = new Random(seeds.Next());
            var drawn = Sids.New("CA", random);
            var callSid = arrival.CallSid ?? drawn;
            scheduled.Add(clock.CreateTimer(_ =>
            {
                StartCall(arrival, callSid, random);
                scheduled.Started();
            }, null, arrival.At, Timeout.InfiniteTimeSpan));
        }
        return scheduled;
    }

    private sealed class ScheduledArrivals(int count) : IDisposable
    {
        private readonly List<ITimer> _timers = [];
        private int _notStarted = count;

        public bool AllStarted => Volatile.Read(ref _notStarted) == 0;

        public void Add(ITimer timer) => _timers.Add(timer);

        public void Started() => Interlocked.Decrement(ref _notStarted);

        public void Dispose()
        {
            foreach (var timer in _timers)
                timer.Dispose();
        }
    }

    private void HangUpAll()
    {
        List<LiveCall> live;
        lock (gate)
            live = calls.Where(c => !c.IsEnded).ToList();
        foreach (var call in live)
            call.TryInterrupt(new Interruption.HangUp("completed", "caller"));
    }

    /// <summary>Returns once no call is working and no request is in flight, and that has lasted a settle period
    /// (real time), since the service may still be about to call the REST API from background work.</summary>
    public async Task SettleAsync(CancellationToken ct = default)
    {
        while (true)
        {
            var seen = Interlocked.Read(ref activity);
            if (Volatile.Read(ref busy) == 0)
            {
                await Task.Delay(options.SettlePeriod, ct);
                if (Volatile.Read(ref busy) == 0 && Interlocked.Read(ref activity) == seen)
                    return;
            }
            else
                await Task.Delay(1, ct);
        }
    }

    internal void Enter()
    {
        Interlocked.Increment(ref busy);
        Interlocked.Increment(ref activity);
    }

    internal void Leave()
    {
        Interlocked.Decrement(ref busy);
        Interlocked.Increment(ref activity);
    }

    /// <summary>Waits on the virtual clock. The call counts as idle meanwhile, and busy again from the moment the
    /// timer fires or the wait is interrupted, before its continuation is even scheduled.</summary>
    internal async Task WaitAsync(TimeSpan span, CancellationToken interrupt)
    {
        interrupt.ThrowIfCancellationRequested();
        if (span != Timeout.InfiniteTimeSpan && span <= TimeSpan.Zero)
            return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var timer = clock.CreateTimer(_ =>
        {
            if (done.TrySetResult())
                Enter();
        }, null, span, Timeout.InfiniteTimeSpan);
        await using var registration = interrupt.Register(() =>
        {
            if (done.TrySetCanceled(interrupt))
                Enter();
        });
        Leave();
        await done.Task;
    }
}
