using System.Text.Json;
using Ivr.Api.Twilio;
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
        var page = await chromium.NewPageAsync("en-GB");
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

    // Records each status the page shows, in order.
    private const string RecordStatuses = """
        window.statuses = [];
        document.addEventListener('DOMContentLoaded', () => {
          const status = document.getElementById('status');
          new MutationObserver(() => {
            if (window.statuses[window.statuses.length - 1] !== status.textContent) window.statuses.push(status.textContent);
          }).observe(status, { childList: true, characterData: true, subtree: true });
        });
        """;

    [Fact]
    public async Task APolishBrowser_GetsThePageInPolish_TheQueueSaysSo_AndTheAgentOnlyOnceThrough()
    {
        await using var hotline = new LiveHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(WednesdayMorning, 10)));
        var page = await chromium.NewPageAsync("pl-PL");
        await page.AddInitScriptAsync(RecordSpeech);
        await page.AddInitScriptAsync(RecordStatuses);
        await page.GotoAsync(hotline.Url("/phone"));

        Assert.Equal("pl", await page.GetAttributeAsync("html", "lang"));
        await Assertions.Expect(page.Locator("#call")).ToHaveTextAsync("Zadzwoń");
        await Assertions.Expect(page.Locator("#hangup")).ToHaveTextAsync("Rozłącz");
        await page.ClickAsync("#call");
        await Assertions.Expect(page.Locator("#transcript li[lang]").First).ToContainTextAsync("Dzień dobry", new() { Timeout = 15_000 });
        await page.ClickAsync("button[data-key=\"1\"]");
        await page.ClickAsync("button[data-key=\"1\"]");

        var status = page.Locator("#status");
        await Assertions.Expect(status).ToHaveAttributeAsync("data-state", "agent", Patiently);
        await Assertions.Expect(status).ToHaveTextAsync("Rozmowa z konsultantem");
        var statuses = (await page.EvaluateAsync<string[]>("window.statuses")).ToList();
        var queued = statuses.IndexOf("Czekasz w kolejce");
        Assert.True(queued >= 0, string.Join(" | ", statuses));
        // Once in the queue, the caller is never shown back in the menu, and talks to the agent after being put through.
        Assert.DoesNotContain("W menu", statuses[queued..]);
        Assert.True(statuses.IndexOf("Łączenie z konsultantem…") is var connecting && connecting > queued
            && connecting < statuses.IndexOf("Rozmowa z konsultantem"), string.Join(" | ", statuses));
        var types = await page.Locator("#transcript li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.type)");
        Assert.True(Array.IndexOf(types, "agent-picked-up") < Array.IndexOf(types, "agent"), string.Join(", ", types));
        // Only what the person did is a bubble of theirs: the two keys, in Polish.
        Assert.Equal(["Wciśnięto 1", "Wciśnięto 1"], await page.Locator("#transcript li.heard").AllTextContentsAsync());
        await Assertions.Expect(page.Locator("#transcript li[data-type=queued]")).ToHaveTextAsync("Czekasz w kolejce");
    }

    [Fact]
    public async Task ACallbackRingingThePage_KeepsTheEarlierTranscript()
    {
        await using var hotline = new LiveHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(WednesdayMorning, 10)));
        var page = await chromium.NewPageAsync("en-GB");
        await page.AddInitScriptAsync(RecordSpeech);
        await page.GotoAsync(hotline.Url("/phone"));
        await Assertions.Expect(page.Locator("#call")).ToBeEnabledAsync();
        await page.ClickAsync("#call");
        await Assertions.Expect(page.Locator("#transcript li[lang]").First).ToContainTextAsync("Dzień dobry", new() { Timeout = 15_000 });
        await page.ClickAsync("#hangup");
        await Assertions.Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "ended", Patiently);

        await hotline.Services.GetRequiredService<ITwilioCalls>().CreateCallAsync(new CreateCallRequest
        {
            To = "+48500100200", From = "+48221000000", Url = new Uri(hotline.BaseAddress, "/voice/incoming"), TimeoutSeconds = 600,
        }, CancellationToken.None);

        await Assertions.Expect(page.Locator("#answer")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#transcript li[data-type=calling]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#transcript li[lang]").First).ToContainTextAsync("Dzień dobry");
        await Assertions.Expect(page.Locator("#transcript li[data-type=incoming]")).ToHaveTextAsync("Incoming call from +48221000000");
        await Assertions.Expect(page.Locator("#transcript li.divider")).ToHaveTextAsync("New call");
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
