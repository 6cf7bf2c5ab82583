using Ivr.Flows.Graph;
using Ivr.Flows.Loading;
using Ivr.Flows.Tests.Loading;

namespace Ivr.Flows.Tests.Graph;

public class MenuGraphTests
{
    [Fact]
    public void ASmallHotline_IsDrawnMenuByMenuFromTheStart()
    {
        var definition = MenuYaml.Load(MenuYaml.Valid).Definition!;

        var lines = MenuGraph.ToMermaid(definition).Split('\n');

        Assert.Equal(
            [
                "flowchart TD",
                "    call((call))",
                "    menu_welcome[\"welcome\"]",
                "    menu_main[\"main\"]",
                "    menu_bye[\"bye\"]",
                "    dept_orders{{\"orders\"}}",
                "    hangup((hang up))",
                "    call --> menu_welcome",
                "    menu_welcome -->|next| menu_main",
                "    menu_main -->|\"1 / speech\"| dept_orders",
                "    menu_main -->|\"2\"| menu_bye",
                "    menu_main -.->|on_fail| menu_main",
                "    menu_bye -->|hangup| hangup",
                "",
            ],
            lines);
    }

    [Fact]
    public void CallbacksStarAndHash_AndNamesMermaidWouldMisread_AreDrawnSafely()
    {
        var yaml = """
            hotline: { name: Shop, timezone: Europe/Warsaw, languages: [en-US], start: end }
            departments:
              end:
                title: sales
                hours: { mon: "08:00-16:00" }
                agents: [{ name: Ola, client: ola }]
            menus:
              end:
                prompt: Choose
                options:
                  "*": { callback: end }
                  "#": { next: end-2 }
              end-2:
                say: Bye
                route: end
            """;
        var definition = MenuLoader.Load(yaml, "test.yaml").Definition!;

        var lines = MenuGraph.ToMermaid(definition).Split('\n');

        Assert.Equal(
            [
                "flowchart TD",
                "    call((call))",
                "    menu_end[\"end\"]",
                "    menu_end_2[\"end-2\"]",
                "    dept_end{{\"end\"}}",
                "    call --> menu_end",
                "    menu_end -->|\"* / callback\"| dept_end",
                "    menu_end -->|\"#35;\"| menu_end_2",
                "    menu_end_2 -->|route| dept_end",
                "",
            ],
            lines);
    }

    [Fact]
    public void TheSampleHotline_GivesTheSameChartEveryTime()
    {
        var definition = MenuLoader.Load(File.ReadAllText("ivr-menus.yaml"), "ivr-menus.yaml").Definition!;

        var chart = MenuGraph.ToMermaid(definition);

        Assert.Equal(chart, MenuGraph.ToMermaid(MenuLoader.Load(File.ReadAllText("ivr-menus.yaml"), "ivr-menus.yaml").Definition!));
        Assert.StartsWith("flowchart TD\n", chart);
        Assert.Contains("    menu_main -.->|on_fail| menu_operator", chart);
        Assert.Contains("    menu_operator -.->|on_fail| menu_goodbye", chart);
    }
}
