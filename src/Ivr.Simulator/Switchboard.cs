using System.Globalization;

namespace Ivr.Simulator;

/// <summary>An in-process Twilio on a <see cref="VirtualClock"/>: many concurrent calls following the service's TwiML,
/// queues that hold callers until the REST API redirects them or their patience runs out, simulated agents behind
/// &lt;Dial&gt;, simulated customers behind outbound calls, and the REST Calls API (<see cref="CreateRestHandler"/>).</summary>
/// <remarks>
/// Deterministic for a seed: call SIDs, patience and talk times (each call draws from its own generator, seeded in
/// arrival order), dial SIDs, queue positions for callers who arrive at different moments, and the firing order of
/// timers. Not deterministic: the order of calls and the service's background work within one virtual moment, since
/// they run on real threads (two callers joining a queue at the same instant, two REST creates at once), and anything
/// the service does that takes longer than <see cref="SwitchboardOptions.SettlePeriod"/> of real time.
/// </remarks>
public sealed class Switchboard(HttpClient webhooks, VirtualClock clock, SwitchboardOptions options)
{
    private readonly Lock gate = new();
    private readonly Random seeds = new(options.Seed);
    private readonly List<LiveCall> calls = [];
    private readonly Dictionary<string, LiveCall> callsBySid = [];
    private readonly Dictionary<string, QueueState> queues = [];
    private readonly HashSet<string> talking = [];
    private readonly List<WebhookAnswer> webhookAnswers = [];
    private readonly List<OutboundCreate> creates = [];
    private readonly Dictionary<string, int> injected = [];
    private int busy;
    private long activity;

    public VirtualClock Clock => clock;
    public SwitchboardOptions Options => options;

    /// <summary>Twilio's REST Calls API, for the service's HttpClient (e.g. ConfigurePrimaryHttpMessageHandler).
    /// A new handler each time, since HttpClientFactory disposes the ones it retires.</summary>
    public HttpMessageHandler CreateRestHandler() => new SwitchboardRestApi(this);

    /// <summary>
    /// The REST handler of a switchboard that does not exist yet: a service starts (and takes its REST client)
    /// before the switchboard, which needs the service's client, can be made. The board is looked up on first use.
    /// </summary>
    public static HttpMessageHandler RestHandlerOf(Func<Switchboard> board) => new LateRestHandler(board);

    private sealed class LateRestHandler(Func<Switchboard> board) : HttpMessageHandler
    {
        private HttpMessageInvoker? _inner;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            (_inner ??= new HttpMessageInvoker(board().CreateRestHandler())).SendAsync(request, cancellationToken);
    }

    /// <summary>Every call so far, incoming and outbound, in the order they started.</summary>
    public IReadOnlyList<Task<CallRecord>> Calls
    {
        get
        {
            lock (gate)
                return calls.Select(c => c.Record).ToList();
        }
    }

    /// <summary>Every webhook sent so far and how the service answered it, in the order the answers came.</summary>
    public IReadOnlyList<WebhookAnswer> WebhookAnswers
    {
        get
        {
            lock (gate)
                return webhookAnswers.ToList();
        }
    }

    /// <summary>Every call created through the REST API, in the order they were created.</summary>
    public IReadOnlyList<OutboundCreate> Creates
    {
        get
        {
            lock (gate)
                return creates.ToList();
        }
    }

    /// <summary>How many times each fault was injected, by its name in <see cref="SwitchboardFaults.Parse"/>.</summary>
    public IReadOnlyDictionary<string, int> Injected
    {
        get
        {
            lock (gate)
                return new Dictionary<string, int>(injected);
        }
    }

    internal void Record(WebhookAnswer answer)
    {
        lock (gate)
            webhookAnswers.Add(answer);
    }

    /// <summary>Counts one injected fault; public for faults carried out outside the switchboard (a killed service).</summary>
    public void Inject(string fault)
    {
        lock (gate)
            injected[fault] = injected.GetValueOrDefault(fault) + 1;
    }

    /// <summary>The calls waiting in a queue, first in line first.</summary>
    public IReadOnlyList<string> Waiting(string queue)
    {
        lock (gate)
            return queues.TryGetValue(queue, out var state) ? state.Members.Select(m => m.CallSid).ToList() : [];
    }

    /// <summary>Starts an incoming call now (its <see cref="IncomingCall.At"/> is ignored).</summary>
    public Task<CallRecord> StartCall(IncomingCall incoming)
    {
        Random random;
        string callSid;
        lock (gate)
        {
            random = new Random(seeds.Next());
            callSid = Sids.New("CA", random);
        }
        return StartCall(incoming, incoming.CallSid ?? callSid, random);
    }

    private Task<CallRecord> StartCall(IncomingCall incoming, string callSid, Random random)
    {
        var setup = new CallSetup { From = incoming.From, To = incoming.To, CallSid = callSid };
        var patience = incoming.Patience ?? options.Patience(random);
        var call = new LiveCall(this, setup, "inbound", patience, random, options.StatusCallbackUrl, CompletedOnly) { Status = "in-progress" };
        return Start(call, session => session.RunAsync(options.VoiceUrl.OriginalString), incoming.Caller);
    }

    internal LiveCall CreateOutboundCall(string to, string from, string? url, string method, string? twiml,
        Uri? statusCallback, IReadOnlySet<string> statusEvents, TimeSpan timeout)
    {
        Random random;
        string callSid;
        lock (gate)
        {
            random = new Random(seeds.Next());
            callSid = Sids.New("CA", random);
        }
        var setup = new CallSetup { From = from, To = to, CallSid = callSid };
        var customer = options.Customers(to);
        var call = new LiveCall(this, setup, "outbound-api", Timeout.InfiniteTimeSpan, random, statusCallback, statusEvents);
        lock (gate)
            creates.Add(new OutboundCreate(callSid, to, url, clock.GetUtcNow()));
        Start(call, session => session.RunOutboundAsync(url, method, twiml, customer, timeout), customer.Caller);
        return call;
    }

    private static readonly IReadOnlySet<string> CompletedOnly = new HashSet<string> { "completed" };

    private Task<CallRecord> Start(LiveCall call, Func<CallSession, Task<CallRecord>> run, ICaller caller)
    {
        var simulator = new SimulatorOptions
        {
            AuthToken = options.AuthToken,
            AccountSid = options.AccountSid,
            MaxRequestsPerCall = options.MaxRequestsWithoutProgress,
            Clock = clock,
            OnEvent = options.OnEvent is { } onEvent ? e => onEvent(call.Setup.CallSid, e) : null,
        };
        var session = new CallSession(webhooks, simulator, caller, call.Setup, CancellationToken.None, call);
        // Busy from now, not from when the thread pool gets to it, so that the world never looks idle in between.
        Enter();
        // Known by its SID before it runs, so that the REST API can already find it when the first webhook arrives.
        var running = new Task<Task<CallRecord>>(async () =>
        {
            try
            {
                return await run(session);
            }
            finally
            {
                Leave();
            }
        });
        call.Record = running.Unwrap();
        lock (gate)
        {
            calls.Add(call);
            callsBySid[call.Setup.CallSid] = call;
        }
        running.Start(TaskScheduler.Default);
        return call.Record;
    }

    internal LiveCall? FindCall(string callSid)
    {
        lock (gate)
            return callsBySid.GetValueOrDefault(callSid);
    }

    /// <summary>What happened on a call this switchboard has placed or received, once it ends; null for a call it
    /// does not know.</summary>
    public Task<CallRecord>? RecordOf(string callSid) => FindCall(callSid)?.Record;

    /// <summary>The caller hangs up: whatever the call is doing (a menu, a queue, an agent) ends now. False when the
    /// call is unknown or has already ended.</summary>
    public bool HangUp(string callSid) =>
        FindCall(callSid)?.TryInterrupt(new Interruption.HangUp("completed", "caller")) ?? false;

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

    internal SimulatedAgent? FindAgent(string address) =>
        options.Agents.GetValueOrDefault(address) ??
        (address.StartsWith("client:", StringComparison.Ordinal) ? options.Agents.GetValueOrDefault(address["client:".Length..]) : null) ??
        options.AnyOtherAgent;

    internal bool IsTalking(string address)
    {
        lock (gate)
            return talking.Contains(address);
    }

    internal bool TryStartTalking(string address)
    {
        lock (gate)
            return talking.Add(address);
    }

    internal void StopTalking(string address)
    {
        lock (gate)
            talking.Remove(address);
    }

    internal QueueMember Join(string queue, string callSid)
    {
        lock (gate)
        {
            if (!queues.TryGetValue(queue, out var state))
                queues[queue] = state = new QueueState(queue);
            var member = new QueueMember(state, callSid, clock.GetUtcNow());
            state.Members.Add(member);
            return member;
        }
    }

    /// <summary>Leaves the queue (once; later calls change nothing) and returns the time spent in it.</summary>
    internal TimeSpan Leave(QueueMember member)
    {
        lock (gate)
        {
            var waited = clock.GetUtcNow() - member.Since;
            if (member.Queue.Members.Remove(member))
            {
                member.Queue.Left++;
                member.Queue.TotalWaited += waited;
            }
            return waited;
        }
    }

    internal IReadOnlyList<KeyValuePair<string, string>> QueueParameters(QueueMember member)
    {
        lock (gate)
        {
            var state = member.Queue;
            var average = state.Left == 0 ? TimeSpan.Zero : state.TotalWaited / state.Left;
            return
            [
                new("QueuePosition", Number(state.Members.IndexOf(member) + 1)), new("QueueSid", CallSession.QueueSid(state.Name)),
                new("QueueTime", Number((long)(clock.GetUtcNow() - member.Since).TotalSeconds)),
                new("AvgQueueTime", Number((long)average.TotalSeconds)), new("CurrentQueueSize", Number(state.Members.Count)),
                new("MaxQueueSize", "1000"),
            ];
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal sealed class QueueState(string name)
    {
        public string Name => name;
        public List<QueueMember> Members { get; } = [];
        public int Left { get; set; }
        public TimeSpan TotalWaited { get; set; }
    }

    /// <summary>A class, not a record: one stay in a queue is only ever equal to itself.</summary>
    internal sealed class QueueMember(QueueState queue, string callSid, DateTimeOffset since)
    {
        public QueueState Queue => queue;
        public string CallSid => callSid;
        public DateTimeOffset Since => since;
    }
}
