using Ivr.Api.Persistence;
using Stateless;

namespace Ivr.Api.Queues;

/// <summary>Where a queue entry stands (stored in <c>queue_entries.state</c> as <see cref="QueueEntryLifecycle.Stored"/> says).</summary>
public enum EntryState
{
    /// <summary>In line for an agent.</summary>
    Waiting,
    /// <summary>Handed to an agent whose phone rings or who talks to the caller.</summary>
    Offered,
    /// <summary>The caller talked to an agent.</summary>
    Answered,
    /// <summary>The caller hung up while waiting, or while the agent's phone rang.</summary>
    Abandoned,
    /// <summary>
    /// The call ended unheard and it is not known when or how (Twilio refused its redirect, or the sweep found it
    /// ended while an agent's phone may have rung): counted as not answered, and not as the caller's patience.
    /// </summary>
    Lost,
    /// <summary>The caller left the line for a callback, which keeps their place.</summary>
    Callback,
    /// <summary>Twilio's queue let the caller go (redirected, or left) without a conversation.</summary>
    Left,
    /// <summary>Twilio's queue ended for another reason (an error in the queue).</summary>
    Failed,
}

/// <summary>What happens to a queue entry.</summary>
public enum EntryTrigger
{
    /// <summary>The distributor hands the caller to a free agent.</summary>
    Offer,
    /// <summary>The redirect failed, or the agent did not answer: back to the caller's old place.</summary>
    Return,
    /// <summary>Twilio refused the redirect because the call has ended.</summary>
    RedirectRefused,
    /// <summary>The dial action says the caller and the agent talked.</summary>
    Talked,
    /// <summary>The call's status callback says it ended.</summary>
    HungUp,
    /// <summary>The sweep found at Twilio that the call ended unheard.</summary>
    FoundEnded,
    /// <summary>The caller pressed 1 for a callback.</summary>
    LeaveForCallback,
    /// <summary>Twilio's queue reports the caller bridged.</summary>
    QueueBridged,
    /// <summary>Twilio's queue reports the caller redirected or leaving.</summary>
    QueueLeft,
    /// <summary>Twilio's queue reports another end.</summary>
    QueueFailed,
}

/// <summary>
/// The one definition of a queue entry's lifecycle: states, triggers and named guards, built around the stored row.
/// Every change of <c>queue_entries.state</c> takes its new state from here; a trigger its state does not permit
/// throws <see cref="InvalidTransitionException"/>.
/// </summary>
public static class QueueEntryLifecycle
{
    /// <summary>The texts stored in <c>queue_entries.state</c>: unchanged since the first version, so SQL may use them.</summary>
    public static class Stored
    {
        public const string Waiting = "waiting";
        public const string Offered = "offered";
        public const string Answered = "answered";
        public const string Abandoned = "abandoned";
        public const string Lost = "lost";
        public const string Callback = "callback";
        public const string Left = "left";
        public const string Failed = "failed";
    }

    private static readonly StoredNames<EntryState> Texts = new(
        (EntryState.Waiting, Stored.Waiting),
        (EntryState.Offered, Stored.Offered),
        (EntryState.Answered, Stored.Answered),
        (EntryState.Abandoned, Stored.Abandoned),
        (EntryState.Lost, Stored.Lost),
        (EntryState.Callback, Stored.Callback),
        (EntryState.Left, Stored.Left),
        (EntryState.Failed, Stored.Failed));

    /// <summary>The stored text of <paramref name="state"/>.</summary>
    public static string Name(EntryState state) => Texts.Name(state);

    /// <summary>The state stored as <paramref name="text"/>.</summary>
    public static EntryState Parse(string text) => Texts.Parse(text);

    // Guards, named as the diagram shows them.
    private const string AgentPickedUp = "agent picked up";
    private const string AgentNotPickedUp = "agent had not picked up";

    /// <summary>The machine around <paramref name="entry"/>: firing a trigger changes <c>entry.State</c>.</summary>
    public static StateMachine<EntryState, EntryTrigger> Of(QueueEntry entry)
    {
        var machine = new StateMachine<EntryState, EntryTrigger>(() => entry.State, state => entry.State = state).Refusing("queue entry");
        bool PickedUp() => entry.BridgedAt is not null;

        machine.Configure(EntryState.Waiting)
            .Permit(EntryTrigger.Offer, EntryState.Offered)
            .Permit(EntryTrigger.HungUp, EntryState.Abandoned)
            .Permit(EntryTrigger.FoundEnded, EntryState.Abandoned)
            .Permit(EntryTrigger.LeaveForCallback, EntryState.Callback)
            .Permit(EntryTrigger.QueueBridged, EntryState.Answered)
            .Permit(EntryTrigger.QueueLeft, EntryState.Left)
            .Permit(EntryTrigger.QueueFailed, EntryState.Failed);

        machine.Configure(EntryState.Offered)
            .Permit(EntryTrigger.Return, EntryState.Waiting)
            .Permit(EntryTrigger.RedirectRefused, EntryState.Lost)
            .Permit(EntryTrigger.Talked, EntryState.Answered)
            // The status callback: a caller whose agent picked up talked until the end; otherwise they hung up while it rang.
            .PermitIf(EntryTrigger.HungUp, EntryState.Answered, PickedUp, AgentPickedUp)
            .PermitIf(EntryTrigger.HungUp, EntryState.Abandoned, () => !PickedUp(), AgentNotPickedUp)
            // The sweep does not know when an unanswered caller gave up: lost, not abandoned.
            .PermitIf(EntryTrigger.FoundEnded, EntryState.Answered, PickedUp, AgentPickedUp)
            .PermitIf(EntryTrigger.FoundEnded, EntryState.Lost, () => !PickedUp(), AgentNotPickedUp);

        // A late status callback tells that a caller closed as lost hung up while waiting.
        machine.Configure(EntryState.Lost)
            .Permit(EntryTrigger.HungUp, EntryState.Abandoned);

        return machine;
    }

    /// <summary>
    /// The state an entry in <paramref name="from"/> (not yet answered by an agent) moves to on <paramref name="trigger"/>,
    /// for statements that change every entry in that state at once.
    /// </summary>
    public static EntryState Next(EntryState from, EntryTrigger trigger)
    {
        var entry = new QueueEntry { State = from };
        Of(entry).Fire(trigger);
        return entry.State;
    }

    /// <summary>The stored text of <see cref="Next"/>.</summary>
    public static string NextName(EntryState from, EntryTrigger trigger) => Name(Next(from, trigger));
}
