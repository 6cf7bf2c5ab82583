using System.Xml.Linq;
using Ivr.Api.Admin;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;

namespace Ivr.Api.Tests;

/// <summary>The console's drawing of the menu: every menu, department and way through it is on the picture.</summary>
public sealed class MenuDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Draw(string yaml)
    {
        var definition = MenuLoader.Load(yaml, "ivr-menus.yaml").Definition ?? throw new InvalidOperationException("invalid test menu");
        return XDocument.Parse(MenuDiagram.ToSvg(definition));
    }

    private static List<XElement> Nodes(XDocument svg, string kind) =>
        svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "node" && (string?)g.Attribute("data-kind") == kind).ToList();

    private static List<(string From, string To, string Label)> Edges(XDocument svg) =>
        svg.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("edge") == true)
            .Select(g => ((string)g.Attribute("data-from")!, (string)g.Attribute("data-to")!, (string)g.Attribute("data-label")!))
            .ToList();

    [Fact]
    public void TheSampleMenu_HasABoxPerMenu_AndAnEndNodePerDepartment()
    {
        var sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        var definition = MenuLoader.Load(sample, "ivr-menus.yaml").Definition!;

        var svg = Draw(sample);

        Assert.Equal(definition.Menus.Keys.Order(), Nodes(svg, "menu").Select(n => (string)n.Attribute("data-id")!).Order());
        Assert.Equal(definition.Departments.Keys.Order(), Nodes(svg, "department").Select(n => (string)n.Attribute("data-id")!).Order());
        Assert.Single(Nodes(svg, "hangup"));
        Assert.Contains(("main", "order_status", "1"), Edges(svg));
        Assert.Contains(("operator", "callback: orders", "2"), Edges(svg));
    }

    private const string Small = """
        hotline:
          name: Test
          timezone: Europe/Warsaw
          languages: [pl-PL]
          start: main
        departments:
          sales:
            title: sprzedaż
            hours: { mon-sun: "00:00-23:59" }
            agents: [{ name: Ala, phone: "+48221112233" }]
        menus:
          main:
            prompt: "Sprzedaż: 1. Powtórz: 2. Oddzwonimy: 3."
            on_fail: bye
            options:
              "1": { route: sales }
              "2": { next: main }
              "3": { callback: sales }
              "4": { next: help }
          help:
            say: "Pomoc."
            next: main
          bye:
            say: "Do widzenia."
            hangup: true
        """;

    [Fact]
    public void OptionsWithTheSameTarget_AreOneArrow_AndLoopsAndWaysBackAreDrawn()
    {
        var svg = Draw(Small);

        var edges = Edges(svg);
        Assert.Contains(("main", "main", "2"), edges);
        Assert.Contains(("help", "main", "next"), edges);
        Assert.Contains(("main", "bye", "on_fail"), edges);
        Assert.Contains(("main", "callback: sales", "3"), edges);
        Assert.Contains(("bye", "hang up", ""), edges);
        Assert.Equal(3, Nodes(svg, "menu").Count);
    }

    [Fact]
    public void TheArrowsOfTheSample_AreTheDrawnTransitionsOfItsTable()
    {
        var sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        var table = MenuLoader.Load(sample, "ivr-menus.yaml").Definition!.Transitions;

        var arrows = Edges(Draw(sample)).Where(e => e.From is not null && e.From != "call").Select(e => (e.From, e.To)).Distinct().Order().ToList();

        var drawn = table.All.Where(t => t.IsDrawn).Select(t => (t.From, t.To switch
        {
            TransitionTarget.Callback => "callback: " + t.Target,
            TransitionTarget.Hangup => "hang up",
            _ => t.Target!,
        }));
        Assert.Equal(drawn.Distinct().Order(), arrows);
    }

    [Fact]
    public void AMenuNothingLeadsTo_IsDrawnDashed_LikeTheValidatorWarns()
    {
        var yaml = Small + "\n  lost:\n    say: \"Tu nikt nie trafia.\"\n    next: main\n";
        var warning = Assert.Single(MenuLoader.Load(yaml, "ivr-menus.yaml").Problems);
        Assert.Contains("menu 'lost' is never reached", warning.Message);

        var svg = Draw(yaml);

        var dashed = Nodes(svg, "menu").Where(n => (string?)n.Attribute("data-unreachable") == "true").Select(n => (string)n.Attribute("data-id")!);
        Assert.Equal(["lost"], dashed);
    }

    [Fact]
    public void NoTwoBoxesOverlap_AndEveryBoxLiesInsideThePicture()
    {
        var svg = Draw(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml")));

        var width = Number((string)svg.Root!.Attribute("width")!);
        var height = Number((string)svg.Root!.Attribute("height")!);
        var boxes = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "node").Select(Bounds).ToList();
        Assert.All(boxes, box => Assert.True(box.X >= 0 && box.Y >= 0 && box.X + box.Width <= width && box.Y + box.Height <= height, $"{box} outside {width}x{height}"));
        foreach (var (a, i) in boxes.Select((b, i) => (b, i)))
            foreach (var b in boxes.Skip(i + 1))
                Assert.False(a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height, $"{a} overlaps {b}");
    }

    private static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    // A node is a translated group whose shape (a rect, or a polygon for a department) starts at 0,0.
    private static (string Id, double X, double Y, double Width, double Height) Bounds(XElement node)
    {
        var translate = ((string)node.Attribute("transform")!)["translate(".Length..^1].Split(',').Select(Number).ToArray();
        var shape = node.Elements().First(e => e.Name == Svg + "rect" || e.Name == Svg + "polygon");
        if (shape.Name == Svg + "rect")
            return ((string)node.Attribute("data-id")!, translate[0], translate[1], Number((string)shape.Attribute("width")!), Number((string)shape.Attribute("height")!));
        var points = ((string)shape.Attribute("points")!).Split(' ').Select(p => p.Split(',').Select(Number).ToArray()).ToList();
        return ((string)node.Attribute("data-id")!, translate[0], translate[1], points.Max(p => p[0]), points.Max(p => p[1]));
    }
}
