namespace Ivr.Flows.Waiting;

/// <summary>
/// Forecasts a caller's wait from their place in line (Erlang-A, see docs/wait-estimation.md): with k callers
/// still to be taken before them and every agent busy, the wait is a sum of independent exponential stages with
/// rates s*mu + i*theta, i = 0..k, because the next one leaves either to an agent (s*mu) or by hanging up
/// (i*theta for i callers ahead). Its mean is the point estimate and its quantile the spoken promise.
/// </summary>
public static class WaitEstimator
{
    /// <summary>
    /// The forecast for a caller with <see cref="QueueSnapshot.CallersAhead"/> entries ahead of them. Immediate
    /// when more agents are free than callers ahead; free agents take the first callers ahead at once, the rest
    /// wait for busy agents. Null when no agent is on duty: nobody will answer, so there is no wait to promise.
    /// Re-announcing later from the caller's new position gives the remaining wait (the stages are memoryless).
    /// </summary>
    /// <param name="queue">The queue as the caller finds it.</param>
    /// <param name="rates">The department's handle time and patience.</param>
    /// <param name="quantile">Probability that the promise is kept, in (0, 1); 0.9 by default.</param>
    public static WaitForecast? Forecast(QueueSnapshot queue, ServiceRates rates, double quantile = 0.9)
    {
        if (quantile is not (> 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The promise quantile must be in (0, 1).");
        if (queue.AgentsOnDuty == 0)
            return null;
        if (queue.AgentsFree > queue.CallersAhead)
            return WaitForecast.Now;

        var wait = new ErlangAWait(queue.AgentsOnDuty * rates.ServiceRate, rates.AbandonRate,
            queue.CallersAhead - queue.AgentsFree);
        var promise = wait.Quantile(quantile);
        return new WaitForecast(wait.Mean, promise, WholeMinutesAbove(promise), false);
    }

    /// <summary>"Less than X minutes": seconds rounded up to whole minutes, at least one.</summary>
    internal static int WholeMinutesAbove(double seconds) => Math.Max(1, (int)Math.Ceiling(seconds / 60));
}
