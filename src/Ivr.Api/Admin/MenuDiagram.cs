using System.Globalization;
using System.Text;
using Ivr.Flows.Model;

namespace Ivr.Api.Admin;

/// <summary>
/// Draws a <see cref="MenuDefinition"/> as an SVG diagram for the console, without any drawing library: the call
/// enters at the top, menus are boxes in rows below it, options are arrows labelled with their key, and departments,
/// callbacks and the hang-up are end nodes in the bottom row. It is the usual layered drawing of a graph: arrows
/// point down except those back to an earlier menu, arrows that skip rows bend through their own slots in the rows
/// between, and rows are ordered so that arrows cross as little as they easily can.
/// </summary>
public static class MenuDiagram
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
            Get("menu:" + menu.Id, Kind.Menu, menu.Id, MenuDescription(menu));
        foreach (var department in definition.Departments.Values)
            Get("department:" + department.Id, Kind.Department, department.Id, $"department {department.Id}: the caller waits in its queue");

        Node Target(MenuAction action) => action switch
        {
            MenuAction.GoTo goTo => nodes["menu:" + goTo.Menu],
            MenuAction.Route route => nodes["department:" + route.Department],
            MenuAction.Callback callback => Get("callback:" + callback.Department, Kind.Callback, "callback: " + callback.Department,
                $"a callback from {callback.Department} is booked"),
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

        if (nodes.TryGetValue("menu:" + definition.Hotline.Start, out var first))
            Connect(start, first, false, "", "the call starts here");
        foreach (var menu in definition.Menus.Values)
        {
            var from = nodes["menu:" + menu.Id];
            foreach (var option in menu.Options)
            {
                var speech = option.Speech.Values.Any(words => words.Count > 0);
                Connect(from, Target(option.Action), false, option.Key, $"key {option.Key}{(speech ? " or its words" : "")}");
            }
            if (menu.Action is MenuAction.Lookup lookup)
            {
                Connect(from, nodes["menu:" + lookup.Found], false, "found", $"the shop has the {lookup.Kind}");
                Connect(from, nodes["menu:" + lookup.NotFound], false, "not found", $"the shop has no such {lookup.Kind} for the caller");
                Connect(from, nodes["menu:" + lookup.OnError], false, "on_error", "the shop does not answer in time");
            }
            else if (menu.Action is { } action)
                Connect(from, Target(action), false, action is MenuAction.GoTo ? "next" : "", "then");
            // Like the engine: on_fail only happens to a menu that waits for input.
            if (menu.AsksForInput && menu.OnFail is { } onFail && nodes.TryGetValue("menu:" + onFail, out var fallback))
                Connect(from, fallback, true, "on_fail", $"after {menu.Attempts} invalid or missing answers");
        }
        return (nodes.Values.ToList(), edges.Values.ToList());
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

    /// <summary>
    /// Row 0 is the incoming call. Arrows that lead back to a menu the caller came through (a "*" to the main menu)
    /// are set aside; every other arrow then points down the page, and a menu sits one row below the lowest menu that
    /// leads to it. Every end node is in the row after the last menu.
    /// </summary>
    private static List<List<Node>> AssignRows(List<Node> nodes, List<Edge> edges)
    {
        var next = edges.Where(e => e.To.Kind == Kind.Menu && e.From != e.To).ToLookup(e => e.From, e => e.To);
        var start = nodes.Single(n => n.Kind == Kind.Start);
        var menus = nodes.Where(n => n.Kind == Kind.Menu).ToList();

        // Depth-first from the call in file order: an arrow to a menu still on the way there is an arrow back.
        var onTheWay = new HashSet<Node>();
        var visited = new HashSet<Node>();
        var firstSeen = new List<Node>();
        var finished = new List<Node>();
        var down = new List<(Node From, Node To)>();
        void Visit(Node node)
        {
            visited.Add(node);
            onTheWay.Add(node);
            firstSeen.Add(node);
            foreach (var target in next[node].Distinct())
            {
                if (onTheWay.Contains(target))
                    continue;
                down.Add((node, target));
                if (!visited.Contains(target))
                    Visit(target);
            }
            onTheWay.Remove(node);
            finished.Add(node);
        }
        Visit(start);
        foreach (var menu in menus.OrderBy(n => n.Label, StringComparer.Ordinal).Where(n => !visited.Contains(n)))
            Visit(menu);

        // Longest way down: in reverse finishing order every menu comes after all menus with an arrow down to it.
        start.Row = 0;
        foreach (var menu in menus)
            menu.Row = 1;
        var below = down.ToLookup(d => d.From, d => d.To);
        foreach (var node in Enumerable.Reverse(finished))
            foreach (var target in below[node])
                target.Row = Math.Max(target.Row, node.Row + 1);

        var endRow = menus.Select(n => n.Row).DefaultIfEmpty(0).Max() + 1;
        var ends = nodes.Where(n => n.Kind is Kind.Department or Kind.Callback or Kind.Hangup).ToList();
        foreach (var end in ends)
            end.Row = endRow;

        // Within a row, first in the order a caller meets them; the sweeps of OrderRows start from there.
        var rows = Enumerable.Range(0, endRow + 1).Select(_ => new List<Node>()).ToList();
        foreach (var node in firstSeen.Concat(ends))
            rows[node.Row].Add(node);
        return rows;
    }

    /// <summary>An arrow that skips rows gets a bend point in each row it passes, so that it goes around the boxes there.</summary>
    private static void AddBends(List<Edge> edges, List<List<Node>> rows)
    {
        foreach (var edge in edges)
        {
            edge.Route.Add(edge.From);
            var step = Math.Sign(edge.To.Row - edge.From.Row);
            for (var row = edge.From.Row + step; step != 0 && row != edge.To.Row; row += step)
            {
                var bend = new Node($"bend:{edge.From.Key}>{edge.To.Key}:{row}", Kind.Bend, "", "") { Row = row, Width = BendWidth };
                rows[row].Add(bend);
                edge.Route.Add(bend);
            }
            edge.Route.Add(edge.To);
        }
    }

    private static ILookup<Node, Node> Neighbours(List<Edge> edges) => edges
        .SelectMany(e => e.Route.Zip(e.Route.Skip(1)))
        .Where(pair => Math.Abs(pair.First.Row - pair.Second.Row) == 1)
        .SelectMany(pair => new[] { (pair.First, pair.Second), (pair.Second, pair.First) })
        .ToLookup(pair => pair.Item1, pair => pair.Item2);

    /// <summary>Sweeps down and up a few times, sorting each row by the mean place of its neighbours in the row before.</summary>
    private static void OrderRows(List<List<Node>> rows, List<Edge> edges)
    {
        var neighbours = Neighbours(edges);
        void Sort(int row, int by)
        {
            var place = rows[by].Select((node, i) => (node, i)).ToDictionary(p => p.node, p => (double)p.i);
            var current = rows[row];
            var key = current.Select((node, i) =>
            {
                var near = neighbours[node].Where(place.ContainsKey).Select(n => place[n]).ToList();
                // Scaled to the other row's width, so that nodes without neighbours there keep roughly their place.
                return near.Count > 0 ? near.Average() : i * (rows[by].Count / (double)Math.Max(current.Count, 1));
            }).ToList();
            rows[row] = current.Select((node, i) => (node, key: key[i], i)).OrderBy(p => p.key).ThenBy(p => p.i).Select(p => p.node).ToList();
        }

        for (var sweep = 0; sweep < 4; sweep++)
        {
            for (var row = 1; row < rows.Count; row++)
                Sort(row, row - 1);
            for (var row = rows.Count - 2; row >= 0; row--)
                Sort(row, row + 1);
        }
    }

    /// <summary>
    /// Packs each row, then pulls every node towards its neighbours above and below while keeping the row's order
    /// and gaps: once pushing from the left and once from the right, taking the middle of the two.
    /// </summary>
    private static void PlaceInRows(List<List<Node>> rows, List<Edge> edges)
    {
        var widest = rows.Max(RowWidth);
        foreach (var row in rows)
        {
            var x = (widest - RowWidth(row)) / 2;
            foreach (var node in row)
            {
                node.X = x + node.Width / 2;
                x += node.Width + Gap;
            }
        }

        var neighbours = Neighbours(edges);
        for (var round = 0; round < 6; round++)
        {
            var order = round % 2 == 0 ? rows : Enumerable.Reverse(rows);
            foreach (var row in order)
            {
                var wanted = row.Select(n => neighbours[n].Any() ? neighbours[n].Average(m => m.X) : n.X).ToArray();
                var fromLeft = new double[row.Count];
                var fromRight = new double[row.Count];
                for (var i = 0; i < row.Count; i++)
                    fromLeft[i] = i == 0 ? wanted[i] : Math.Max(wanted[i], fromLeft[i - 1] + Separation(row[i - 1], row[i]));
                for (var i = row.Count - 1; i >= 0; i--)
                    fromRight[i] = i == row.Count - 1 ? wanted[i] : Math.Min(wanted[i], fromRight[i + 1] - Separation(row[i], row[i + 1]));
                for (var i = 0; i < row.Count; i++)
                    row[i].X = (fromLeft[i] + fromRight[i]) / 2;
            }
        }

        var left = rows.SelectMany(r => r).Min(n => n.X - n.Width / 2);
        foreach (var node in rows.SelectMany(r => r))
            node.X += Margin - left;
    }

    private static double RowWidth(List<Node> row) => row.Sum(n => n.Width) + Gap * Math.Max(row.Count - 1, 0);

    private static double Separation(Node a, Node b) => (a.Width + b.Width) / 2 + Gap;

    private readonly record struct Point(double X, double Y);

    private static string Render(MenuDefinition definition, List<Node> nodes, List<Edge> edges, int rowCount)
    {
        var anchors = Anchors(edges);
        var all = nodes.Concat(edges.SelectMany(e => e.Route)).Distinct().ToList();
        var width = all.Max(n => n.X + n.Width / 2) + Margin;
        var height = Margin * 2 + rowCount * NodeHeight + (rowCount - 1) * RowGap + 30;
        var menus = nodes.Count(n => n.Kind == Kind.Menu);
        var departments = nodes.Count(n => n.Kind == Kind.Department);

        var svg = new StringBuilder();
        svg.Append($"""<svg xmlns="http://www.w3.org/2000/svg" class="menu-diagram" viewBox="0 0 {N(width)} {N(height)}" width="{N(width)}" height="{N(height)}" role="img" aria-labelledby="menu-diagram-title" font-family="system-ui, sans-serif">""");
        svg.Append($"<title id=\"menu-diagram-title\">Menu version {Escape(definition.Version)}: {menus} menus, {departments} departments</title>");
        svg.Append("""<defs><marker id="menu-diagram-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4a5560"/></marker></defs>""");

        var labels = new StringBuilder("<g class=\"labels\">");
        var taken = nodes.Select(n => Box.Around(n.X, n.Y, n.Width, NodeHeight)).ToList();
        svg.Append("<g class=\"edges\">");
        foreach (var edge in edges)
        {
            var points = Points(edge, anchors);
            var loop = edge.From == edge.To;
            var label = string.Join(", ", edge.Labels.Where(l => l.Length > 0));
            var description = $"{Describe(edge.From)} → {Describe(edge.To)}: {string.Join("; ", edge.Descriptions.Distinct())}";
            svg.Append($"<g class=\"edge{(edge.OnFail ? " on-fail" : "")}\" data-from=\"{Escape(edge.From.Label)}\" data-to=\"{Escape(edge.To.Label)}\" data-label=\"{Escape(label)}\">");
            svg.Append($"<title>{Escape(description)}</title>");
            svg.Append($"<path d=\"{PathData(points, loop)}\" fill=\"none\" stroke=\"#4a5560\" stroke-width=\"1.4\" marker-end=\"url(#menu-diagram-arrow)\"{(edge.OnFail ? " stroke-dasharray=\"5 4\"" : "")}/>");
            svg.Append("</g>");
            if (label.Length == 0)
                continue;

            // Labels go on top of every line; each takes the first spot along its arrow that no box or label holds.
            var labelWidth = TextWidth(label, 11) + 8;
            var spots = LabelSpots(points, loop).Select(at => Box.Around(at.X, at.Y, labelWidth, 16)).ToList();
            var box = spots.FirstOrDefault(spot => !taken.Any(spot.Overlaps)) ?? spots[0];
            taken.Add(box);
            labels.Append($"<g class=\"label\" data-from=\"{Escape(edge.From.Label)}\" data-to=\"{Escape(edge.To.Label)}\">");
            labels.Append($"<rect x=\"{N(box.Left)}\" y=\"{N(box.Top)}\" width=\"{N(labelWidth)}\" height=\"16\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>");
            labels.Append($"<text x=\"{N(box.Left + labelWidth / 2)}\" y=\"{N(box.Top + 12)}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#24292f\">{Escape(label)}</text></g>");
        }
        svg.Append("</g>").Append(labels).Append("</g>");
        svg.Append("<g class=\"nodes\">");
        foreach (var node in nodes)
            RenderNode(svg, node);
        svg.Append("</g></svg>");
        return svg.ToString();
    }

    private static string Describe(Node node) => node.Kind switch
    {
        Kind.Start => "incoming call",
        Kind.Menu => "menu " + node.Label,
        Kind.Department => "department " + node.Label,
        _ => node.Label,
    };

    private static void RenderNode(StringBuilder svg, Node node)
    {
        var (fill, stroke) = node.Kind switch
        {
            Kind.Start => ("#eceff1", "#4a5560"),
            Kind.Menu => ("#e3efff", "#2f5f98"),
            Kind.Department => ("#e3f4e1", "#2e7d32"),
            Kind.Callback => ("#fff4d6", "#8a5a00"),
            _ => ("#f6e3e3", "#8a3b3b"),
        };
        var kind = node.Kind.ToString().ToLowerInvariant();
        var (w, h) = (node.Width, NodeHeight);
        svg.Append($"<g class=\"node\" data-kind=\"{kind}\" data-id=\"{Escape(node.Label)}\" transform=\"translate({N(node.X - w / 2)},{N(node.Y - h / 2)})\">");
        svg.Append($"<title>{Escape(node.Description)}</title>");
        var shape = node.Kind switch
        {
            Kind.Department => $"<polygon points=\"12,0 {N(w - 12)},0 {N(w)},{N(h / 2)} {N(w - 12)},{N(h)} 12,{N(h)} 0,{N(h / 2)}\"",
            Kind.Start or Kind.Hangup => $"<rect width=\"{N(w)}\" height=\"{N(h)}\" rx=\"{N(h / 2)}\"",
            Kind.Callback => $"<rect width=\"{N(w)}\" height=\"{N(h)}\" rx=\"6\" stroke-dasharray=\"4 3\"",
            _ => $"<rect width=\"{N(w)}\" height=\"{N(h)}\" rx=\"6\"",
        };
        svg.Append($"{shape} fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>");
        svg.Append($"<text x=\"{N(w / 2)}\" y=\"{N(h / 2 + 4.5)}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#1b1f23\">{Escape(node.Label)}</text>");
        svg.Append("</g>");
    }

    private enum Side { Top, Bottom }

    /// <summary>
    /// Where each arrow leaves and enters a box: arrows that share a side of a box are spread along it in the order
    /// of where they come from or go to, so that they do not start on top of each other.
    /// </summary>
    private static Dictionary<(Edge, bool Start), Point> Anchors(List<Edge> edges)
    {
        var bySide = new Dictionary<(Node, Side), List<(Edge Edge, bool Start, double Towards)>>();
        foreach (var edge in edges.Where(e => e.From != e.To))
        {
            var (leave, enter) = Sides(edge);
            Add(edge.From, leave, (edge, true, edge.Route[1].X));
            Add(edge.To, enter, (edge, false, edge.Route[^2].X));
        }

        var anchors = new Dictionary<(Edge, bool), Point>();
        foreach (var ((node, side), uses) in bySide)
        {
            var usable = Math.Max(node.Width - 24, 4);
            var sorted = uses.OrderBy(u => u.Towards).ToList();
            for (var i = 0; i < sorted.Count; i++)
            {
                var x = node.X - usable / 2 + usable * (i + 0.5) / sorted.Count;
                var y = side == Side.Top ? node.Y - NodeHeight / 2 : node.Y + NodeHeight / 2;
                anchors[(sorted[i].Edge, sorted[i].Start)] = new Point(x, y);
            }
        }
        return anchors;

        void Add(Node node, Side side, (Edge, bool, double) use)
        {
            if (!bySide.TryGetValue((node, side), out var list))
                bySide[(node, side)] = list = [];
            list.Add(use);
        }
    }

    // Down the page: leave at the bottom, enter at the top; up: the other way round; within a row: under both.
    private static (Side Leave, Side Enter) Sides(Edge edge) =>
        edge.To.Row > edge.From.Row ? (Side.Bottom, Side.Top)
        : edge.To.Row < edge.From.Row ? (Side.Top, Side.Bottom)
        : (Side.Bottom, Side.Bottom);

    private static List<Point> Points(Edge edge, Dictionary<(Edge, bool), Point> anchors)
    {
        if (edge.From == edge.To)
        {
            var n = edge.From;
            return [new Point(n.X + n.Width / 2, n.Y - 6), new Point(n.X + n.Width / 2, n.Y + 6)];
        }
        var points = new List<Point> { anchors[(edge, true)] };
        points.AddRange(edge.Route.Skip(1).SkipLast(1).Select(bend => new Point(bend.X, bend.Y)));
        points.Add(anchors[(edge, false)]);
        return points;
    }

    /// <summary>Curves that leave and enter every point vertically; a loop beside the box for a menu that leads to itself.</summary>
    private static string PathData(List<Point> points, bool loop)
    {
        var d = new StringBuilder($"M{N(points[0].X)},{N(points[0].Y)}");
        if (loop)
        {
            var (a, b) = (points[0], points[1]);
            return d.Append($" C{N(a.X + 40)},{N(a.Y - 30)} {N(b.X + 40)},{N(b.Y + 30)} {N(b.X)},{N(b.Y)}").ToString();
        }
        if (points.Count == 2 && Math.Abs(points[0].Y - points[1].Y) < 1)
        {
            var (a, b) = (points[0], points[1]);
            return d.Append($" C{N(a.X)},{N(a.Y + 40)} {N(b.X)},{N(b.Y + 40)} {N(b.X)},{N(b.Y)}").ToString();
        }
        foreach (var (a, b) in points.Zip(points.Skip(1)))
        {
            var middle = (a.Y + b.Y) / 2;
            d.Append($" C{N(a.X)},{N(middle)} {N(b.X)},{N(middle)} {N(b.X)},{N(b.Y)}");
        }
        return d.ToString();
    }

    private sealed record Box(double Left, double Top, double Width, double Height)
    {
        public static Box Around(double x, double y, double width, double height) => new(x - width / 2, y - height / 2, width, height);

        public bool Overlaps(Box other) =>
            Left < other.Left + other.Width && other.Left < Left + Width && Top < other.Top + other.Height && other.Top < Top + Height;
    }

    /// <summary>
    /// Where a label may sit, best first: halfway along the first stretch of the arrow (near the box it leaves), then
    /// further along either way, then on the next stretch.
    /// </summary>
    private static IEnumerable<Point> LabelSpots(List<Point> points, bool loop)
    {
        var (a, b) = (points[0], points[1]);
        if (loop)
        {
            yield return new Point(a.X + 34, (a.Y + b.Y) / 2);
            yield break;
        }
        if (Math.Abs(a.Y - b.Y) < 1)
        {
            yield return new Point((a.X + b.X) / 2, a.Y + 30);
            yield break;
        }
        double[] along = [0.5, 0.35, 0.65, 0.2, 0.8];
        foreach (var (from, to) in points.Zip(points.Skip(1)).Take(2))
            foreach (var t in along)
                yield return OnCurve(from, to, t);
    }

    // The point at t of the curve PathData draws between two points (control points straight above and below them).
    private static Point OnCurve(Point a, Point b, double t)
    {
        var middle = (a.Y + b.Y) / 2;
        var u = 1 - t;
        double Mix(double p0, double p1, double p2, double p3) => u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
        return new Point(Mix(a.X, a.X, b.X, b.X), Mix(a.Y, middle, middle, b.Y));
    }

    // No font metrics on the server: an average glyph is a bit over half the font size wide.
    private static double TextWidth(string text, double fontSize) => text.Length * fontSize * 0.6;

    private static string N(double value) => Math.Round(value, 1).ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) => text
        .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
}
