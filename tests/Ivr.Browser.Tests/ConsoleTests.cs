using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ivr.Browser.Tests;

/// <summary>The admin console in a real browser, against the real service.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleTests(Chromium chromium)
{
    private const string Username = "admin";
    private const string Password = "correct horse battery";
    private const string ApiKey = "console-test-key";

    private static LiveHotline ConsoleHotline(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["Admin:Username"] = Username, ["Admin:Password"] = Password };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        return new LiveHotline(all, services);
    }

    private async Task<IPage> OpenAsync(LiveHotline hotline, string view = "", string? timeZone = null)
    {
        var page = await chromium.NewPageAsync("en-US", timeZone);
        await page.GotoAsync(hotline.Url("/admin" + view));
        return page;
    }

    private static async Task SignInAsync(IPage page, string password = Password, string username = Username)
    {
        await page.GetByLabel("User name").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    [Fact]
    public async Task AWrongPassword_IsSaid_AndTheRightOne_OpensTheDashboard()
    {
        await using var hotline = ConsoleHotline();
        var page = await OpenAsync(hotline);

        await SignInAsync(page, "not the password");
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong user name or password.");
        await Expect(page.GetByRole(AriaRole.Navigation)).ToBeHiddenAsync();

        await SignInAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        var orders = page.Locator("article[data-department=orders]");
        await Expect(orders.Locator("[data-figure=calls]")).ToHaveTextAsync("0");
        await Expect(orders.Locator("figure svg")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task SignOut_IsOfferedOnlyWhenSignedIn_AndSigningOutIsSaidAsNewsNotAsAnError()
    {
        await using var hotline = ConsoleHotline();
        var page = await OpenAsync(hotline);
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "Sign out" });

        await Expect(page.GetByLabel("User name")).ToBeVisibleAsync();
        await Expect(signOut).ToBeHiddenAsync();
        await SignInAsync(page);
        await Expect(signOut).ToBeVisibleAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync(Username);

        await signOut.ClickAsync();

        await Expect(page.GetByLabel("User name")).ToBeVisibleAsync();
        await Expect(signOut).ToBeHiddenAsync();
        await Expect(page.Locator("#who")).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Signed out." })).ToBeVisibleAsync();
        await Expect(page.Locator("#login-error")).ToBeEmptyAsync();
    }

    [Fact]
    public async Task Times_AreTheHotlinesClock_NotTheBrowsers()
    {
        // 9:00 UTC is 10:00 in Warsaw, the sample hotline's zone, and 4:00 in New York, where this browser is.
        var start = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        await using var hotline = ConsoleHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(start, 1)));
        var page = await OpenAsync(hotline, "#versions", timeZone: "America/New_York");
        await SignInAsync(page);

        var live = page.Locator("#versions table tbody tr").First;
        await Expect(live).ToContainTextAsync(new Regex(@"\b10:00\b"));
        await Expect(live).Not.ToContainTextAsync(new Regex(@"\b4:00\b"));
    }

    [Fact]
    public async Task ASupervisor_ReadsTheMenuWithoutSaveOrRollback_AndAViewerSeesOnlyTheDashboard()
    {
        await using var hotline = ConsoleHotline(new()
        {
            ["Admin:Users:0:Name"] = "ewa", ["Admin:Users:0:Role"] = "supervisor",
            ["Admin:Users:0:PasswordHash"] = Ivr.Api.Admin.ConsoleCredentials.Hash("floor manager 2026"),
            ["Admin:Users:1:Name"] = "jan", ["Admin:Users:1:Role"] = "viewer",
            ["Admin:Users:1:PasswordHash"] = Ivr.Api.Admin.ConsoleCredentials.Hash("just looking 2026"),
        });

        var supervisor = await OpenAsync(hotline, "#menu");
        await SignInAsync(supervisor, "floor manager 2026", "ewa");
        await Expect(supervisor.Locator("#who")).ToContainTextAsync("ewa (supervisor)");
        await Expect(supervisor.Locator("#menu-editor")).ToHaveValueAsync(new Regex("Sklep Przykładowy"));
        await Expect(supervisor.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeHiddenAsync();
        await Expect(supervisor.GetByText("saving it takes an admin")).ToBeVisibleAsync();
        await supervisor.GetByRole(AriaRole.Link, new() { Name = "Callbacks" }).ClickAsync();
        await Expect(supervisor.GetByRole(AriaRole.Heading, new() { Name = "Callbacks" })).ToBeVisibleAsync();

        var viewer = await OpenAsync(hotline, "#menu");
        await SignInAsync(viewer, "just looking 2026", "jan");
        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Expect(viewer.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link)).ToHaveTextAsync(["Dashboard"]);
        // Typed by hand, a view the role may not open shows the dashboard, and the service refuses its data anyway.
        var refused = await viewer.EvaluateAsync<int>("fetch('/admin/api/menu').then(r => r.status)");
        Assert.Equal(403, refused);
    }

    [Fact]
    public async Task TheDiagram_DrawsABoxForEveryMenu()
    {
        await using var hotline = ConsoleHotline();
        var page = await OpenAsync(hotline);
        await SignInAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Diagram" }).ClickAsync();

        var menus = page.Locator("#diagram-canvas svg g.node[data-kind=menu]");
        await Expect(menus).ToHaveCountAsync(15); // the sample menu file has 15 menus
        await Expect(menus.Locator("text", new() { HasText = "order_status_online" })).ToBeVisibleAsync();
        await Expect(page.Locator("#diagram-canvas svg g.node[data-kind=department]")).ToHaveCountAsync(4);
        Assert.Equal("#diagram", new Uri(page.Url).Fragment);
    }

    [Fact]
    public async Task AtPhoneWidth_TheDashboardFitsTheScreen()
    {
        await using var hotline = ConsoleHotline();
        var page = await OpenAsync(hotline);
        await page.SetViewportSizeAsync(390, 844);
        await SignInAsync(page);

        await Expect(page.Locator("article[data-department=orders]")).ToBeVisibleAsync();

        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than the phone's screen");
    }

    [Fact]
    public async Task Callbacks_AreListedByStatus_AndAPendingOneCanBeCanceled()
    {
        await using var hotline = ConsoleHotline(new() { ["Admin:ApiKey"] = ApiKey });
        using var api = AdminApi(hotline);
        var (reference, token) = await BookWhileReturnsAreAwayAsync(api);

        var page = await OpenAsync(hotline, "#callbacks");
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await SignInAsync(page);

        var row = page.Locator($"table[data-status=pending] tr[data-reference='{reference}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("+48500100200");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Cancel callback {reference}" }).ClickAsync();

        await Expect(page.Locator("#callbacks-message")).ToHaveTextAsync($"Callback {reference} is canceled.");
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/callbacks/{token}");
        Assert.Equal("canceled", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AtPhoneWidth_TheCallbacksTableScrollsInItsOwnBox_AndAFilterThatFindsNothingSaysSo()
    {
        await using var hotline = ConsoleHotline(new() { ["Admin:ApiKey"] = ApiKey });
        using var api = AdminApi(hotline);
        await BookWhileReturnsAreAwayAsync(api);

        var page = await OpenAsync(hotline, "#callbacks");
        await page.SetViewportSizeAsync(390, 844);
        await SignInAsync(page);

        await Expect(page.Locator("table[data-status=pending] tbody tr")).ToHaveCountAsync(1);
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than the phone's screen");

        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await Expect(page.Locator("#callbacks-message")).ToBeVisibleAsync();
        await Expect(page.Locator("#callbacks-message")).ToHaveTextAsync("No failed callbacks.");
        await Expect(page.Locator("#callbacks-tables table")).ToHaveCountAsync(0);
    }

    private static HttpClient AdminApi(LiveHotline hotline)
    {
        var api = new HttpClient { BaseAddress = hotline.BaseAddress };
        api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return api;
    }

    /// <summary>
    /// Books a callback for +48500100200 with the returns team away, so it waits in line rather than being dialed;
    /// returns its reference and the token of its status page.
    /// </summary>
    private static async Task<(string Reference, string Token)> BookWhileReturnsAreAwayAsync(HttpClient api)
    {
        foreach (var agent in new[] { "returns.magdalena", "returns.tomasz" })
            (await api.PutAsJsonAsync($"/api/agents/{agent}/status", new { status = "away" })).EnsureSuccessStatusCode();
        using var booked = await api.PostAsJsonAsync("/api/callbacks", new { phone = "500 100 200", department = "returns", consent = true });
        booked.EnsureSuccessStatusCode();
        var booking = await booked.Content.ReadFromJsonAsync<JsonElement>();
        return (booking.GetProperty("reference").GetString()!, booking.GetProperty("token").GetString()!);
    }

    /// <summary>A copy of the sample menu that the service may rewrite; deleted with its folder.</summary>
    private sealed class MenuCopy : IDisposable
    {
        public static readonly string Sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));

        public MenuCopy()
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(FilePath, Sample);
        }

        public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"ivr-console-{Guid.NewGuid():N}");
        public string FilePath => Path.Combine(Folder, "ivr-menus.yaml");

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    [Fact]
    public async Task ABrokenEdit_IsMarkedAtItsLine_AndSaveKeepsTheLiveVersion()
    {
        using var menu = new MenuCopy();
        await using var hotline = ConsoleHotline(new() { ["Ivr:MenuFile"] = menu.FilePath });
        var page = await OpenAsync(hotline, "#menu");
        await SignInAsync(page);
        var live = page.Locator("#menu-live-version");
        await Expect(live).ToHaveTextAsync(new Regex("^[0-9a-f]{12}$"));
        var liveVersion = await live.TextContentAsync();

        var lines = MenuCopy.Sample.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains("start: welcome")) + 1;
        await page.GetByLabel($"Menu file {menu.FilePath}").FillAsync(MenuCopy.Sample.Replace("start: welcome", "start: welcom"));

        await Expect(page.Locator($"#menu-gutter [data-line='{line}']")).ToHaveClassAsync("error");
        await Expect(page.Locator("#menu-gutter .error")).ToHaveCountAsync(1);
        await Expect(page.Locator("#menu-problems li").First).ToContainTextAsync($"{line}:");
        await Expect(page.Locator("#menu-problems li").First).ToContainTextAsync("hotline.start");

        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#menu-validation")).ToContainTextAsync("Not saved");
        await Expect(live).ToHaveTextAsync(liveVersion!);
        Assert.Equal(MenuCopy.Sample, await File.ReadAllTextAsync(menu.FilePath));
        await using var health = await page.APIRequest.GetAsync(hotline.Url("/healthz"));
        Assert.Contains(liveVersion!, await health.TextAsync());
    }

    [Fact]
    public async Task AGoodEdit_GoesLive_ShowsInTheDiff_AndCanBeRolledBack()
    {
        using var menu = new MenuCopy();
        await using var hotline = ConsoleHotline(new() { ["Ivr:MenuFile"] = menu.FilePath });
        var page = await OpenAsync(hotline, "#menu");
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await SignInAsync(page);
        var live = page.Locator("#menu-live-version");
        await Expect(live).ToHaveTextAsync(new Regex("^[0-9a-f]{12}$"));
        var first = await live.TextContentAsync();

        await page.Locator("#menu-editor").FillAsync(MenuCopy.Sample.Replace("attempts: 3", "attempts: 4"));
        await Expect(page.Locator("#menu-validation")).ToHaveTextAsync("Valid.");
        await page.GetByLabel("Note for the history").FillAsync("one more try before the operator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#menu-validation")).ToContainTextAsync("is live");
        await Expect(live).Not.ToHaveTextAsync(first!);

        await page.GetByRole(AriaRole.Link, new() { Name = "Versions" }).ClickAsync();
        await Expect(page.Locator("#versions-table tbody tr")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show differences" }).ClickAsync();
        await Expect(page.Locator("#diff-output tr.removed")).ToContainTextAsync("attempts: 3");
        await Expect(page.Locator("#diff-output tr.added")).ToContainTextAsync("attempts: 4");

        await Expect(page.Locator("#versions-table tbody tr").First).ToContainTextAsync("admin");
        await Expect(page.Locator("#versions-table tbody tr").First).ToContainTextAsync("one more try before the operator");

        await page.GetByRole(AriaRole.Button, new() { Name = "Roll back to this version" }).ClickAsync();
        await Expect(page.Locator("#versions-message")).ToContainTextAsync($"Version {first} is live again.");
        Assert.Equal(MenuCopy.Sample, await File.ReadAllTextAsync(menu.FilePath));

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        var entries = page.Locator("#audit-table tbody tr");
        await Expect(entries).ToHaveCountAsync(3);
        await Expect(entries.Nth(0)).ToContainTextAsync("menu-rollback");
        await Expect(entries.Nth(1)).ToContainTextAsync("one more try before the operator");
        await Expect(entries.Nth(2)).ToContainTextAsync("sign-in");
    }

    [Fact]
    public async Task ACallFromTheBrowserPhone_ShowsOnTheDashboard()
    {
        // Wednesday 10:00 in Warsaw, when the orders team is open; ten times as fast, so the menus take seconds.
        var wednesdayMorning = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));
        await using var hotline = ConsoleHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(wednesdayMorning, 10)));
        var phone = await chromium.NewPageAsync();
        await phone.GotoAsync(hotline.Url("/phone"));
        await phone.ClickAsync("#call");
        await Expect(phone.Locator("#transcript li")).Not.ToHaveCountAsync(0, new() { Timeout = 15_000 });
        // Order status, then the orders team.
        await phone.ClickAsync("button[data-key=\"1\"]");
        await phone.ClickAsync("button[data-key=\"1\"]");
        await Expect(phone.Locator("#status")).ToHaveAttributeAsync("data-state", new Regex("^(queue|connecting|agent)$"), new() { Timeout = 15_000 });

        var page = await OpenAsync(hotline);
        await SignInAsync(page);

        var orders = page.Locator("article[data-department=orders]");
        await Expect(orders.Locator("[data-figure=calls]")).ToHaveTextAsync("1");
        await Expect(orders.Locator("figure svg rect title", new() { HasText = "10:00: 1 call" })).ToHaveCountAsync(1);
    }

    private static readonly DateTimeOffset WednesdayMorning = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));

    [Fact]
    public async Task TheBoard_SetsAgentsAwayAndBack_WhichDecidesWhoGetsTheNextCall_TheWallShowsTheWait_AndTheSearchFindsAndExportsTheCall()
    {
        await using var hotline = ConsoleHotline(services: services =>
            services.AddSingleton<TimeProvider>(new AcceleratedClock(WednesdayMorning, 10)));
        var page = await OpenAsync(hotline, "#agents");
        await SignInAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Agents" })).ToBeVisibleAsync();

        // Nobody of the orders team takes calls.
        foreach (var name in new[] { "Anna", "Piotr", "Katarzyna" })
        {
            await page.GetByRole(AriaRole.Button, new() { Name = $"Set {name} away" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Set {name} available" })).ToBeVisibleAsync();
        }
        await Expect(page.Locator("tr[data-agent='orders.anna'] [data-state]")).ToHaveTextAsync("away");

        var phone = await chromium.NewPageAsync("en-GB");
        await phone.GotoAsync(hotline.Url("/phone"));
        await phone.FillAsync("#number", "500 300 400");
        await phone.ClickAsync("#call");
        await Expect(phone.Locator("#transcript li[lang]").First).ToContainTextAsync("Dzień dobry", new() { Timeout = 15_000 });
        await phone.ClickAsync("button[data-key=\"1\"]");
        await phone.ClickAsync("button[data-key=\"1\"]");
        await Expect(phone.Locator("#status")).ToHaveAttributeAsync("data-state", "queue", new() { Timeout = 15_000 });

        // The wall shows the caller waiting, first in line, with nobody free.
        await page.GetByRole(AriaRole.Link, new() { Name = "Queues" }).ClickAsync();
        var orders = page.Locator("#wall article[data-department=orders]");
        await Expect(orders.Locator("[data-figure=waiting]")).ToHaveTextAsync("1", new() { Timeout = 10_000 });
        await Expect(orders.Locator("[data-figure=free]")).ToHaveTextAsync("0");
        await Expect(orders.Locator("[data-figure=away]")).ToHaveTextAsync("3");
        await Expect(orders.Locator("table.waiting tbody tr td").First).ToHaveTextAsync("1");

        // Piotr comes back: the caller is his, not Anna's, who has been free longest but is away.
        await page.GetByRole(AriaRole.Link, new() { Name = "Agents" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Set Piotr available" }).ClickAsync();
        await Expect(phone.Locator("#transcript li[data-type=agent-picked-up]")).ToContainTextAsync("+48221234502", new() { Timeout = 15_000 });
        await Expect(page.Locator("tr[data-agent='orders.piotr'] [data-state]")).ToHaveTextAsync(new Regex("^(ringing|talking)$"), new() { Timeout = 10_000 });
        await Expect(page.Locator("tr[data-agent='orders.anna'] [data-state]")).ToHaveTextAsync("away");

        // The search finds the call by the number as people type it, and the export has it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Calls" }).ClickAsync();
        await page.GetByLabel("Number", new() { Exact = true }).FillAsync("500 300 400");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var found = page.Locator("#calls-table tbody tr");
        await Expect(found).ToHaveCountAsync(1);
        await Expect(found.Locator("td").Nth(1)).ToHaveTextAsync("+48500300400");
        await Expect(found.Locator("td").Nth(2)).ToHaveTextAsync("orders");
        await Expect(found.Locator("td[data-outcome]")).ToHaveTextAsync(new Regex("^(answered|in-progress)$"));
        await found.GetByRole(AriaRole.Button, new() { Name = "Path" }).ClickAsync();
        await Expect(page.Locator("#call-path-steps")).ToContainTextAsync("joined the orders queue");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = (await File.ReadAllTextAsync((await download.PathAsync())!)).TrimEnd().Split("\r\n");
        Assert.Equal("started_at,call_sid,caller,department,outcome,wait_seconds,talk_seconds,duration_seconds,agent", csv[0]);
        Assert.Single(csv[1..]);
        Assert.Contains(",+48500300400,orders,", csv[1]);

        // The figures of today count the one call offered to orders.
        await page.GetByRole(AriaRole.Link, new() { Name = "Figures" }).ClickAsync();
        await page.Locator("#figures-department").SelectOptionAsync("orders");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.Locator("#figures-table tfoot [data-figure=offered]")).ToHaveTextAsync("1");
        await Expect(page.Locator("#figures-table tbody tr").Nth(10).Locator("[data-figure=offered]")).ToHaveTextAsync("1");

        // The audit log tells who set whom away.
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.Locator("#audit-table tbody tr").First).ToContainTextAsync("agent-available");
    }

    [Fact]
    public async Task AViewer_IsRefusedSettingAnAgentAway_AndSeesNoAgentBoard()
    {
        await using var hotline = ConsoleHotline(new()
        {
            ["Admin:Users:0:Name"] = "jan", ["Admin:Users:0:Role"] = "viewer",
            ["Admin:Users:0:PasswordHash"] = Ivr.Api.Admin.ConsoleCredentials.Hash("just looking 2026"),
        });
        var viewer = await OpenAsync(hotline, "#agents");
        await SignInAsync(viewer, "just looking 2026", "jan");

        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Expect(viewer.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Agents" })).ToBeHiddenAsync();
        var refused = await viewer.EvaluateAsync<int>(
            "fetch('/admin/api/agents/orders.anna/status', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-Ivr-Console': '1' }, body: JSON.stringify({ status: 'away' }) }).then(r => r.status)");
        Assert.Equal(403, refused);
    }

    [Fact]
    public async Task TheContactsPage_SearchesANumber_AndShowsItsTimeline_AtDesktopAndPhoneWidth()
    {
        await using var hotline = ConsoleHotline();
        SeedContacts(hotline, "+48500100200");
        var page = await OpenAsync(hotline, "#contacts", "Europe/Warsaw");
        await page.SetViewportSizeAsync(1280, 900);
        await SignInAsync(page);

        await page.GetByLabel("Phone number").FillAsync("+48 500 100 200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show history" }).ClickAsync();

        var timeline = page.Locator("#contacts-timeline li");
        await Expect(timeline).ToHaveCountAsync(3);
        await Expect(page.Locator("#contacts-message")).ToHaveTextAsync("+48500100200: 3 contacts, 2 in the last 7 days.");
        await Expect(timeline.Nth(0)).ToContainTextAsync("hung up while waiting");
        await Expect(page.Locator("li[data-kind=survey]")).ToContainTextAsync("Would recommend (0–10)9");
        await Expect(page.Locator("li[data-kind=call]").Nth(1)).ToContainTextAsync("Agnieszka");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "ivr-contacts-desktop.png"), FullPage = true });

        await page.SetViewportSizeAsync(390, 844);
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than the phone's screen");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "ivr-contacts-phone.png"), FullPage = true });

        // The dashboard shows what callers thought, from the same contacts: one csat of 4, one nps of 9 (a promoter),
        // the answered call followed by another within a week.
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync(hotline.Url("/admin#dashboard"));
        var complaints = page.Locator("#care article[data-care-department=complaints]");
        await Expect(complaints.Locator("[data-figure=csat]")).ToHaveTextAsync("100% of 1");
        await Expect(complaints.Locator("[data-figure=nps]")).ToHaveTextAsync("+100 of 1");
        await Expect(complaints.Locator("[data-figure=fcr]")).ToHaveTextAsync("0%");
        await Expect(page.Locator("#care-agents tr[data-agent='complaints.agnieszka']")).ToContainTextAsync("Agnieszka");
        await page.Locator("#care").ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "ivr-care-dashboard.png") });
        await page.GotoAsync(hotline.Url("/admin#contacts"));

        await page.GetByLabel("Phone number").FillAsync("500100200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show history" }).ClickAsync();
        await Expect(page.Locator("#contacts-message")).ToContainTextAsync("+ and the country code");
        await Expect(timeline).ToHaveCountAsync(0);
    }

    // Two calls to complaints (one answered by Agnieszka two days ago, with its survey; one abandoned an hour ago).
    private static void SeedContacts(LiveHotline hotline, string number)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={hotline.DatabasePath}");
        db.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (earlier, recent) = (now - 2 * 86_400_000L, now - 3_600_000L);
        using var insert = db.CreateCommand();
        insert.CommandText = """
            INSERT INTO calls (call_sid, menu_version, menu, language, offered, fallbacks, step, phase, caller, called, started_at, updated_at, ended_at, end_status)
            SELECT 'CA1', version, 'main', 'pl-PL', 0, 0, 2, 'Finished', $number, '+48221234567', $earlier, $earlier, $earlier + 600000, 'completed' FROM menu_versions LIMIT 1;
            INSERT INTO calls (call_sid, menu_version, menu, language, offered, fallbacks, step, phase, caller, called, started_at, updated_at, ended_at, end_status)
            SELECT 'CA2', version, 'main', 'pl-PL', 0, 0, 2, 'Finished', $number, '+48221234567', $recent, $recent, $recent + 150000, 'completed' FROM menu_versions LIMIT 1;
            INSERT INTO call_events (call_sid, call_started, at, from_menu, to_menu, trigger, input) VALUES ('CA1', $earlier, $earlier, '(new)', 'main', 'start', NULL);
            INSERT INTO call_events (call_sid, call_started, at, from_menu, to_menu, trigger, input) VALUES ('CA2', $recent, $recent, '(new)', 'main', 'start', NULL);
            INSERT INTO queue_entries (call_sid, department, language, enqueued_at, place_at, state, ended_at, agent_id, answered_at, handle_seconds)
            VALUES ('CA1', 'complaints', 'pl-PL', $earlier + 20000, $earlier + 20000, 'answered', $earlier + 560000, 'complaints.agnieszka', $earlier + 260000, 300);
            INSERT INTO queue_entries (call_sid, department, language, enqueued_at, place_at, state, ended_at)
            VALUES ('CA2', 'complaints', 'pl-PL', $recent + 20000, $recent + 20000, 'abandoned', $recent + 140000);
            INSERT INTO survey_answers (call_sid, entry_id, number, department, agent_id, question, answer, at) VALUES
                ('CA1', 1, $number, 'complaints', 'complaints.agnieszka', 'csat', 4, $earlier + 570000),
                ('CA1', 1, $number, 'complaints', 'complaints.agnieszka', 'nps', 9, $earlier + 580000),
                ('CA1', 1, $number, 'complaints', 'complaints.agnieszka', 'resolved', 0, $earlier + 590000);
            """;
        insert.Parameters.AddWithValue("$number", number);
        insert.Parameters.AddWithValue("$earlier", earlier);
        insert.Parameters.AddWithValue("$recent", recent);
        insert.ExecuteNonQuery();
    }
}
