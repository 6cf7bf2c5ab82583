using Stateless;
using Stateless.Graph;

namespace Ivr.Api.Persistence;

/// <summary>
/// A change a lifecycle does not allow (a bug, or a webhook that got past the checks out of order). Thrown inside the
/// write, so nothing of it is kept; a webhook's safety net answers it with the apology.
/// </summary>
public sealed class InvalidTransitionException(string lifecycle, string state, string trigger, string detail)
    : InvalidOperationException($"A {lifecycle} in state {state} cannot take {trigger}{detail}.")
{
    public string Lifecycle { get; } = lifecycle;
    public string State { get; } = state;
    public string Trigger { get; } = trigger;
}

/// <summary>What every lifecycle shares: refusing loudly, and drawing itself.</summary>
public static class Lifecycle
{
    /// <summary>Makes <paramref name="machine"/> throw <see cref="InvalidTransitionException"/> on any trigger its state does not permit.</summary>
    public static StateMachine<TState, TTrigger> Refusing<TState, TTrigger>(this StateMachine<TState, TTrigger> machine, string lifecycle)
        where TState : notnull where TTrigger : notnull
    {
        machine.OnUnhandledTrigger((state, trigger, unmetGuards) => throw new InvalidTransitionException(lifecycle, state.ToString()!,
            trigger.ToString()!, unmetGuards is null || unmetGuards.Count == 0 ? "" : $" (not met: {string.Join(", ", unmetGuards)})"));
        return machine;
    }

    /// <summary>The machine as the Mermaid state diagram Stateless draws; docs/lifecycles.md holds each one.</summary>
    public static string Mermaid<TState, TTrigger>(StateMachine<TState, TTrigger> machine)
        where TState : notnull where TTrigger : notnull =>
        MermaidGraph.Format(machine.GetInfo());
}

/// <summary>
/// The texts a lifecycle's states are stored as: each state has exactly one, checked when the table is made, so an
/// added state without its text fails at start rather than at its first write.
/// </summary>
public sealed class StoredNames<TState> where TState : struct, Enum
{
    private readonly Dictionary<TState, string> _names;
    private readonly Dictionary<string, TState> _states;

    public StoredNames(params (TState State, string Text)[] pairs)
    {
        _names = pairs.ToDictionary(p => p.State, p => p.Text);
        _states = pairs.ToDictionary(p => p.Text, p => p.State, StringComparer.Ordinal);
        foreach (var state in Enum.GetValues<TState>())
        {
            if (!_names.ContainsKey(state))
                throw new InvalidOperationException($"{typeof(TState).Name}.{state} has no stored text.");
        }
        All = [.. Enum.GetValues<TState>().Select(s => _names[s])];
    }

    /// <summary>Every stored text, in the order of the states.</summary>
    public IReadOnlyList<string> All { get; }

    public string Name(TState state) =>
        _names.TryGetValue(state, out var text) ? text : throw new ArgumentOutOfRangeException(nameof(state), state, $"Not a {typeof(TState).Name}.");

    public TState Parse(string text) =>
        _states.TryGetValue(text, out var state) ? state : throw new FormatException($"'{text}' is not a stored {typeof(TState).Name}.");

    public TState? TryParse(string? text) => text is not null && _states.TryGetValue(text, out var state) ? state : null;
}

/// <summary>Every fixed lifecycle of the service, drawn: what docs/lifecycles.md shows, each under its key.</summary>
public static class Lifecycles
{
    public static IReadOnlyDictionary<string, string> Diagrams()
    {
        var phase = Flows.Engine.CallPhase.InMenu;
        return new Dictionary<string, string>
        {
            ["call"] = Lifecycle.Mermaid(Voice.CallLifecycle.Of(() => phase, value => phase = value)),
            ["queue-entry"] = Lifecycle.Mermaid(Queues.QueueEntryLifecycle.Of(new Queues.QueueEntry())),
            ["callback"] = Lifecycle.Mermaid(Callbacks.CallbackLifecycle.Of(new Callbacks.Callback())),
            ["agent"] = Lifecycle.Mermaid(Queues.AgentLifecycle.Of(new Queues.AgentRow())),
        };
    }
}
