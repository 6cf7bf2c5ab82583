namespace Ivr.Flows.Waiting;

/// <summary>
/// Learns a department's <see cref="ServiceRates"/> from its own events: the mean handle time as agent busy time
/// over completed calls and the mean patience as total waiting time (of callers served and abandoned alike) over
/// abandonments, the maximum-likelihood estimates for exponential times with served callers' patience censored.
/// <para>
/// It starts from a prior worth <see cref="PriorWeight"/> observations of the configured typical values, so a new
/// department gets sensible forecasts and one odd call cannot swing them. Evidence fades with age in event time,
/// on two clocks: a long memory (a day by default) gives the estimate that is used, because a short one would
/// track the chance run of long calls that built the current queue and so overstate every long wait; a short
/// memory (two hours) watches for drift, and when it disagrees with the long one beyond doubt (four standard
/// errors) its estimate is used instead until the long memory catches up. Evidence is never faded below the
/// prior's weight, so a quiet night does not leave the morning's first call in sole charge.
/// </para>
/// <para>
/// Immutable: each observation returns a new learner, so a host can keep one per department, swap it atomically
/// and replay stored events into it; time is passed in with every observation, never read from a clock.
/// Observations older than the latest one are counted as if they happened at the latest time.
/// </para>
/// </summary>
public sealed class RateLearner
{
    private const double DriftStandardErrors = 4;

    private readonly Evidence _long, _recent;
    private readonly DateTimeOffset? _last;

    private RateLearner(double priorWeight, Evidence longMemory, Evidence recent, DateTimeOffset? last)
    {
        PriorWeight = priorWeight;
        _long = longMemory;
        _recent = recent;
        _last = last;
    }

    /// <summary>A learner that knows nothing yet but the typical values.</summary>
    /// <param name="typicalHandleSeconds">Expected mean handle time before any call is completed.</param>
    /// <param name="typicalPatienceSeconds">Expected mean patience before any wait has ended (+infinity: none).</param>
    /// <param name="priorWeight">How many observations the typical values are worth.</param>
    /// <param name="halfLife">Age at which evidence counts half in the estimate used; one day by default.</param>
    /// <param name="recentHalfLife">The same for the drift watch; two hours by default.</param>
    public static RateLearner Cold(double typicalHandleSeconds = 240, double typicalPatienceSeconds = 300,
        double priorWeight = 5, TimeSpan? halfLife = null, TimeSpan? recentHalfLife = null)
    {
        var prior = new ServiceRates(typicalHandleSeconds, typicalPatienceSeconds);
        if (!(priorWeight > 0) || double.IsInfinity(priorWeight))
            throw new ArgumentOutOfRangeException(nameof(priorWeight), priorWeight, "The prior weight must be positive.");
        return new RateLearner(priorWeight,
            Evidence.Prior(prior, priorWeight, Seconds(halfLife ?? TimeSpan.FromDays(1), nameof(halfLife))),
            Evidence.Prior(prior, priorWeight, Seconds(recentHalfLife ?? TimeSpan.FromHours(2), nameof(recentHalfLife))),
            null);
    }

    /// <summary>How many observations the typical values are worth; also the least evidence ever kept.</summary>
    public double PriorWeight { get; }

    /// <summary>The rates learned so far.</summary>
    public ServiceRates Current
    {
        get
        {
            var serviceRate = Settled(_long.Services / _long.BusySeconds, _recent.Services, _recent.BusySeconds);
            var abandonRate = Settled(_long.Abandons / _long.WaitedSeconds, _recent.Abandons, _recent.WaitedSeconds);
            return new ServiceRates(1 / serviceRate, abandonRate > 0 ? 1 / abandonRate : double.PositiveInfinity);
        }
    }

    /// <summary>A call an agent completed after <paramref name="handleSeconds"/>, ending at <paramref name="at"/>.</summary>
    public RateLearner WithService(double handleSeconds, DateTimeOffset at)
    {
        RequireDuration(handleSeconds, nameof(handleSeconds));
        return new RateLearner(PriorWeight, Age(_long, at).AddService(handleSeconds),
            Age(_recent, at).AddService(handleSeconds), Later(at));
    }

    /// <summary>
    /// A wait that ended at <paramref name="at"/> after <paramref name="waitedSeconds"/>: the caller reached an
    /// agent (or a callback was placed) or, when <paramref name="abandoned"/>, hung up.
    /// </summary>
    public RateLearner WithWait(double waitedSeconds, bool abandoned, DateTimeOffset at)
    {
        RequireDuration(waitedSeconds, nameof(waitedSeconds));
        return new RateLearner(PriorWeight, Age(_long, at).AddWait(waitedSeconds, abandoned),
            Age(_recent, at).AddWait(waitedSeconds, abandoned), Later(at));
    }

    // The long-memory rate, unless the recent events (count over exposure) put it beyond doubt elsewhere.
    private static double Settled(double longRate, double recentCount, double recentExposure)
    {
        if (recentExposure <= 0)
            return longRate;
        var recentRate = recentCount / recentExposure;
        var standardError = Math.Sqrt(Math.Max(recentCount, 1)) / recentExposure;
        return Math.Abs(recentRate - longRate) > DriftStandardErrors * standardError ? recentRate : longRate;
    }

    private Evidence Age(Evidence evidence, DateTimeOffset at) =>
        _last is { } last && at > last ? evidence.Faded((at - last).TotalSeconds, PriorWeight) : evidence;

    private DateTimeOffset Later(DateTimeOffset at) => _last is { } last && last > at ? last : at;

    private static double Seconds(TimeSpan halfLife, string name) => halfLife > TimeSpan.Zero
        ? halfLife.TotalSeconds
        : throw new ArgumentOutOfRangeException(name, halfLife, "A half-life must be positive.");

    private static void RequireDuration(double seconds, string name)
    {
        if (!(seconds >= 0) || double.IsInfinity(seconds))
            throw new ArgumentOutOfRangeException(name, seconds, "A duration must be a non-negative number of seconds.");
    }

    // Faded sums: completed calls and their handle time; ended waits, of which abandoned, and total waiting.
    private sealed record Evidence(double HalfLifeSeconds, double Services, double BusySeconds, double Waits,
        double Abandons, double WaitedSeconds)
    {
        // The patience prior is priorWeight waits of the typical patience, all abandoned (none if infinite).
        public static Evidence Prior(ServiceRates prior, double weight, double halfLifeSeconds) =>
            double.IsPositiveInfinity(prior.MeanPatienceSeconds)
                ? new(halfLifeSeconds, weight, weight * prior.MeanHandleSeconds, weight, 0, 0)
                : new(halfLifeSeconds, weight, weight * prior.MeanHandleSeconds, weight, weight,
                    weight * prior.MeanPatienceSeconds);

        public Evidence AddService(double handleSeconds) =>
            this with { Services = Services + 1, BusySeconds = BusySeconds + handleSeconds };

        public Evidence AddWait(double waitedSeconds, bool abandoned) => this with
        {
            Waits = Waits + 1,
            Abandons = Abandons + (abandoned ? 1 : 0),
            WaitedSeconds = WaitedSeconds + waitedSeconds,
        };

        // Each stream keeps at least the prior's weight: services for the handle time, waits for the patience.
        public Evidence Faded(double seconds, double priorWeight)
        {
            var decay = Math.Pow(0.5, seconds / HalfLifeSeconds);
            var service = Services <= priorWeight ? 1 : Math.Max(decay, priorWeight / Services);
            var patience = Waits <= priorWeight ? 1 : Math.Max(decay, priorWeight / Waits);
            return new(HalfLifeSeconds, Services * service, BusySeconds * service, Waits * patience,
                Abandons * patience, WaitedSeconds * patience);
        }
    }
}
