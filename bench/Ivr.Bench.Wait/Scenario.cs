namespace Ivr.Bench.Wait;

/// <summary>One department model of wait-estimation.md; times in seconds.</summary>
sealed record Scenario(
    string Id,
    string Model,
    double Utilisation,                 // offered load per agent (at 10 agents), averaged over the arrival cycle
    double PatienceSeconds,             // +infinity: nobody abandons
    double ArrivalSwing = 0,            // lambda(t) = lambda (1 + swing sin(2 pi t / period))
    double ArrivalPeriodSeconds = 1,
    bool LognormalHandle = false,       // lognormal with CV 1 instead of exponential
    bool ShiftChange = false)           // 10 agents drop to 8 for 30 minutes every 8 hours
{
    public const int Agents = 10;
    public const double HandleSeconds = 240;
    public const double ShiftEverySeconds = 8 * 3600, ShiftGapSeconds = 30 * 60;
    public const int AgentsDuringShiftChange = 8;

    /// <summary>The queue is Markovian given n (exponential handle, fixed staff): E[Var(W | n)] is the floor.</summary>
    public bool HasFloor => !LognormalHandle && !ShiftChange;

    public double MeanArrivalRate => Utilisation * Agents / HandleSeconds;

    public static readonly IReadOnlyList<Scenario> All =
    [
        new("A", "M/M/10, utilisation 0.90", 0.90, double.PositiveInfinity),
        new("B", "M/M/10, utilisation 0.95", 0.95, double.PositiveInfinity),
        new("C", "M/M/10+M, offered 0.95, patience 5 min", 0.95, 300),
        new("D", "M/M/10+M, offered 1.10, patience 5 min", 1.10, 300),
        new("E", "M_t/M/10+M, 1 + 0.3 sin(2 pi t / 240 min), mean 0.95, patience 5 min", 0.95, 300, 0.3, 240 * 60),
        new("F", "M_t/M/10, 1 + 0.2 sin(2 pi t / 480 min), mean 0.90", 0.90, double.PositiveInfinity, 0.2, 480 * 60),
        new("G", "M/LN/10+M, lognormal handle CV 1, utilisation 0.95, patience 5 min", 0.95, 300, LognormalHandle: true),
        new("H", "M/M/10 at 0.90, 10 agents drop to 8 for 30 min every 8 h", 0.90, double.PositiveInfinity, ShiftChange: true),
    ];
}
