namespace Ivr.Flows.Waiting;

/// <summary>What a department's queue looks like when a caller is told the wait.</summary>
/// <param name="CallersAhead">Queue entries ahead of the caller being announced, callbacks included.</param>
/// <param name="AgentsOnDuty">Agents taking this department's calls now, busy ones included.</param>
/// <param name="AgentsFree">Agents on duty who are not in a call now.</param>
public sealed record QueueSnapshot(int CallersAhead, int AgentsOnDuty, int AgentsFree)
{
    /// <summary>Queue entries ahead of the caller being announced, callbacks included.</summary>
    public int CallersAhead { get; } = CallersAhead >= 0
        ? CallersAhead
        : throw new ArgumentOutOfRangeException(nameof(CallersAhead), CallersAhead, "Callers ahead cannot be negative.");

    /// <summary>Agents taking this department's calls now, busy ones included.</summary>
    public int AgentsOnDuty { get; } = AgentsOnDuty >= 0
        ? AgentsOnDuty
        : throw new ArgumentOutOfRangeException(nameof(AgentsOnDuty), AgentsOnDuty, "Agents on duty cannot be negative.");

    /// <summary>Agents on duty who are not in a call now.</summary>
    public int AgentsFree { get; } = AgentsFree >= 0 && AgentsFree <= AgentsOnDuty
        ? AgentsFree
        : throw new ArgumentOutOfRangeException(nameof(AgentsFree), AgentsFree,
            $"Free agents must be between 0 and the {AgentsOnDuty} agents on duty.");
}
