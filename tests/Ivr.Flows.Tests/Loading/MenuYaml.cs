using Ivr.Flows.Loading;

namespace Ivr.Flows.Tests.Loading;

/// <summary>A small valid menu file and helpers to load variations of it.</summary>
internal static class MenuYaml
{
    // Line numbers matter to the tests: "route: orders" is on line 24, "bye:" on line 26, the file ends on line 28.
    public const string Valid = """
        hotline:
          name: Test Shop
          timezone: Europe/Warsaw
          languages: [pl-PL, en-US]
          voices: { pl-PL: Polly.Ewa }
          start: welcome
          on_fail: main
        departments:
          orders:
            title: { pl-PL: dział zamówień, en-US: the orders team }
            hours: { mon-fri: "08:00-20:00", sat: "09:00-14:00" }
            closed: ["2026-12-24"]
            agents:
              - { name: Anna, phone: "+48221234501" }
              - { name: Piotr, sip: "sip:piotr@example.sip.twilio.com" }
            offer_callback_after: 120
        menus:
          welcome:
            say: Dzień dobry.
            next: main
          main:
            prompt: { pl-PL: Wybierz, en-US: Choose }
            options:
              "1": { route: orders, speech: { pl-PL: [zamówienie], en-US: [order] } }
              "2": { next: bye }
          bye:
            say: { pl-PL: Do widzenia., en-US: Goodbye. }
            hangup: true
        """;

    public static MenuLoadResult Load(string yaml) => MenuLoader.Load(yaml, "ivr-menus.yaml");

    /// <summary><see cref="Valid"/> with <paramref name="oldText"/> (which must occur once) replaced.</summary>
    public static string Replace(string oldText, string newText)
    {
        var at = Valid.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0 && Valid.IndexOf(oldText, at + 1, StringComparison.Ordinal) < 0, $"'{oldText}' must occur once in the base file");
        return Valid[..at] + newText + Valid[(at + oldText.Length)..];
    }

    /// <summary>Asserts that loading gives exactly one error, where and what it is.</summary>
    public static MenuProblem SingleError(string yaml, string position, string path, string messagePart)
    {
        var result = Load(yaml);
        Assert.Null(result.Definition);
        var error = Assert.Single(result.Errors);
        AssertProblem(error, position, path, messagePart);
        return error;
    }

    public static void AssertProblem(MenuProblem problem, string position, string path, string messagePart)
    {
        Assert.Equal(position, $"{problem.Line}:{problem.Column}");
        Assert.Equal(path, problem.Path);
        Assert.Contains(messagePart, problem.Message);
    }
}
