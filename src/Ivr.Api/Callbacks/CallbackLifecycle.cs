using Ivr.Api.Persistence;
using Stateless;

namespace Ivr.Api.Callbacks;

/// <summary>Where a callback stands (stored in <c>callbacks.status</c> as <see cref="CallbackLifecycle.Stored"/> says).</summary>
public enum CallbackStatus
{
    /// <summary>Waiting for its place in line (or for its retry, or for the department to open).</summary>
    Pending,
    /// <summary>An agent is reserved and the customer's phone is being called.</summary>
    Dialing,
    /// <summary>The customer answered and is being put through.</summary>
    Answered,
    /// <summary>The customer talked to an agent.</summary>
    Connected,
    /// <summary>Every try went unanswered.</summary>
    Failed,
    /// <summary>Cancelled by the customer or an admin.</summary>
    Canceled,
}

/// <summary>What happens to a callback.</summary>
public enum CallbackTrigger
{
    /// <summary>The dispatcher claims it for a try: an agent reserved, the customer about to be called.</summary>
    Claim,
    /// <summary>Twilio certainly did not place the try: it never happened.</summary>
    NotPlaced,
    /// <summary>The customer answered the try.</summary>
    CustomerAnswered,
    /// <summary>The try ended without a conversation (no answer, busy, failed, hung up, never confirmed).</summary>
    TryEnded,
    /// <summary>The customer and an agent talked.</summary>
    Talked,
    /// <summary>The customer or an admin cancelled it.</summary>
    Cancel,
}

/// <summary>
/// The one definition of a callback's lifecycle, built around the stored row: every change of <c>callbacks.status</c>
/// takes its new status from here; a trigger its status does not permit throws <see cref="InvalidTransitionException"/>.
/// </summary>
public static class CallbackLifecycle
{
    /// <summary>The texts stored in <c>callbacks.status</c>: unchanged since the first version, so SQL may use them.</summary>
    public static class Stored
    {
        public const string Pending = "pending";
        public const string Dialing = "dialing";
        public const string Answered = "answered";
        public const string Connected = "connected";
        public const string Failed = "failed";
        public const string Canceled = "canceled";

        /// <summary>The statuses of an open booking, as an SQL list: a reference is unique among these only.</summary>
        public const string Open = $"('{Pending}', '{Dialing}', '{Answered}')";
    }

    /// <summary>Every stored status, for checking a filter.</summary>
    public static IReadOnlyList<string> Names => Texts.All;

    private static readonly StoredNames<CallbackStatus> Texts = new(
        (CallbackStatus.Pending, Stored.Pending),
        (CallbackStatus.Dialing, Stored.Dialing),
        (CallbackStatus.Answered, Stored.Answered),
        (CallbackStatus.Connected, Stored.Connected),
        (CallbackStatus.Failed, Stored.Failed),
        (CallbackStatus.Canceled, Stored.Canceled));

    /// <summary>The stored text of <paramref name="state"/>.</summary>
    public static string Name(CallbackStatus state) => Texts.Name(state);

    /// <summary>The state stored as <paramref name="text"/>.</summary>
    public static CallbackStatus Parse(string text) => Texts.Parse(text);

    /// <summary>A try ended, with the number of tries the callback may have (<c>Callbacks:MaxAttempts</c>).</summary>
    public static readonly StateMachine<CallbackStatus, CallbackTrigger>.TriggerWithParameters<int> TryEnded =
        new(CallbackTrigger.TryEnded);

    private const string TriesLeft = "tries left";
    private const string LastTry = "that was the last try";

    /// <summary>The machine around <paramref name="callback"/>: firing a trigger changes <c>callback.Status</c>.</summary>
    public static StateMachine<CallbackStatus, CallbackTrigger> Of(Callback callback)
    {
        var machine = new StateMachine<CallbackStatus, CallbackTrigger>(() => callback.Status, status => callback.Status = status)
            .Refusing("callback");
        machine.SetTriggerParameters<int>(CallbackTrigger.TryEnded);

        machine.Configure(CallbackStatus.Pending)
            .Permit(CallbackTrigger.Claim, CallbackStatus.Dialing)
            .Permit(CallbackTrigger.Cancel, CallbackStatus.Canceled);

        machine.Configure(CallbackStatus.Dialing)
            .Permit(CallbackTrigger.NotPlaced, CallbackStatus.Pending)
            .Permit(CallbackTrigger.CustomerAnswered, CallbackStatus.Answered)
            .PermitIf(TryEnded, CallbackStatus.Pending, max => callback.Attempts < max, TriesLeft)
            .PermitIf(TryEnded, CallbackStatus.Failed, max => callback.Attempts >= max, LastTry);

        // An answered try ends without a conversation only when the sweep finds no report of one after a grace.
        machine.Configure(CallbackStatus.Answered)
            .Permit(CallbackTrigger.Talked, CallbackStatus.Connected)
            .PermitIf(TryEnded, CallbackStatus.Pending, max => callback.Attempts < max, TriesLeft)
            .PermitIf(TryEnded, CallbackStatus.Failed, max => callback.Attempts >= max, LastTry);

        return machine;
    }

    /// <summary>The status a callback in <paramref name="from"/> moves to on <paramref name="trigger"/> (one without parameters).</summary>
    public static CallbackStatus Next(CallbackStatus from, CallbackTrigger trigger)
    {
        var callback = new Callback { Status = from };
        Of(callback).Fire(trigger);
        return callback.Status;
    }

    /// <summary>The stored text of <see cref="Next"/>.</summary>
    public static string NextName(CallbackStatus from, CallbackTrigger trigger) => Name(Next(from, trigger));
}
