using Ivr.Flows.Waiting;

namespace Ivr.Bench.Wait;

/// <summary>
/// One replication of one department: a FCFS queue with s agents, driven event by event. Callers who hang up
/// stay in line as ghosts, so their potential wait (when an agent would have taken them) is known and scored.
/// </summary>
sealed class Simulation
{
    private const double AnnounceEverySeconds = 60;

    private readonly Scenario _scenario;
    private readonly Random _random;
    private readonly double _scoreFrom, _scoreUntil;
    private readonly ServiceRates _trueRates;
    private readonly Dictionary<(int, int), WaitForecast> _oracle = [];
    private readonly PriorityQueue<Event, (double, long)> _events = new();
    private readonly List<Caller> _line = [];
    private long _sequence;
    private int _lineHead, _waiting, _busy, _agents, _unresolved;
    private double _now, _waitingArrivalSum;

    private RateLearner _learner;
    private int _asteriskHoldSeconds;   // Asterisk's queue holdtime, whole seconds
    private double _lastEnteredWait;   // LES
    private readonly double[] _erlangC = new double[Scenario.Agents + 1];
    private double _lastErlangC;

    public Tally OnArrival { get; } = new();
    public Tally InQueue { get; } = new();

    public Simulation(Scenario scenario, int seed, double warmupSeconds, double scoredSeconds, RateLearner learner)
    {
        _scenario = scenario;
        _random = new Random(seed);
        _scoreFrom = warmupSeconds;
        _scoreUntil = warmupSeconds + scoredSeconds;
        _learner = learner;
        _trueRates = new ServiceRates(Scenario.HandleSeconds, scenario.PatienceSeconds);
        for (var s = 1; s <= Scenario.Agents; s++)
            _erlangC[s] = ErlangCMeanWait(s, scenario.MeanArrivalRate, 1 / Scenario.HandleSeconds);
    }

    private abstract record Event;
    private sealed record Arrival : Event;
    private sealed record ServiceEnd(double HandleSeconds) : Event;
    private sealed record Abandon(Caller Caller) : Event;
    private sealed record Reannounce(Caller Caller) : Event;
    private sealed record Staffing : Event;

    private sealed class Caller(double arrival, bool scored)
    {
        public double Arrival { get; } = arrival;
        public bool Scored { get; } = scored;
        public int LineIndex;
        public bool Abandoned;
        public bool Started;
        public List<Announcement>? Announcements;
    }

    private sealed record Announcement(double At, bool InQueue, double FloorVariance, double[] Estimates, int[] Promises);

    public Simulation Run()
    {
        _agents = Scenario.Agents;
        Schedule(NextArrival(0), new Arrival());
        if (_scenario.ShiftChange)
            Schedule(Scenario.ShiftEverySeconds / 2, new Staffing());
        while (_events.TryDequeue(out var next, out var key))
        {
            _now = key.Item1;
            if (_now >= _scoreUntil && _unresolved == 0)
                break;
            switch (next)
            {
                case Arrival: Arrive(); break;
                case ServiceEnd end: EndService(end.HandleSeconds); break;
                case Abandon abandon: HangUp(abandon.Caller); break;
                case Reannounce again: Announce(again.Caller, inQueue: true); break;
                case Staffing: ChangeStaffing(); break;
            }
        }
        return this;
    }

    private void Schedule(double at, Event e) => _events.Enqueue(e, (at, _sequence++));

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());

    // Thinning: candidates at the peak rate, each kept with probability lambda(t) / peak.
    private double NextArrival(double from)
    {
        var peak = _scenario.MeanArrivalRate * (1 + _scenario.ArrivalSwing);
        var t = from;
        while (true)
        {
            t += Exponential(1 / peak);
            var rate = _scenario.MeanArrivalRate *
                (1 + _scenario.ArrivalSwing * Math.Sin(2 * Math.PI * t / _scenario.ArrivalPeriodSeconds));
            if (_random.NextDouble() * peak <= rate)
                return t;
        }
    }

    private double HandleTime()
    {
        if (!_scenario.LognormalHandle)
            return Exponential(Scenario.HandleSeconds);
        // CV 1: sigma^2 = ln(1 + CV^2) = ln 2, and the log-mean keeps the mean at 240 s.
        var sigma = Math.Sqrt(Math.Log(2));
        var normal = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
        return Math.Exp(Math.Log(Scenario.HandleSeconds) - sigma * sigma / 2 + sigma * normal);
    }

    private static DateTimeOffset At(double t) => DateTimeOffset.UnixEpoch.AddSeconds(t);

    private void Arrive()
    {
        Schedule(NextArrival(_now), new Arrival());
        var caller = new Caller(_now, _now >= _scoreFrom && _now < _scoreUntil);
        if (_busy < _agents)
        {
            StartService(caller);
            return;
        }
        Announce(caller, inQueue: false);
        caller.LineIndex = _line.Count;
        _line.Add(caller);
        _waiting++;
        _waitingArrivalSum += _now;
        if (caller.Scored)
            _unresolved++;
        if (double.IsFinite(_scenario.PatienceSeconds))
            Schedule(_now + Exponential(_scenario.PatienceSeconds), new Abandon(caller));
    }

    private void Announce(Caller caller, bool inQueue)
    {
        if (!caller.Scored || caller.Started || caller.Abandoned)
            return;
        Schedule(_now + AnnounceEverySeconds, new Reannounce(caller));

        var ahead = inQueue ? WaitingAhead(caller) : _waiting;
        var elapsed = _now - caller.Arrival;
        var queue = new QueueSnapshot(ahead, _agents, Math.Max(0, _agents - _busy));
        var learned = WaitEstimator.Forecast(queue, _learner.Current)!;
        if (!_oracle.TryGetValue((ahead, _agents), out var oracle))
            _oracle[(ahead, _agents)] = oracle = WaitEstimator.Forecast(queue, _trueRates)!;

        var asterisk = 60.0 * (Math.Abs(_asteriskHoldSeconds + 30 - (int)elapsed) / 60);
        var hol = HeadOfLineWait();
        var twilio = _waiting > 0 ? _now - _waitingArrivalSum / _waiting : 0;
        if (double.IsFinite(_erlangC[_agents]))
            _lastErlangC = _erlangC[_agents];
        double[] estimates =
        [
            learned.MeanSeconds, oracle.MeanSeconds, asterisk,
            Math.Max(0, _lastEnteredWait - elapsed), Math.Max(0, hol - elapsed), twilio, _lastErlangC,
        ];
        var promises = estimates.Select(e => Math.Max(1, (int)Math.Ceiling(e / 60))).ToArray();
        promises[(int)Predictor.Learned] = learned.PromiseMinutes;
        promises[(int)Predictor.Oracle] = oracle.PromiseMinutes;

        (caller.Announcements ??= []).Add(new Announcement(_now, inQueue, FloorVariance(ahead), estimates, promises));
    }

    private double FloorVariance(int ahead)
    {
        var variance = 0.0;
        for (var i = 0; i <= ahead; i++)
        {
            var rate = _agents * _trueRates.ServiceRate + i * _trueRates.AbandonRate;
            variance += 1 / (rate * rate);
        }
        return variance;
    }

    private int WaitingAhead(Caller caller)
    {
        var ahead = 0;
        for (var i = _lineHead; i < caller.LineIndex; i++)
            if (!_line[i].Abandoned)
                ahead++;
        return ahead;
    }

    private double HeadOfLineWait()
    {
        for (var i = _lineHead; i < _line.Count; i++)
            if (!_line[i].Abandoned)
                return _now - _line[i].Arrival;
        return 0;
    }

    private void HangUp(Caller caller)
    {
        if (caller.Started)
            return;
        caller.Abandoned = true;
        _waiting--;
        _waitingArrivalSum -= caller.Arrival;
        _learner = _learner.WithWait(_now - caller.Arrival, abandoned: true, At(_now));
    }

    private void StartService(Caller caller)
    {
        caller.Started = true;
        _busy++;
        var handle = HandleTime();
        Schedule(_now + handle, new ServiceEnd(handle));
        Resolve(caller);
    }

    private void EndService(double handleSeconds)
    {
        _learner = _learner.WithService(handleSeconds, At(_now));
        _busy--;
        Dispatch();
    }

    private void ChangeStaffing()
    {
        // Agents leaving at the shift change finish their call first: busy may exceed agents on duty for a while.
        var dropping = _agents == Scenario.Agents;
        _agents = dropping ? Scenario.AgentsDuringShiftChange : Scenario.Agents;
        Schedule(_now + (dropping ? Scenario.ShiftGapSeconds : Scenario.ShiftEverySeconds - Scenario.ShiftGapSeconds),
            new Staffing());
        Dispatch();
    }

    // A free agent takes the first caller still on the line; ghosts ahead of them learn their potential wait.
    private void Dispatch()
    {
        while (_busy < _agents && _lineHead < _line.Count)
        {
            var head = _line[_lineHead++];
            if (head.Abandoned)
            {
                Resolve(head);
                continue;
            }
            _waiting--;
            _waitingArrivalSum -= head.Arrival;
            var waited = _now - head.Arrival;
            _lastEnteredWait = waited;
            _asteriskHoldSeconds = (3 * _asteriskHoldSeconds + (int)waited) / 4;
            _learner = _learner.WithWait(waited, abandoned: false, At(_now));
            StartService(head);
        }
        if (_lineHead > 4096 && _lineHead * 2 > _line.Count)
            Compact();
    }

    private void Compact()
    {
        _line.RemoveRange(0, _lineHead);
        _lineHead = 0;
        for (var i = 0; i < _line.Count; i++)
            _line[i].LineIndex = i;
    }

    private void Resolve(Caller caller)
    {
        if (caller.Announcements is null)
            return;
        foreach (var a in caller.Announcements)
            (a.InQueue ? InQueue : OnArrival).Add(_now - a.At, a.FloorVariance, a.Estimates, a.Promises);
        caller.Announcements = null;
        _unresolved--;
    }

    /// <summary>Erlang C mean wait over all callers (ASA); infinite when the load reaches the agents.</summary>
    private static double ErlangCMeanWait(int agents, double arrivalRate, double serviceRate)
    {
        var load = arrivalRate / serviceRate;
        if (load >= agents)
            return double.PositiveInfinity;
        // Erlang B by its recursion, then C = B / (1 - rho (1 - B)).
        var b = 1.0;
        for (var k = 1; k <= agents; k++)
            b = load * b / (k + load * b);
        var rho = load / agents;
        var c = b / (1 - rho * (1 - b));
        return c / (agents * serviceRate - arrivalRate);
    }
}
