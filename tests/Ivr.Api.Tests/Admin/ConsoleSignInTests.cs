using System.Net;
using System.Net.Http.Json;
using Ivr.Api.Admin;
using Ivr.Api.Queues;

namespace Ivr.Api.Tests;

/// <summary>Who gets into the admin console and its API: a signed-in session or the API key, nobody else.</summary>
public sealed class ConsoleSignInTests : IAsyncLifetime
{
    public const string Username = "admin";
    public const string Password = "correct horse battery";
    public const string ApiKey = "console-test-key";

    private HotlineFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new()
        {
            ["Admin:Username"] = Username, ["Admin:Password"] = Password, ["Admin:ApiKey"] = ApiKey,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>POST /admin/login as the console's script sends it.</summary>
    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string username, string password, bool fromConsole = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/login") { Content = JsonContent.Create(new { username, password }) };
        if (fromConsole)
            request.Headers.Add(ConsoleRequest.HeaderName, "1");
        return client.SendAsync(request);
    }

    [Fact]
    public async Task TheAdminApi_WithoutSignInOrKey_IsClosed()
    {
        using var client = _factory.CreateClient();

        using var dashboard = await client.GetAsync("/admin/api/dashboard");
        using var diagram = await client.GetAsync("/admin/api/menu/diagram");

        Assert.Equal(HttpStatusCode.Unauthorized, dashboard.StatusCode);
        Assert.Contains("Sign in to the console at /admin", await dashboard.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, diagram.StatusCode);
    }

    [Fact]
    public async Task SigningIn_OpensTheAdminApi_AndSigningOut_ClosesItAgain()
    {
        using var client = _factory.CreateClient();
        Assert.Equal(new AdminConsole.Session(true, false, null, Role: null, TimeZone: "Europe/Warsaw"), await client.GetFromJsonAsync<AdminConsole.Session>("/admin/session"));

        using var signIn = await SignInAsync(client, Username, Password);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        using var dashboard = await client.GetAsync("/admin/api/dashboard");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        var session = await client.GetFromJsonAsync<AdminConsole.Session>("/admin/session");
        Assert.Equal(new AdminConsole.Session(true, true, Username, Role: "admin", TimeZone: "Europe/Warsaw"), session);

        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/admin/logout");
        signOut.Headers.Add(ConsoleRequest.HeaderName, "1");
        using var signedOut = await client.SendAsync(signOut);
        Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
        using var after = await client.GetAsync("/admin/api/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [InlineData(Username, "correct horse battery ")]
    [InlineData(Username, "")]
    [InlineData("Admin", Password)]
    public async Task AWrongUserNameOrPassword_IsRefused_AndOpensNothing(string username, string password)
    {
        using var client = _factory.CreateClient();

        using var signIn = await SignInAsync(client, username, password);

        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        Assert.Contains("Wrong user name or password", await signIn.Content.ReadAsStringAsync());
        Assert.False(signIn.Headers.Contains("Set-Cookie"));
        using var dashboard = await client.GetAsync("/admin/api/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, dashboard.StatusCode);
    }

    [Fact]
    public async Task FiveFailures_PauseSignInFromThatAddress_EvenWithTheRightPassword_ForFiveMinutes()
    {
        using var client = _factory.CreateClient();
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
        {
            using var wrong = await SignInAsync(client, Username, $"guess {i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var paused = await SignInAsync(client, Username, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, paused.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(5), paused.Headers.RetryAfter?.Delta);

        _factory.Clock.Advance(LoginThrottle.LockOut);
        using var later = await SignInAsync(client, Username, Password);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Theory]
    [InlineData(ApiKey, HttpStatusCode.OK)]
    [InlineData("not-the-key", HttpStatusCode.Unauthorized)]
    public async Task TheApiKey_AlsoOpensTheAdminApi(string key, HttpStatusCode expected)
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, key);

        using var response = await client.GetAsync("/admin/api/dashboard");

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task TheSessionCookie_IsHttpOnly_SameSiteStrict_ForTheConsoleOnly_AndSecureOverHttps()
    {
        using var plain = _factory.CreateClient();
        using var secure = _factory.CreateClient(new() { BaseAddress = new Uri("https://localhost") });

        using var overHttp = await SignInAsync(plain, Username, Password);
        using var overHttps = await SignInAsync(secure, Username, Password);

        var cookie = overHttp.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=strict", cookie);
        Assert.Contains("path=/admin", cookie);
        Assert.DoesNotContain("secure", cookie);
        Assert.Contains("secure", overHttps.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant());
    }

    [Fact]
    public async Task ASignInOrSignOutWithoutTheConsoleHeader_IsRefused()
    {
        using var client = _factory.CreateClient();

        // What a form on another site could send: no custom header.
        using var forged = await SignInAsync(client, Username, Password, fromConsole: false);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.False(forged.Headers.Contains("Set-Cookie"));

        using var signIn = await SignInAsync(client, Username, Password);
        using var forgedSignOut = await client.PostAsync("/admin/logout", null);
        Assert.Equal(HttpStatusCode.Forbidden, forgedSignOut.StatusCode);
        using var stillIn = await client.GetAsync("/admin/api/dashboard");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
    }

    [Fact]
    public async Task TheConsolePage_ComesWithItsScript_AndAllowsNothingFromElsewhere()
    {
        using var client = _factory.CreateClient();

        using var page = await client.GetAsync("/admin");
        using var script = await client.GetAsync("/admin/console.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<script src=\"/admin/console.js\"", await page.Content.ReadAsStringAsync());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType?.ToString());
    }
}

/// <summary>A console session changes the menu only through the console's own requests.</summary>
public sealed class ConsoleMenuChangeTests
{
    private static async Task<HttpClient> SignedInAsync(HotlineFactory factory)
    {
        var client = factory.CreateClient();
        using var signIn = await ConsoleSignInTests.SignInAsync(client, ConsoleSignInTests.Username, ConsoleSignInTests.Password);
        signIn.EnsureSuccessStatusCode();
        return client;
    }

    private static HttpRequestMessage Put(string content, bool fromConsole)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/admin/api/menu") { Content = JsonContent.Create(new { content }) };
        if (fromConsole)
            request.Headers.Add(ConsoleRequest.HeaderName, "1");
        return request;
    }

    [Fact]
    public async Task AForgedSave_WithTheSessionCookieButWithoutTheConsoleHeader_IsRefused_AndTheConsolesOwnIsApplied()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.Hotline(new()
        {
            ["Admin:Username"] = ConsoleSignInTests.Username, ["Admin:Password"] = ConsoleSignInTests.Password,
        });
        using var client = await SignedInAsync(factory);

        using var forged = await client.SendAsync(Put(MenuFolder.Edition(1), fromConsole: false));
        using var forgedRollback = await client.PostAsync("/admin/api/menu/versions/1/rollback", null);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forgedRollback.StatusCode);
        Assert.Equal(MenuFolder.Sample, folder.Read());

        using var saved = await client.SendAsync(Put(MenuFolder.Edition(1), fromConsole: true));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(MenuFolder.Edition(1), folder.Read());
    }
}

public sealed class ClosedConsoleTests
{
    [Fact]
    public async Task WithoutCredentials_TheConsoleSaysHowToSetThem_AndLetsNobodyIn()
    {
        await using var factory = new HotlineFactory();
        using var client = factory.CreateClient();

        using var page = await client.GetAsync("/admin");
        var html = await page.Content.ReadAsStringAsync();
        using var signIn = await ConsoleSignInTests.SignInAsync(client, "admin", "");
        using var dashboard = await client.GetAsync("/admin/api/dashboard");

        Assert.Contains("The admin console is closed", html);
        Assert.Contains("Admin__Username", html);
        Assert.Contains("Admin__Password", html);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, dashboard.StatusCode);
    }
}
