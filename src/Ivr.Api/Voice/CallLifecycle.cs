using Ivr.Api.Persistence;
using Ivr.Flows.Engine;
using Stateless;

namespace Ivr.Api.Voice;

/// <summary>What moves a call from one phase to the next: what a step of the menus (or of the callback dialog) did.</summary>
public enum CallTrigger
{
    /// <summary>The caller is (still) in the menus.</summary>
    Menu,
    /// <summary>The caller joins a department's line, or goes back to their place in it.</summary>
    Queue,
    /// <summary>The caller books a callback from the menus.</summary>
    BookCallback,
    /// <summary>The call ends: hung up by the menus, or its status callback says so.</summary>
    Finish,
}

/// <summary>
/// The one definition of a call's lifecycle around the menus (<see cref="CallPhase"/>, stored in <c>calls.phase</c>).
/// The menu engine decides each step's new phase; <see cref="CallStore"/> checks it here before saving, so a step
/// that would move a call where it cannot go (back into the menus from the queue, into the queue once finished)
/// throws <see cref="InvalidTransitionException"/> and nothing of it is kept.
/// </summary>
public static class CallLifecycle
{
    /// <summary>The texts stored in <c>calls.phase</c> (the phases' names, as since the first version).</summary>
    public static class Stored
    {
        public const string InMenu = nameof(CallPhase.InMenu);
        public const string Queued = nameof(CallPhase.Queued);
        public const string CallbackBooked = nameof(CallPhase.CallbackBooked);
        public const string Finished = nameof(CallPhase.Finished);
    }

    private static readonly StoredNames<CallPhase> Texts = new(
        (CallPhase.InMenu, Stored.InMenu),
        (CallPhase.Queued, Stored.Queued),
        (CallPhase.CallbackBooked, Stored.CallbackBooked),
        (CallPhase.Finished, Stored.Finished));

    /// <summary>The stored text of <paramref name="state"/>.</summary>
    public static string Name(CallPhase state) => Texts.Name(state);

    /// <summary>The state stored as <paramref name="text"/>.</summary>
    public static CallPhase Parse(string text) => Texts.Parse(text);

    /// <summary>The machine around a call's phase, read and written through <paramref name="get"/> and <paramref name="set"/>.</summary>
    public static StateMachine<CallPhase, CallTrigger> Of(Func<CallPhase> get, Action<CallPhase> set)
    {
        var machine = new StateMachine<CallPhase, CallTrigger>(get, set).Refusing("call");
        machine.Configure(CallPhase.InMenu)
            .PermitReentry(CallTrigger.Menu)
            .Permit(CallTrigger.Queue, CallPhase.Queued)
            .Permit(CallTrigger.BookCallback, CallPhase.CallbackBooked)
            .Permit(CallTrigger.Finish, CallPhase.Finished);
        machine.Configure(CallPhase.Queued)
            // Back at their place: the agent missed the ring, or the caller left the callback dialog.
            .PermitReentry(CallTrigger.Queue)
            .Permit(CallTrigger.Finish, CallPhase.Finished);
        machine.Configure(CallPhase.CallbackBooked)
            .Permit(CallTrigger.Finish, CallPhase.Finished);
        // A webhook for a call that has ended ends it again, politely.
        machine.Configure(CallPhase.Finished)
            .PermitReentry(CallTrigger.Finish);
        return machine;
    }

    /// <summary>The trigger of a step whose new phase is <paramref name="phase"/>.</summary>
    public static CallTrigger TriggerTo(CallPhase phase) => phase switch
    {
        CallPhase.InMenu => CallTrigger.Menu,
        CallPhase.Queued => CallTrigger.Queue,
        CallPhase.CallbackBooked => CallTrigger.BookCallback,
        _ => CallTrigger.Finish,
    };

    /// <summary>
    /// Checks the step from <paramref name="previous"/> (null for a new call) to <paramref name="next"/>. A call begins,
    /// and a repeated <c>/voice/incoming</c> begins it afresh (<paramref name="begun"/>), in the menus.
    /// </summary>
    /// <exception cref="InvalidTransitionException">The call cannot take that step.</exception>
    public static void Check(CallState? previous, CallState next, bool begun)
    {
        var checker = Checkers.Value!;
        checker.Phase = previous is null || begun ? CallPhase.InMenu : previous.Phase;
        checker.Machine.Fire(TriggerTo(next.Phase));
    }

    // Every step of every call is checked: the machine is built once per thread (Fire runs synchronously on it),
    // around a phase set before each check.
    private static readonly ThreadLocal<Checker> Checkers = new(() => new Checker());

    private sealed class Checker
    {
        public CallPhase Phase;
        public StateMachine<CallPhase, CallTrigger> Machine { get; }

        public Checker() => Machine = Of(() => Phase, value => Phase = value);
    }
}
