using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Graph;

/// <summary>Draws a <see cref="MenuDefinition"/> as a Mermaid flowchart, for docs and the admin pages.</summary>
public static partial class MenuGraph
{
    /// <summary>
    /// A Mermaid <c>flowchart TD</c>: a box per menu, a hexagon per department, a circle for the hang-up. Edges are
    /// labelled with the option key (plus "speech" when keywords also choose it), or with the menu's own action
    /// (next, route, callback, hangup); on_fail edges are dotted. The order follows the call from the start menu,
    /// so the same definition always gives the same text.
    /// </summary>
    public static string ToMermaid(MenuDefinition definition)
    {
        var menus = MenusInCallOrder(definition);
        var departments = DepartmentsInOrderOfUse(definition, menus);
        var ids = new NodeIds();
        var usesHangup = menus.Any(m => m.Action is MenuAction.Hangup || m.Options.Any(o => o.Action is MenuAction.Hangup));

        var lines = new List<string> { "flowchart TD", "    call((call))" };
        lines.AddRange(menus.Select(menu => $"    {ids.Menu(menu.Id)}[\"{Label(menu.Id)}\"]"));
        lines.AddRange(departments.Select(department => $"    {ids.Department(department)}{{{{\"{Label(department)}\"}}}}"));
        if (usesHangup)
            lines.Add("    hangup((hang up))");

        if (definition.Menus.ContainsKey(definition.Hotline.Start))
            lines.Add($"    call --> {ids.Menu(definition.Hotline.Start)}");
        foreach (var menu in menus)
        {
            var from = ids.Menu(menu.Id);
            foreach (var option in menu.Options)
            {
                var label = option.Key + (option.Speech.Values.Any(words => words.Count > 0) ? " / speech" : "")
                    + (option.Action is MenuAction.Callback ? " / callback" : "");
                lines.Add($"    {from} -->|\"{Label(label)}\"| {Target(option.Action, ids)}");
            }
            if (menu.Action is MenuAction.Lookup lookup)
            {
                foreach (var (label, next) in new[] { ("found", lookup.Found), ("not found", lookup.NotFound), ("on_error", lookup.OnError) })
                    lines.Add($"    {from} -->|\"lookup {lookup.Kind}: {label}\"| {ids.Menu(next)}");
            }
            else if (menu.Action is { } action)
                lines.Add($"    {from} -->|{ActionName(action)}| {Target(action, ids)}");
            // on_fail only happens to a menu that waits for input.
            if (menu.AsksForInput && menu.OnFail is { } onFail && definition.Menus.ContainsKey(onFail))
                lines.Add($"    {from} -.->|on_fail| {ids.Menu(onFail)}");
        }
        return string.Join("\n", lines) + "\n";
    }

    // Breadth-first from start (then the hotline's on_fail), following options, next and on_fail in file order;
    // menus nothing reaches come last, by id.
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

        Visit(definition.Hotline.Start);
        Visit(definition.Hotline.OnFail);
        while (pending.TryDequeue(out var id))
        {
            var menu = definition.Menus[id];
            ordered.Add(menu);
            foreach (var option in menu.Options)
                Visit((option.Action as MenuAction.GoTo)?.Menu);
            Visit((menu.Action as MenuAction.GoTo)?.Menu);
            if (menu.Action is MenuAction.Lookup lookup)
            {
                Visit(lookup.Found);
                Visit(lookup.NotFound);
                Visit(lookup.OnError);
            }
            if (menu.AsksForInput)
                Visit(menu.OnFail);
        }
        ordered.AddRange(definition.Menus.Values.Where(m => !seen.Contains(m.Id)).OrderBy(m => m.Id, StringComparer.Ordinal));
        return ordered;
    }

    private static List<string> DepartmentsInOrderOfUse(MenuDefinition definition, List<Menu> menus)
    {
        var used = menus
            .SelectMany(menu => menu.Options.Select(o => o.Action).Append(menu.Action))
            .Select(action => action switch
            {
                MenuAction.Route route => route.Department,
                MenuAction.Callback callback => callback.Department,
                _ => null,
            })
            .OfType<string>()
            .Distinct()
            .ToList();
        return used.Concat(definition.Departments.Keys.Except(used).Order(StringComparer.Ordinal)).ToList();
    }

    private static string ActionName(MenuAction action) => action switch
    {
        MenuAction.GoTo => "next",
        MenuAction.Route => "route",
        MenuAction.Callback => "callback",
        _ => "hangup",
    };

    private static string Target(MenuAction action, NodeIds ids) => action switch
    {
        MenuAction.GoTo goTo => ids.Menu(goTo.Menu),
        MenuAction.Route route => ids.Department(route.Department),
        MenuAction.Callback callback => ids.Department(callback.Department),
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
