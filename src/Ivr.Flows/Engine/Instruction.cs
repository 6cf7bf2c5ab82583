namespace Ivr.Flows.Engine;

/// <summary>What the host must do for the caller, in order. Rendered as TwiML by the host.</summary>
public abstract record Instruction
{
    private Instruction() { }

    /// <summary>Speak a text.</summary>
    public sealed record Say(string Text, string Language, string? Voice) : Instruction;

    /// <summary>Ask for a key or speech: speak the prompt while listening; no input comes back as <see cref="CallInput.NoInput"/>.</summary>
    public sealed record Gather(
        IReadOnlyList<Say> Prompt,
        string Language,
        int TimeoutSeconds,
        int NumDigits,
        IReadOnlyList<string> Hints) : Instruction;

    /// <summary>
    /// Put the caller in a department's queue, at the place of <paramref name="Since"/> (default: now); a returning
    /// caller is kept for <paramref name="PreferredAgent"/>, who talked to them last, until <paramref name="PreferredUntil"/>.
    /// </summary>
    public sealed record Enqueue(string Department, string Language, DateTimeOffset? Since = null,
        string? PreferredAgent = null, DateTimeOffset? PreferredUntil = null) : Instruction;

    /// <summary>
    /// Book a callback from a department: the host asks the caller to confirm <paramref name="Number"/> (their own,
    /// null when withheld) or to key in another, then books it and says the reference.
    /// </summary>
    public sealed record BookCallback(string Department, string? Number) : Instruction;

    /// <summary>
    /// The department is closed: offer a callback <paramref name="When"/> (its next opening, in words); without a
    /// key the call ends with a goodbye.
    /// </summary>
    public sealed record OfferCallback(string Department, string Language, string When) : Instruction;

    /// <summary>End the call.</summary>
    public sealed record Hangup : Instruction;

    /// <summary>
    /// Look something up in the shop (<paramref name="Kind"/>, e.g. <c>order</c>) for the caller, in
    /// <paramref name="Language"/>; the host answers with <see cref="CallInput.LookupDone"/> when it is done.
    /// </summary>
    public sealed record Lookup(string Kind, string Language) : Instruction;
}

/// <summary>One transition of a call, as stored in the event log.</summary>
/// <param name="From">The menu the call was at (or phase name).</param>
/// <param name="To">The menu the call is at afterwards.</param>
/// <param name="Trigger">What moved it: start, key, speech, no_input, invalid, replay, fail, route, closed, callback, hangup, next.</param>
/// <param name="Input">The digits or speech that moved it, if any.</param>
public sealed record Transition(string From, string To, string Trigger, string? Input);

/// <summary>The outcome of one step: the new state, what happened, and what to tell the caller.</summary>
public sealed record StepResult(CallState State, Transition Transition, IReadOnlyList<Instruction> Instructions);
