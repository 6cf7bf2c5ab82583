using Ivr.Api.Persistence;
using Stateless;

namespace Ivr.Api.Queues;

/// <summary>
/// Whether an agent takes calls (stored in <c>agents.status</c> as <see cref="AgentLifecycle.Stored"/> says). Being on a
/// call, in wrap-up or resting after a missed call are times on the row (<c>busy_call_sid</c>, <c>free_at</c>,
/// <c>away_until</c>), not states: each is conditional on the call that set it.
/// </summary>
public enum AgentStatus
{
    /// <summary>Takes calls while the department is open.</summary>
    Available,
    /// <summary>Said they are away: no calls until they come back.</summary>
    Away,
}

/// <summary>What an agent (or a supervisor for them) says.</summary>
public enum AgentTrigger
{
    /// <summary>Going away.</summary>
    GoAway,
    /// <summary>Back, ready for calls; also ends a rest after a missed call.</summary>
    ComeBack,
}

/// <summary>
/// The one definition of an agent's presence, built around the stored row; saying the same again is allowed (it ends a
/// rest after a missed call), anything else throws <see cref="InvalidTransitionException"/>.
/// </summary>
public static class AgentLifecycle
{
    /// <summary>The texts stored in <c>agents.status</c>, also what the agent API takes and shows.</summary>
    public static class Stored
    {
        public const string Available = "available";
        public const string Away = "away";
    }

    private static readonly StoredNames<AgentStatus> Texts = new(
        (AgentStatus.Available, Stored.Available),
        (AgentStatus.Away, Stored.Away));

    /// <summary>The stored text of <paramref name="status"/>.</summary>
    public static string Name(AgentStatus status) => Texts.Name(status);

    /// <summary>The status stored as <paramref name="text"/>; null for anything else (the agent API checks with it).</summary>
    public static AgentStatus? TryParse(string? text) => Texts.TryParse(text);

    /// <summary>The status stored as <paramref name="text"/>.</summary>
    public static AgentStatus Parse(string text) => Texts.Parse(text);

    /// <summary>The trigger that takes an agent to <paramref name="status"/>.</summary>
    public static AgentTrigger To(AgentStatus status) => status == AgentStatus.Away ? AgentTrigger.GoAway : AgentTrigger.ComeBack;

    /// <summary>The machine around <paramref name="agent"/>: firing a trigger changes <c>agent.Status</c>.</summary>
    public static StateMachine<AgentStatus, AgentTrigger> Of(AgentRow agent)
    {
        var machine = new StateMachine<AgentStatus, AgentTrigger>(() => agent.Status, status => agent.Status = status).Refusing("agent");
        machine.Configure(AgentStatus.Available)
            .Permit(AgentTrigger.GoAway, AgentStatus.Away)
            .PermitReentry(AgentTrigger.ComeBack);
        machine.Configure(AgentStatus.Away)
            .Permit(AgentTrigger.ComeBack, AgentStatus.Available)
            .PermitReentry(AgentTrigger.GoAway);
        return machine;
    }
}
