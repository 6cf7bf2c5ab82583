namespace Ivr.Flows.Model;

/// <summary>
/// A whole hotline compiled from <c>ivr-menus.yaml</c>: immutable, validated, and identified by the hash of the
/// file it was read from, so that a call can stay on the version it started on.
/// </summary>
/// <param name="Version">Short content hash of the YAML text (12 lowercase hex characters).</param>
/// <param name="Hotline">Hotline-wide settings.</param>
/// <param name="Departments">Departments by id.</param>
/// <param name="Menus">Menus by id.</param>
/// <param name="Messages">System messages: built-in defaults with the file's <c>messages:</c> overrides.</param>
/// <param name="Transitions">Every transition of the menus, computed once when the file is compiled.</param>
public sealed record MenuDefinition(
    string Version,
    HotlineSettings Hotline,
    IReadOnlyDictionary<string, Department> Departments,
    IReadOnlyDictionary<string, Menu> Menus,
    SystemMessages Messages,
    MenuTransitions Transitions)
{
    /// <summary>The default (first) language of the hotline.</summary>
    public string DefaultLanguage => Hotline.Languages[0];

    /// <summary>The Twilio voice configured for <paramref name="language"/>, or null for Twilio's default.</summary>
    public string? VoiceFor(string language) => Hotline.Voices.GetValueOrDefault(language);

    /// <summary>The offer to returning callers (<c>returning:</c>); null makes none.</summary>
    public ReturningCallers? Returning { get; init; }

    /// <summary>Hotline-wide settings.</summary>
    public HotlineSettings Hotline
    {
        get;
        init
        {
            field = value;
            UsesShopCustomer = NeedsShopCustomer(Hotline, Menus);
        }
    } = Hotline;

    /// <summary>Menus by id.</summary>
    public IReadOnlyDictionary<string, Menu> Menus
    {
        get;
        init
        {
            field = value;
            UsesShopCustomer = NeedsShopCustomer(Hotline, Menus);
        }
    } = Menus;

    /// <summary>
    /// True when a new call needs the shop's record of the caller: a menu text uses <c>{first_name|...}</c>, or the
    /// caller's language is taken from the shop. Worked out when the definition is made, and again when a copy made
    /// with <c>with</c> sets the hotline or the menus: every new call asks.
    /// </summary>
    public bool UsesShopCustomer { get; private set; } = NeedsShopCustomer(Hotline, Menus);

    private static bool NeedsShopCustomer(HotlineSettings hotline, IReadOnlyDictionary<string, Menu> menus) =>
        hotline.LanguageFromShop || menus.Values.Any(menu =>
            new[] { menu.Say, menu.Prompt }.Concat(menu.Options.Select(o => o.Say)).OfType<LocalizedText>()
                .Any(text => text.Languages.Any(language => PersonalText.UsesFirstName(text.For(language)))));
}

/// <summary>Hotline-wide settings (the <c>hotline:</c> section).</summary>
/// <param name="Name">The shop's name, said in callbacks.</param>
/// <param name="TimeZone">The zone opening hours are read in.</param>
/// <param name="Languages">Twilio language tags; the first is the default.</param>
/// <param name="Voices">Optional Twilio voice per language.</param>
/// <param name="Start">The menu a new call enters.</param>
/// <param name="Attempts">How many times a menu is offered before its on_fail.</param>
/// <param name="TimeoutSeconds">Seconds to wait for a key press or speech.</param>
/// <param name="OnFail">The menu after too many invalid or missing answers; null means goodbye.</param>
/// <param name="Alerts">When the console raises an alert; null or empty means never.</param>
public sealed record HotlineSettings(
    string Name,
    TimeZoneInfo TimeZone,
    IReadOnlyList<string> Languages,
    IReadOnlyDictionary<string, string> Voices,
    string Start,
    int Attempts,
    int TimeoutSeconds,
    string? OnFail,
    AlertThresholds? Alerts = null)
{
    /// <summary>
    /// <c>language_from_shop: true</c>: a caller the shop knows starts in the language the shop has for them, when it
    /// is one of <see cref="Languages"/>.
    /// </summary>
    public bool LanguageFromShop { get; init; }
}

/// <summary>
/// When the console's dashboard raises an alert (the <c>hotline: alerts:</c> section), in percent of today's ended
/// calls: the service level under <see cref="ServiceLevelBelow"/>, or the abandoned share over <see cref="AbandonedAbove"/>.
/// Null: no alert of that kind.
/// </summary>
public sealed record AlertThresholds(int? ServiceLevelBelow, int? AbandonedAbove);

/// <summary>
/// One menu. It may say something on entry, then either asks (<see cref="Options"/> with <see cref="Prompt"/>)
/// or does exactly one <see cref="Action"/>.
/// </summary>
/// <param name="Id">The menu's key under <c>menus:</c>.</param>
/// <param name="Say">Spoken on entry, before anything else; optional.</param>
/// <param name="Prompt">The question of a menu with options.</param>
/// <param name="Options">Key options; empty for a menu with an <see cref="Action"/>.</param>
/// <param name="Action">What the menu does when it has no options.</param>
/// <param name="Attempts">Offers before <see cref="OnFail"/> (menu's own or the hotline's).</param>
/// <param name="TimeoutSeconds">Seconds to wait for input (menu's own or the hotline's).</param>
/// <param name="OnFail">The menu after too many invalid or missing answers (menu's own or the hotline's); null means goodbye.</param>
public sealed record Menu(
    string Id,
    LocalizedText? Say,
    LocalizedText? Prompt,
    IReadOnlyList<MenuOption> Options,
    MenuAction? Action,
    int Attempts,
    int TimeoutSeconds,
    string? OnFail)
{
    /// <summary>True when the menu waits for the caller's choice.</summary>
    public bool AsksForInput => Options.Count > 0;
}

/// <summary>One choice of a menu.</summary>
/// <param name="Key">The phone key: 0-9, * or #.</param>
/// <param name="Say">Spoken when chosen, before the action; optional.</param>
/// <param name="Language">Switches the call to this language when chosen; optional.</param>
/// <param name="Speech">Keywords per language that choose this option when spoken.</param>
/// <param name="Action">What happens when chosen.</param>
public sealed record MenuOption(
    string Key,
    LocalizedText? Say,
    string? Language,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Speech,
    MenuAction Action);

/// <summary>What a menu or option does.</summary>
public abstract record MenuAction
{
    private MenuAction() { }

    /// <summary>Go on to another menu.</summary>
    public sealed record GoTo(string Menu) : MenuAction;

    /// <summary>Queue the caller for a department, announcing the expected wait.</summary>
    public sealed record Route(string Department) : MenuAction;

    /// <summary>Book a callback from a department to the caller's number.</summary>
    public sealed record Callback(string Department) : MenuAction;

    /// <summary>Say goodbye and end the call.</summary>
    public sealed record Hangup : MenuAction;

    /// <summary>
    /// Look something up in the shop (<paramref name="Kind"/>: <c>order</c>), tell the caller, then go on to
    /// <paramref name="Found"/>, <paramref name="NotFound"/> or, when the shop does not answer, <paramref name="OnError"/>.
    /// </summary>
    public sealed record Lookup(string Kind, string Found, string NotFound, string OnError) : MenuAction
    {
        /// <summary>The kinds of lookup the host knows.</summary>
        public static readonly IReadOnlyList<string> Kinds = ["order"];
    }
}

/// <summary>How a lookup in the shop ended.</summary>
public enum LookupOutcome
{
    /// <summary>The shop answered with what was asked for.</summary>
    Found,
    /// <summary>The shop has no such thing for this caller (or the caller gave no usable number).</summary>
    NotFound,
    /// <summary>The shop did not answer in time, or answered something unusable.</summary>
    Unavailable,
}
