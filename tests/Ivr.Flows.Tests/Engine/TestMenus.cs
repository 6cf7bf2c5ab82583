using Ivr.Flows.Loading;
using Ivr.Flows.Model;

namespace Ivr.Flows.Tests.Engine;

/// <summary>A small hotline used by the engine tests; times below are in its zone (Europe/Warsaw).</summary>
internal static class TestMenus
{
    public const string Yaml = """
        hotline:
          name: Sklep Testowy
          timezone: Europe/Warsaw
          languages: [pl-PL, en-US]
          voices: { pl-PL: Polly.Ewa, en-US: Polly.Joanna }
          start: welcome
          attempts: 3
          timeout: 5
          on_fail: operator

        departments:
          orders:
            title: { pl-PL: dział zamówień, en-US: the orders team }
            hours: { mon-fri: "08:00-20:00", sat: "09:00-14:00" }
            closed: ["2026-12-24", "2026-12-25"]
            agents:
              - { name: Anna, phone: "+48221112233" }
          returns:
            title: { pl-PL: dział zwrotów, en-US: the returns team }
            hours: { mon-fri: "08:00-16:00" }
            agents:
              - { name: Piotr, phone: "+48221112244" }

        menus:
          welcome:
            say: { pl-PL: "Dzień dobry, tu Sklep Testowy.", en-US: "Hello, this is Sklep Testowy." }
            next: main
          main:
            prompt:
              pl-PL: "Zamówienia: jeden. Zwroty: dwa. Oddzwonienie: trzy. Koniec: gwiazdka. For English press 9."
              en-US: "Orders: one. Returns: two. Callback: three. End: star. Po polsku: 9."
            options:
              "1": { next: order_status, speech: { pl-PL: [zamówienie, status], en-US: [order, status] } }
              "2": { route: returns, speech: { pl-PL: [zwrot], en-US: [return] } }
              "3": { callback: orders, speech: { pl-PL: [oddzwonienie], en-US: [callback] } }
              "*": { hangup: true }
              "9": { language: en-US, next: main }
              "8": { language: pl-PL, next: main }
          order_status:
            say: { pl-PL: "Łączę z działem zamówień.", en-US: "Connecting you to the orders team." }
            route: orders
          operator:
            route: orders
          bye:
            say: "Dziękujemy."
            hangup: true
        """;

    public static MenuDefinition Definition { get; } = Load(Yaml);

    public static MenuDefinition Load(string yaml)
    {
        var result = MenuLoader.Load(yaml, "test.yaml");
        return result.Definition
               ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors));
    }

    /// <summary>Wednesday 2026-11-25 10:00 in Warsaw: everything open.</summary>
    public static readonly DateTimeOffset WednesdayMorning = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));
}
