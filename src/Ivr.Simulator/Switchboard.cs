// The calls on the board and what is recorded of them. Running the world on the clock: Switchboard.Running.cs;
// queues: Switchboard.Queues.cs; agents: Switchboard.Agents.cs.
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
public sealed partial class Switchboard(HttpClient webhooks, VirtualClock clock, SwitchboardOptions options)
{
    private readonly Lock gate = new();
    private readonly Random seeds = new(options.Seed);
    private readonly List<LiveCall> calls = [];
    private readonly Dictionary<string, LiveCall> callsBySid = [];
    private readonly List<WebhookAnswer> webhookAnswers = [];
    private readonly List<OutboundCreate> creates = [];
    private readonly Dictionary<string, int> injected = [];

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
}
