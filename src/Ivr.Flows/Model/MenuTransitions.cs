namespace Ivr.Flows.Model;

/// <summary>What moves a call along a <see cref="MenuTransition"/>.</summary>
public enum TransitionTrigger
{
    /// <summary>A new call enters the start menu.</summary>
    Start,
    /// <summary>The caller presses the option's key, or says one of its words.</summary>
    Key,
    /// <summary>A menu without options goes on by itself once it has spoken (<c>next</c>, <c>route</c>, ...).</summary>
    Next,
    /// <summary>Silence until the timeout: the menu is offered again while its attempts last.</summary>
    NoInput,
    /// <summary>A key or words no option has: the menu is offered again while its attempts last.</summary>
    Invalid,
    /// <summary>The attempts are used up: on to the menu's on_fail, or goodbye without one.</summary>
    Fail,
    /// <summary>The lookup found what it looked for.</summary>
    Found,
    /// <summary>The shop has no such thing for the caller.</summary>
    NotFound,
    /// <summary>The shop did not answer.</summary>
    OnError,
    /// <summary>A returning caller takes the offer: back to the department of their last contact.</summary>
    ReturningYes,
    /// <summary>A returning caller declines: the start menu goes on where the greeting left it.</summary>
    ReturningNo,
}

/// <summary>Where a <see cref="MenuTransition"/> leads.</summary>
public enum TransitionTarget
{
    /// <summary>Another (or the same) menu.</summary>
    Menu,
    /// <summary>A department's queue.</summary>
    Queue,
    /// <summary>A callback booked from a department.</summary>
    Callback,
    /// <summary>Goodbye; the call ends.</summary>
    Hangup,
}

/// <summary>One way a call can move from a menu.</summary>
/// <param name="From">The menu id, or <see cref="MenuTransitions.NewCall"/> / <see cref="MenuTransitions.ReturningOffer"/>.</param>
/// <param name="Trigger">What takes it.</param>
/// <param name="To">What kind of place it leads to.</param>
/// <param name="Target">The menu or department id; null for the hang-up.</param>
public sealed record MenuTransition(string From, TransitionTrigger Trigger, TransitionTarget To, string? Target)
{
    /// <summary>The option behind a <see cref="TransitionTrigger.Key"/> transition (its key, words, say, language).</summary>
    public MenuOption? Option { get; init; }

    /// <summary>True when the option's words choose it as well as its key.</summary>
    public bool BySpeech => Option?.Speech.Values.Any(words => words.Count > 0) == true;

    /// <summary>
    /// True for the ways the drawings show: options, a menu's own action, lookup outcomes and on_fail to a menu.
    /// Offering a menu again, the goodbye after failing without on_fail and the returning offer (whose department
    /// depends on the caller) are left out so that the picture stays readable.
    /// </summary>
    public bool IsDrawn => Trigger is TransitionTrigger.Key or TransitionTrigger.Next
        or TransitionTrigger.Found or TransitionTrigger.NotFound or TransitionTrigger.OnError
        || (Trigger == TransitionTrigger.Fail && To == TransitionTarget.Menu);
}

/// <summary>
/// Every transition of one compiled menu version, computed once by the compiler. The engine steps along it, the
/// Mermaid graph and the console's diagram draw it, and the validator's reachability check walks it, so the four
/// cannot disagree. Immutable: each menu version has its own table.
/// </summary>
public sealed class MenuTransitions
{
    /// <summary>Where a call comes from before its first menu (the event log's "from" of a start).</summary>
    public const string NewCall = "(new)";

    /// <summary>
    /// The call's place while a returning caller is offered to continue their last matter (never a menu id of the
    /// file, which cannot contain parentheses).
    /// </summary>
    public const string ReturningOffer = "(returning)";

    private static readonly IReadOnlyList<MenuTransition> None = [];
    private readonly Dictionary<string, IReadOnlyList<MenuTransition>> _from;

    private MenuTransitions(List<MenuTransition> all, IReadOnlyCollection<string> menus, string? hotlineOnFail)
    {
        All = all.AsReadOnly();
        _from = all.GroupBy(t => t.From).ToDictionary(g => g.Key, g => (IReadOnlyList<MenuTransition>)g.ToList().AsReadOnly());
        Start = all.FirstOrDefault(t => t.Trigger == TransitionTrigger.Start);
        // The hotline's on_fail is where the file sends failing callers by default, so it counts as reached.
        var roots = new[] { Start?.Target, hotlineOnFail }.OfType<string>().Where(menus.Contains);
        var reached = Reached(roots, new HashSet<string>());
        Unreachable = menus.Where(id => !reached.Contains(id)).ToHashSet();
    }

    /// <summary>Every transition: the start, then menu by menu in file order, then the returning offer.</summary>
    public IReadOnlyList<MenuTransition> All { get; }

    /// <summary>The way into the start menu; null when the file names no start menu it has.</summary>
    public MenuTransition? Start { get; }

    /// <summary>The menus no chain of transitions from the start (or from the hotline's on_fail) reaches.</summary>
    public IReadOnlySet<string> Unreachable { get; }

    /// <summary>The transitions from <paramref name="from"/>, in the order of the file.</summary>
    public IReadOnlyList<MenuTransition> From(string from) => _from.GetValueOrDefault(from) ?? None;

    /// <summary>The transition from <paramref name="from"/> on <paramref name="trigger"/> (for a key, the option with <paramref name="key"/>).</summary>
    public MenuTransition? Find(string from, TransitionTrigger trigger, string? key = null) =>
        From(from).FirstOrDefault(t => t.Trigger == trigger && (key is null || t.Option?.Key == key));

    /// <summary>The menus one transition from <paramref name="menu"/> leads to, in order, each once.</summary>
    public IEnumerable<string> MenusAfter(string menu) =>
        From(menu).Where(t => t.To == TransitionTarget.Menu).Select(t => t.Target!).Distinct();

    /// <summary>The menus reachable from <paramref name="from"/> (themselves included) without passing <paramref name="without"/>.</summary>
    public HashSet<string> Reached(IEnumerable<string> from, IReadOnlySet<string> without)
    {
        var reached = new HashSet<string>();
        var pending = new Queue<string>();
        foreach (var id in from.Where(id => !without.Contains(id) && reached.Add(id)))
            pending.Enqueue(id);
        while (pending.TryDequeue(out var id))
        {
            foreach (var next in MenusAfter(id).Where(next => !without.Contains(next) && reached.Add(next)))
                pending.Enqueue(next);
        }
        return reached;
    }

    /// <summary>
    /// Computes the table of <paramref name="menus"/> (in file order). References must already be resolved to menu
    /// and department ids; ones that are not are left out. <paramref name="returningDepartments"/> are the
    /// departments a returning caller may be sent back to; null when the file makes no returning offer.
    /// </summary>
    public static MenuTransitions Build(
        string? start, string? hotlineOnFail, IReadOnlyList<Menu> menus, IEnumerable<string>? returningDepartments)
    {
        var ids = menus.Select(m => m.Id).ToHashSet();
        var all = new List<MenuTransition>();
        if (start is not null && ids.Contains(start))
            all.Add(new MenuTransition(NewCall, TransitionTrigger.Start, TransitionTarget.Menu, start));
        foreach (var menu in menus)
        {
            foreach (var option in menu.Options)
                all.Add(To(menu.Id, TransitionTrigger.Key, option.Action) with { Option = option });
            if (menu.Action is MenuAction.Lookup lookup)
            {
                all.Add(new MenuTransition(menu.Id, TransitionTrigger.Found, TransitionTarget.Menu, lookup.Found));
                all.Add(new MenuTransition(menu.Id, TransitionTrigger.NotFound, TransitionTarget.Menu, lookup.NotFound));
                all.Add(new MenuTransition(menu.Id, TransitionTrigger.OnError, TransitionTarget.Menu, lookup.OnError));
            }
            else if (menu.Action is { } action)
                all.Add(To(menu.Id, TransitionTrigger.Next, action));
            // Only a menu that waits for input can fail; one that only speaks and goes on never does.
            if (menu.AsksForInput)
            {
                all.Add(new MenuTransition(menu.Id, TransitionTrigger.NoInput, TransitionTarget.Menu, menu.Id));
                all.Add(new MenuTransition(menu.Id, TransitionTrigger.Invalid, TransitionTarget.Menu, menu.Id));
                all.Add(menu.OnFail is { } onFail
                    ? new MenuTransition(menu.Id, TransitionTrigger.Fail, TransitionTarget.Menu, onFail)
                    : new MenuTransition(menu.Id, TransitionTrigger.Fail, TransitionTarget.Hangup, null));
            }
        }
        if (returningDepartments is not null && start is not null && ids.Contains(start))
        {
            foreach (var department in returningDepartments)
                all.Add(new MenuTransition(ReturningOffer, TransitionTrigger.ReturningYes, TransitionTarget.Queue, department));
            all.Add(new MenuTransition(ReturningOffer, TransitionTrigger.ReturningNo, TransitionTarget.Menu, start));
        }
        all.RemoveAll(t => t.To == TransitionTarget.Menu && !ids.Contains(t.Target!));
        return new MenuTransitions(all, ids, hotlineOnFail);
    }

    private static MenuTransition To(string from, TransitionTrigger trigger, MenuAction action) => action switch
    {
        MenuAction.GoTo goTo => new MenuTransition(from, trigger, TransitionTarget.Menu, goTo.Menu),
        MenuAction.Route route => new MenuTransition(from, trigger, TransitionTarget.Queue, route.Department),
        MenuAction.Callback callback => new MenuTransition(from, trigger, TransitionTarget.Callback, callback.Department),
        MenuAction.Hangup => new MenuTransition(from, trigger, TransitionTarget.Hangup, null),
        _ => throw new ArgumentException($"Action {action} of menu '{from}' is not a single transition.", nameof(action)),
    };
}
