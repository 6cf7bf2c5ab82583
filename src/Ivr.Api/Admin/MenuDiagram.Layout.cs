namespace Ivr.Api.Admin;

/// <summary>The layout of the console's menu diagram: rows, bends, the order within rows and the places.</summary>
public static partial class MenuDiagram
{
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
}
