using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

public class ReferenceRuleTests
{
    [Fact]
    public void Route_ToAnUnknownDepartment_ListsTheKnownOnes() =>
        SingleError(Replace("route: orders", "route: complaint"),
            "24:21", "menus.main.options.\"1\".route", "unknown department 'complaint' (known: orders)");

    [Fact]
    public void Callback_ToAnUnknownDepartment() =>
        SingleError(Replace("{ next: bye }", "{ callback: sales }"),
            "25:24", "menus.main.options.\"2\".callback", "unknown department 'sales'");

    [Fact]
    public void MenuRoute_ToAnUnknownDepartment() =>
        SingleError(Replace("    hangup: true", "    route: sales"),
            "28:12", "menus.bye.route", "unknown department 'sales' (known: orders)");

    [Fact]
    public void Next_ToAnUnknownMenu_ListsTheKnownOnes()
    {
        var result = Load(Replace("{ next: bye }", "{ next: by }"));

        var error = Assert.Single(result.Errors);
        AssertProblem(error, "25:20", "menus.main.options.\"2\".next", "unknown menu 'by' (known: welcome, main, bye)");
    }

    [Fact]
    public void MenuOnFail_ToAnUnknownMenu() =>
        SingleError(Replace("    prompt: {", "    on_fail: nowhere\n    prompt: {"),
            "22:14", "menus.main.on_fail", "unknown menu 'nowhere'");

    [Fact]
    public void HotlineStart_ToAnUnknownMenu() =>
        SingleError(Replace("start: welcome", "start: welcom"),
            "6:10", "hotline.start", "unknown menu 'welcom' (known: welcome, main, bye)");

    [Fact]
    public void HotlineOnFail_ToAnUnknownMenu() =>
        SingleError(Replace("on_fail: main", "on_fail: operator"),
            "7:12", "hotline.on_fail", "unknown menu 'operator'");

    [Fact]
    public void AMissingStart_IsAnError() =>
        SingleError(Replace("  start: welcome\n", ""),
            "2:3", "hotline.start", "missing 'start'");
}
