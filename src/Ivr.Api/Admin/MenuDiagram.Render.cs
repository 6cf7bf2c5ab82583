using System.Globalization;
using System.Text;
using Ivr.Flows.Model;

namespace Ivr.Api.Admin;

/// <summary>The SVG of the console's menu diagram: boxes, arrows, their anchors and labels.</summary>
public static partial class MenuDiagram
{
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
        svg.Append($"<g class=\"node\" data-kind=\"{kind}\" data-id=\"{Escape(node.Label)}\"{(node.Unreachable ? " data-unreachable=\"true\"" : "")} transform=\"translate({N(node.X - w / 2)},{N(node.Y - h / 2)})\">");
        svg.Append($"<title>{Escape(node.Description)}</title>");
        var shape = node.Kind switch
        {
            Kind.Department => $"<polygon points=\"12,0 {N(w - 12)},0 {N(w)},{N(h / 2)} {N(w - 12)},{N(h)} 12,{N(h)} 0,{N(h / 2)}\"",
            Kind.Start or Kind.Hangup => $"<rect width=\"{N(w)}\" height=\"{N(h)}\" rx=\"{N(h / 2)}\"",
            Kind.Callback => $"<rect width=\"{N(w)}\" height=\"{N(h)}\" rx=\"6\" stroke-dasharray=\"4 3\"",
            _ => $"<rect width=\"{N(w)}\" height=\"{N(h)}\" rx=\"6\"",
        };
        svg.Append($"{shape} fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"{(node.Unreachable ? " stroke-dasharray=\"6 4\"" : "")}/>");
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
