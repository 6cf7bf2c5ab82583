using Ivr.Flows.Model;

namespace Ivr.Flows.Engine;

/// <summary>Where a call is in its life around the menus.</summary>
public enum CallPhase
{
    /// <summary>Walking the menus.</summary>
    InMenu,
    /// <summary>Handed to a department's queue.</summary>
    Queued,
    /// <summary>A callback was booked; the call is ending.</summary>
    CallbackBooked,
    /// <summary>The call ended or is ending.</summary>
    Finished,
}

/// <summary>
/// Everything the engine needs to know about a call between two webhooks. Stored by CallSid; immutable.
/// </summary>
/// <param name="MenuVersion">The menu version the call started on; it stays on it until the end.</param>
/// <param name="Menu">The current menu.</param>
/// <param name="Language">The caller's language.</param>
/// <param name="Offered">How many times the current menu has been offered in a row.</param>
/// <param name="Fallbacks">How many times the caller was sent to an on_fail menu.</param>
/// <param name="Step">Counts answered webhooks; action URLs carry it so that a stale request is recognised.</param>
/// <param name="Phase">The call's phase.</param>
public sealed record CallState(
    string MenuVersion,
    string Menu,
    string Language,
    int Offered,
    int Fallbacks,
    int Step,
    CallPhase Phase)
{
    /// <summary>A new call at the start of <paramref name="definition"/>, before its first step.</summary>
    public static CallState Begin(MenuDefinition definition) =>
        new(definition.Version, definition.Hotline.Start, definition.DefaultLanguage, 0, 0, 0, CallPhase.InMenu);
}

/// <summary>What the caller did, as the engine sees it.</summary>
public abstract record CallInput
{
    private CallInput() { }

    /// <summary>The call has just arrived.</summary>
    public sealed record Start : CallInput;

    /// <summary>The caller pressed keys.</summary>
    public sealed record Keys(string Digits) : CallInput;

    /// <summary>The caller said something (Twilio's transcription).</summary>
    public sealed record Speech(string Text) : CallInput;

    /// <summary>The caller said and pressed nothing before the timeout.</summary>
    public sealed record NoInput : CallInput;

    /// <summary>The call's menu is offered again without counting an attempt (a repeated or stale request).</summary>
    public sealed record Replay : CallInput;

    /// <summary>
    /// The host finished a lookup: <paramref name="Said"/> (the answer, already in the caller's language) is spoken,
    /// then the call goes on to the menu the lookup names for <paramref name="Outcome"/>.
    /// <paramref name="Input"/> is what the caller gave (an order number), for the event log.
    /// </summary>
    public sealed record LookupDone(Model.LookupOutcome Outcome, string? Said, string? Input) : CallInput;
}

/// <summary>Facts about the call that come from outside the menu file.</summary>
/// <param name="CallerNumber">The caller's number as Twilio sent it (may be withheld).</param>
/// <param name="FirstName">The caller's first name from the shop, when it knows them; fills <c>{first_name|...}</c>.</param>
/// <param name="ShopLanguage">The caller's language from the shop (used with <c>language_from_shop</c>).</param>
public sealed record CallContext(string? CallerNumber, string? FirstName = null, string? ShopLanguage = null)
{
    /// <summary>
    /// The caller's last contact with a department within the file's <c>returning.within_days</c>, which they are
    /// offered to continue right after the greeting; null for a new caller.
    /// </summary>
    public PreviousContact? Returning { get; init; }
}
