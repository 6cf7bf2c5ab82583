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

    /// <summary>Put the caller in a department's queue.</summary>
    public sealed record Enqueue(string Department, string Language) : Instruction;

    /// <summary>Book a callback from a department to the caller's number.</summary>
    public sealed record BookCallback(string Department, string? Number) : Instruction;

    /// <summary>End the call.</summary>
    public sealed record Hangup : Instruction;
}

/// <summary>One transition of a call, as stored in the event log.</summary>
/// <param name="From">The menu the call was at (or phase name).</param>
/// <param name="To">The menu the call is at afterwards.</param>
/// <param name="Trigger">What moved it: start, key, speech, no_input, invalid, replay, fail, route, closed, callback, hangup, next.</param>
/// <param name="Input">The digits or speech that moved it, if any.</param>
public sealed record Transition(string From, string To, string Trigger, string? Input);

/// <summary>The outcome of one step: the new state, what happened, and what to tell the caller.</summary>
public sealed record StepResult(CallState State, Transition Transition, IReadOnlyList<Instruction> Instructions);
