using Ivr.Flows.Model;

namespace Ivr.Api.Admin;

/// <summary>
/// Draws a <see cref="MenuDefinition"/> as an SVG diagram for the console, without any drawing library: the call
/// enters at the top, menus are boxes in rows below it, options are arrows labelled with their key, and departments,
/// callbacks and the hang-up are end nodes in the bottom row. It is the usual layered drawing of a graph: arrows
/// point down except those back to an earlier menu, arrows that skip rows bend through their own slots in the rows
/// between, and rows are ordered so that arrows cross as little as they easily can. The arrows are the drawn
/// transitions of the menu version's table (<see cref="MenuTransitions"/>), the one the engine steps along; a menu
/// the table cannot reach is drawn dashed.
/// </summary>
public static partial class MenuDiagram
{
    private const double NodeHeight = 36;
    private const double RowGap = 70;
    private const double Gap = 26;
    private const double Margin = 24;
    private const double BendWidth = 12;

    private enum Kind { Start, Menu, Department, Callback, Hangup, Bend }

    private sealed class Node(string key, Kind kind, string label, string description)
    {
        public string Key { get; } = key;
        public Kind Kind { get; } = kind;
        public string Label { get; } = label;
        public string Description { get; } = description;
        public bool Unreachable { get; set; }
        public int Row { get; set; } = -1;
        public double Width { get; set; }
        public double X { get; set; }
        public double Y => Margin + Row * (NodeHeight + RowGap) + NodeHeight / 2;
    }

    private sealed class Edge(Node from, Node to, bool onFail)
    {
        public Node From { get; } = from;
        public Node To { get; } = to;
        public bool OnFail { get; } = onFail;
        public List<string> Labels { get; } = [];
        public List<string> Descriptions { get; } = [];
        public List<Node> Route { get; } = [];
    }

    public static string ToSvg(MenuDefinition definition)
    {
        var (nodes, edges) = Build(definition);
        // Wide enough that the arrows along one side of a box start apart.
        foreach (var node in nodes)
            node.Width = Math.Max(node.Width, 20 * Math.Max(edges.Count(e => e.From == node), edges.Count(e => e.To == node)) + 24);
        var rows = AssignRows(nodes, edges);
        AddBends(edges, rows);
        OrderRows(rows, edges);
        PlaceInRows(rows, edges);
        return Render(definition, nodes, edges, rows.Count);
    }

    private static (List<Node> Nodes, List<Edge> Edges) Build(MenuDefinition definition)
    {
        var nodes = new Dictionary<string, Node>();
        Node Get(string key, Kind kind, string label, string description)
        {
            if (!nodes.TryGetValue(key, out var node))
                nodes[key] = node = new Node(key, kind, label, description) { Width = Math.Max(TextWidth(label, 13) + 28, 64) };
            return node;
        }

        var start = Get("start", Kind.Start, "call", "A call comes in");
        foreach (var menu in definition.Menus.Values)
        {
            var unreachable = definition.Transitions.Unreachable.Contains(menu.Id);
            Get("menu:" + menu.Id, Kind.Menu, menu.Id, MenuDescription(menu) + (unreachable ? " (never reached: nothing leads here)" : "")).Unreachable = unreachable;
        }
        foreach (var department in definition.Departments.Values)
            Get("department:" + department.Id, Kind.Department, department.Id, $"department {department.Id}: the caller waits in its queue");

        Node Target(MenuTransition transition) => transition.To switch
        {
            TransitionTarget.Menu => nodes["menu:" + transition.Target],
            TransitionTarget.Queue => nodes["department:" + transition.Target],
            TransitionTarget.Callback => Get("callback:" + transition.Target, Kind.Callback, "callback: " + transition.Target,
                $"a callback from {transition.Target} is booked"),
            _ => Get("hangup", Kind.Hangup, "hang up", "the call ends"),
        };

        var edges = new Dictionary<(Node, Node, bool), Edge>();
        void Connect(Node from, Node to, bool onFail, string label, string description)
        {
            if (!edges.TryGetValue((from, to, onFail), out var edge))
                edges[(from, to, onFail)] = edge = new Edge(from, to, onFail);
            edge.Labels.Add(label);
            edge.Descriptions.Add(description);
        }

        var table = definition.Transitions;
        if (table.Start is { } entry)
            Connect(start, nodes["menu:" + entry.Target], false, "", "the call starts here");
        foreach (var menu in definition.Menus.Values)
        {
            foreach (var transition in table.From(menu.Id).Where(t => t.IsDrawn))
            {
                var (label, description) = Words(menu, transition);
                Connect(nodes["menu:" + menu.Id], Target(transition), transition.Trigger == TransitionTrigger.Fail, label, description);
            }
        }
        return (nodes.Values.ToList(), edges.Values.ToList());
    }

    // An arrow's label and what its tooltip says about it.
    private static (string Label, string Description) Words(Menu menu, MenuTransition transition)
    {
        var kind = (menu.Action as MenuAction.Lookup)?.Kind;
        return transition.Trigger switch
        {
            TransitionTrigger.Key => (transition.Option!.Key, $"key {transition.Option.Key}{(transition.BySpeech ? " or its words" : "")}"),
            TransitionTrigger.Found => ("found", $"the shop has the {kind}"),
            TransitionTrigger.NotFound => ("not found", $"the shop has no such {kind} for the caller"),
            TransitionTrigger.OnError => ("on_error", "the shop does not answer in time"),
            TransitionTrigger.Fail => ("on_fail", $"after {menu.Attempts} invalid or missing answers"),
            _ => (transition.To == TransitionTarget.Menu ? "next" : "", "then"),
        };
    }

    private static string MenuDescription(Menu menu) => menu.AsksForInput
        ? $"menu {menu.Id}: asks, keys {string.Join(" ", menu.Options.Select(o => o.Key))}"
        : $"menu {menu.Id}: {(menu.Say is null ? "" : "says something, then ")}{ActionText(menu.Action)}";

    private static string ActionText(MenuAction? action) => action switch
    {
        MenuAction.GoTo goTo => $"goes on to {goTo.Menu}",
        MenuAction.Route route => $"queues for {route.Department}",
        MenuAction.Callback callback => $"books a callback from {callback.Department}",
        MenuAction.Lookup lookup => $"looks up the caller's {lookup.Kind} in the shop",
        _ => "hangs up",
    };
}
