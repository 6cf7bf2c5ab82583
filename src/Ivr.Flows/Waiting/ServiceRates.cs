namespace Ivr.Flows.Waiting;

/// <summary>How long a department's calls last and how long its callers are willing to wait, on average.</summary>
/// <param name="MeanHandleSeconds">Mean agent handle time, 1/mu; positive and finite.</param>
/// <param name="MeanPatienceSeconds">
/// Mean time a caller waits before hanging up, 1/theta; positive, <see cref="double.PositiveInfinity"/> when
/// callers never abandon.
/// </param>
public sealed record ServiceRates(double MeanHandleSeconds, double MeanPatienceSeconds)
{
    /// <summary>Mean agent handle time, 1/mu.</summary>
    public double MeanHandleSeconds { get; } = MeanHandleSeconds > 0 && double.IsFinite(MeanHandleSeconds)
        ? MeanHandleSeconds
        : throw new ArgumentOutOfRangeException(nameof(MeanHandleSeconds), MeanHandleSeconds,
            "The mean handle time must be a positive number of seconds.");

    /// <summary>Mean patience, 1/theta; +infinity when nobody abandons.</summary>
    public double MeanPatienceSeconds { get; } = MeanPatienceSeconds > 0 && !double.IsNaN(MeanPatienceSeconds)
        ? MeanPatienceSeconds
        : throw new ArgumentOutOfRangeException(nameof(MeanPatienceSeconds), MeanPatienceSeconds,
            "The mean patience must be a positive number of seconds, or +infinity for no abandonment.");

    /// <summary>Abandonment rate of one waiting caller per second, theta (0 when nobody abandons).</summary>
    public double AbandonRate => 1 / MeanPatienceSeconds;

    /// <summary>Completion rate of one busy agent per second, mu.</summary>
    public double ServiceRate => 1 / MeanHandleSeconds;
}
