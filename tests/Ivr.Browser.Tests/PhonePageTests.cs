using System.Text.Json;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ivr.Browser.Tests;

/// <summary>The browser phone at /phone: a person calls the hotline from the page, through the service's own switchboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PhonePageTests(Chromium chromium)
{
    // Wednesday 2026-11-25, 10:00 in Warsaw: the orders team is open. Ten times as fast, so that the menus, the
    // queue and the agent's answer take seconds.
    private static readonly DateTimeOffset WednesdayMorning = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));

    private static readonly LocatorAssertionsToHaveAttributeOptions Patiently = new() { Timeout = 15_000 };

    // Records what the page asks the browser to say, as headless chromium has no voices.
    private const string RecordSpeech = """
        window.spoken = [];
        Object.defineProperty(window, 'speechSynthesis', { value: {
          speak: (utterance) => window.spoken.push({ text: utterance.text, lang: utterance.lang }),
          cancel: () => {},
          getVoices: () => [],
        } });
        """;

    [Fact]
    public async Task APersonCallsFromThePhone_HearsTheWelcomeInPolish_AndReachesAnAgentWithTheKeypad()
    {
        await using var hotline = new LiveHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(WednesdayMorning, 10)));
        var page = await chromium.NewPageAsync();
        await page.SetViewportSizeAsync(360, 740);
        await page.AddInitScriptAsync(RecordSpeech);
        await page.GotoAsync(hotline.Url("/phone"));

        await page.ClickAsync("#call");
        var welcome = page.Locator("#transcript li[lang]").First;
        await Assertions.Expect(welcome).ToContainTextAsync("Dzień dobry, tu Sklep Przykładowy", new() { Timeout = 15_000 });
        await Assertions.Expect(welcome).ToHaveAttributeAsync("lang", "pl-PL");
        // Order status, then the orders team.
        await page.ClickAsync("button[data-key=\"1\"]");
        await page.ClickAsync("button[data-key=\"1\"]");

        var status = page.Locator("#status");
        await Assertions.Expect(status).ToHaveAttributeAsync("data-state", "agent", Patiently);
        await Assertions.Expect(status).ToHaveTextAsync("Talking to an agent");
        var spoken = await page.EvaluateAsync<JsonElement>("window.spoken");
        Assert.Contains(spoken.EnumerateArray(), u =>
            u.GetProperty("text").GetString()!.StartsWith("Dzień dobry", StringComparison.Ordinal) && u.GetProperty("lang").GetString() == "pl-PL");
        Assert.Equal(2, await page.Locator("#transcript li.heard").CountAsync());

        await page.ClickAsync("#hangup");
        await Assertions.Expect(status).ToHaveAttributeAsync("data-state", "ended", Patiently);
        await Assertions.Expect(page.Locator("#call")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task TypingANumberWithSpaces_ThenOneClickOnCall_PlacesTheCall()
    {
        await using var hotline = new LiveHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(WednesdayMorning, 10)));
        var page = await chromium.NewPageAsync();
        await page.AddInitScriptAsync(RecordSpeech);
        await page.GotoAsync(hotline.Url("/phone"));
        await Assertions.Expect(page.Locator("#call")).ToBeEnabledAsync();

        await page.FillAsync("#number", "500 200 300");
        await page.ClickAsync("#call");

        var welcome = page.Locator("#transcript li[lang]").First;
        await Assertions.Expect(welcome).ToContainTextAsync("Dzień dobry", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#problem")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#transcript li[data-type=calling]")).ToContainTextAsync("+48500200300");
    }

    [Fact]
    public async Task WithTwilioCredentials_ThereIsNoPhonePage()
    {
        await using var hotline = new LiveHotline(new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = "AC" + new string('1', 32),
            ["Twilio:AuthToken"] = "secret",
            ["Twilio:PhoneNumber"] = "+48221234567",
            ["Ivr:PublicBaseUrl"] = "https://hotline.example.com",
        });
        var page = await chromium.NewPageAsync();

        var response = await page.APIRequest.GetAsync(hotline.Url("/phone"));

        Assert.Equal(404, response.Status);
    }
}
