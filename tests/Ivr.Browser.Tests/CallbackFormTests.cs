using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ivr.Browser.Tests;

/// <summary>A customer books a callback on the web page in a real browser, then cancels it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CallbackFormTests(Chromium chromium)
{
    /// <summary>
    /// The sample menu with today and tomorrow (in Warsaw) as days off, so that a booking waits for a later opening
    /// and stays pending whatever time the test runs at: the status page shows the expected time and the cancel button.
    /// </summary>
    private static string MenuClosedTodayAndTomorrow()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow,
            TimeZoneInfo.FindSystemTimeZoneById("Europe/Warsaw")).DateTime);
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        const string holidays = "closed: &holidays\n";
        Assert.Contains(holidays, yaml);
        var days = string.Concat(new[] { today, today.AddDays(1) }.Select(day => $"      - \"{day:yyyy-MM-dd}\"\n"));
        var path = Path.Combine(Path.GetTempPath(), $"ivr-menus-closed-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml.Replace(holidays, holidays + days));
        return path;
    }

    private static LiveHotline Hotline() => new(new() { ["Ivr:MenuFile"] = MenuClosedTodayAndTomorrow() });

    [Fact]
    public async Task InPolish_AWrongNumberIsExplainedAtTheField_ThenAGoodOneIsBooked_AndCanceled()
    {
        await using var hotline = Hotline();
        var page = await chromium.NewPageAsync("pl-PL");
        await page.GotoAsync(hotline.Url("/callback"));
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "pl");

        var phone = page.GetByLabel("Numer telefonu");
        await phone.FillAsync("12 34");
        await page.GetByLabel("Zgadzam się na oddzwonienie na ten numer").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Zamów oddzwonienie" }).ClickAsync();

        await Expect(page.Locator("#phone-error")).ToContainTextAsync("Ten numer jest za krótki.");
        await Expect(phone).ToBeFocusedAsync();
        await Expect(phone).ToHaveValueAsync("12 34");
        await Expect(phone).ToHaveAccessibleDescriptionAsync(new Regex("Ten numer jest za krótki"));
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Ten numer jest za krótki.");

        await phone.FillAsync("500 100 200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Zamów oddzwonienie" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/callback/[A-Za-z0-9_-]{22}\?lang=pl$"));
        await Expect(page.Locator("#reference")).ToHaveTextAsync(new Regex("^[0-9]{6}$"));
        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex(@"^Zadzwonimy .+ ok\. [0-9]{2}:[0-9]{2}\.$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Anuluj oddzwonienie" }).ClickAsync();

        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-status", "canceled");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Oddzwonienie zostało anulowane.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Anuluj oddzwonienie" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task InEnglish_TheFormAndTheStatusPageSpeakEnglish()
    {
        await using var hotline = Hotline();
        var page = await chromium.NewPageAsync("en-US");
        await page.GotoAsync(hotline.Url("/callback"));

        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("We'll call you back");
        await page.GetByLabel("Phone number").FillAsync("+48 500 100 201");
        await page.GetByLabel("What is it about? (optional)").SelectOptionAsync(new SelectOptionValue { Label = "The returns team" });
        await page.GetByLabel("I agree to be called back at this number about my request.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Call me back" }).ClickAsync();

        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex(@"^We will call you .+ at about [0-9]{2}:[0-9]{2}\.$"));
        await Expect(page.Locator(".facts")).ToContainTextAsync("The returns team");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel the callback" })).ToBeVisibleAsync();
    }
}
