using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Graph;

/// <summary>Draws a <see cref="MenuDefinition"/> as a Mermaid flowchart, for docs and the admin pages.</summary>
public static partial class MenuGraph
{
    /// <summary>
    /// A Mermaid <c>flowchart TD</c>: a box per menu, a hexagon per department, a circle for the hang-up. Edges are
    /// the drawn transitions of the menu's table (<see cref="MenuTransition.IsDrawn"/>), labelled with the option key
    /// (plus "speech" when keywords also choose it), or with the menu's own action (next, route, callback, hangup);
    /// on_fail edges are dotted, and menus the table cannot reach are dashed (class <c>unreachable</c>). The order
    /// follows the call from the start menu, so the same definition always gives the same text.
    /// </summary>
    public static string ToMermaid(MenuDefinition definition)
    {
        var table = definition.Transitions;
        var menus = MenusInCallOrder(definition);
        var drawn = menus.SelectMany(menu => table.From(menu.Id)).Where(t => t.IsDrawn).ToList();
        var departments = DepartmentsInOrderOfUse(definition, drawn);
        var ids = new NodeIds();

        var lines = new List<string> { "flowchart TD", "    call((call))" };
        lines.AddRange(menus.Select(menu => $"    {ids.Menu(menu.Id)}[\"{Label(menu.Id)}\"]"));
        lines.AddRange(departments.Select(department => $"    {ids.Department(department)}{{{{\"{Label(department)}\"}}}}"));
        if (drawn.Any(t => t.To == TransitionTarget.Hangup))
            lines.Add("    hangup((hang up))");

        if (table.Start is { } start)
            lines.Add($"    call --> {ids.Menu(start.Target!)}");
        foreach (var transition in drawn)
            lines.Add($"    {ids.Menu(transition.From)} {Arrow(definition, transition)} {Target(transition, ids)}");
        var unreachable = menus.Where(menu => table.Unreachable.Contains(menu.Id)).Select(menu => ids.Menu(menu.Id)).ToList();
        if (unreachable.Count > 0)
        {
            lines.Add("    classDef unreachable stroke-dasharray: 5 5");
            lines.Add($"    class {string.Join(",", unreachable)} unreachable");
        }
        return string.Join("\n", lines) + "\n";
    }

    private static string Arrow(MenuDefinition definition, MenuTransition transition) => transition.Trigger switch
    {
        TransitionTrigger.Key => $"-->|\"{Label(transition.Option!.Key + (transition.BySpeech ? " / speech" : "")
            + (transition.To == TransitionTarget.Callback ? " / callback" : ""))}\"|",
        TransitionTrigger.Found or TransitionTrigger.NotFound or TransitionTrigger.OnError =>
            $"-->|\"lookup {(definition.Menus[transition.From].Action as MenuAction.Lookup)?.Kind}: {LookupLabel(transition.Trigger)}\"|",
        TransitionTrigger.Fail => "-.->|on_fail|",
        _ => $"-->|{ActionName(transition.To)}|",
    };

    private static string LookupLabel(TransitionTrigger trigger) => trigger switch
    {
        TransitionTrigger.Found => "found",
        TransitionTrigger.NotFound => "not found",
        _ => "on_error",
    };

    // Breadth-first from start (then the hotline's on_fail) along the table in file order; menus nothing reaches
    // come last, by id.
    private static List<Menu> MenusInCallOrder(MenuDefinition definition)
    {
        var ordered = new List<Menu>();
        var seen = new HashSet<string>();
        var pending = new Queue<string>();
        void Visit(string? id)
        {
            if (id is not null && definition.Menus.ContainsKey(id) && seen.Add(id))
                pending.Enqueue(id);
        }

        Visit(definition.Transitions.Start?.Target);
        Visit(definition.Hotline.OnFail);
        while (pending.TryDequeue(out var id))
        {
            ordered.Add(definition.Menus[id]);
            foreach (var next in definition.Transitions.MenusAfter(id))
                Visit(next);
        }
        ordered.AddRange(definition.Menus.Values.Where(m => !seen.Contains(m.Id)).OrderBy(m => m.Id, StringComparer.Ordinal));
        return ordered;
    }

    private static List<string> DepartmentsInOrderOfUse(MenuDefinition definition, List<MenuTransition> drawn)
    {
        var used = drawn
            .Where(t => t.To is TransitionTarget.Queue or TransitionTarget.Callback)
            .Select(t => t.Target!)
            .Distinct()
            .ToList();
        return used.Concat(definition.Departments.Keys.Except(used).Order(StringComparer.Ordinal)).ToList();
    }

    private static string ActionName(TransitionTarget target) => target switch
    {
        TransitionTarget.Menu => "next",
        TransitionTarget.Queue => "route",
        TransitionTarget.Callback => "callback",
        _ => "hangup",
    };

    private static string Target(MenuTransition transition, NodeIds ids) => transition.To switch
    {
        TransitionTarget.Menu => ids.Menu(transition.Target!),
        TransitionTarget.Queue or TransitionTarget.Callback => ids.Department(transition.Target!),
        _ => "hangup",
    };

    // Mermaid reads quotes and '#' specially inside labels; its entity codes keep them literal.
    private static string Label(string text) => text.Replace("#", "#35;").Replace("\"", "#quot;");

    /// <summary>
    /// Mermaid node ids: prefixed so that a menu and a department may share a name and no id is a Mermaid keyword
    /// ("end"), with characters Mermaid does not allow in ids replaced.
    /// </summary>
    private sealed partial class NodeIds
    {
        private readonly Dictionary<string, string> _ids = [];
        private readonly HashSet<string> _taken = [];

        public string Menu(string id) => Get("menu_", id);

        public string Department(string id) => Get("dept_", id);

        private string Get(string prefix, string id)
        {
            if (_ids.TryGetValue(prefix + id, out var known))
                return known;
            var candidate = prefix + NotAllowed().Replace(id, "_");
            var unique = candidate;
            for (var n = 2; !_taken.Add(unique); n++)
                unique = $"{candidate}_{n}";
            return _ids[prefix + id] = unique;
        }

        [GeneratedRegex("[^A-Za-z0-9_]")]
        private static partial Regex NotAllowed();
    }
}
