namespace Ivr.Flows.Waiting;

/// <summary>What to tell a caller about their wait.</summary>
/// <param name="MeanSeconds">Expected wait given the queue; what accuracy is measured on. 0 when immediate.</param>
/// <param name="PromiseSeconds">The wait the caller is answered within with the requested probability (90%).</param>
/// <param name="PromiseMinutes">
/// "Less than X minutes": <paramref name="PromiseSeconds"/> rounded up to whole minutes, at least 1 (1 is "less
/// than a minute"); 0 only when <paramref name="Immediate"/>.
/// </param>
/// <param name="Immediate">An agent is free for this caller: "you will be connected right away".</param>
public sealed record WaitForecast(double MeanSeconds, double PromiseSeconds, int PromiseMinutes, bool Immediate)
{
    /// <summary>The forecast when an agent is free for the caller.</summary>
    public static WaitForecast Now { get; } = new(0, 0, 0, true);
}
