using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api.Admin;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>Console users with roles: a viewer reads the figures, a supervisor runs the floor, an admin edits the menu.</summary>
public sealed class ConsoleRoleTests : IAsyncLifetime
{
    private const string SupervisorPassword = "floor manager 2026";
    private const string ViewerPassword = "just looking 2026";

    private readonly MenuFolder _folder = new();
    private HotlineFactory _factory = null!;

    private static Dictionary<string, string?> Users(string supervisorRole = "supervisor") => new()
    {
        ["Admin:Username"] = ConsoleSignInTests.Username,
        ["Admin:Password"] = ConsoleSignInTests.Password,
        ["Admin:Users:0:Name"] = "ewa",
        ["Admin:Users:0:Role"] = supervisorRole,
        ["Admin:Users:0:PasswordHash"] = ConsoleCredentials.Hash(SupervisorPassword),
        ["Admin:Users:1:Name"] = "jan",
        ["Admin:Users:1:Role"] = "viewer",
        ["Admin:Users:1:PasswordHash"] = ConsoleCredentials.Hash(ViewerPassword),
    };

    public Task InitializeAsync()
    {
        _factory = _folder.Hotline(Users());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<HttpClient> SignedInAsync(string username, string password, HotlineFactory? factory = null)
    {
        var client = (factory ?? _factory).CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        using var signIn = await ConsoleSignInTests.SignInAsync(client, username, password);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        return client;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(ConsoleRequest.HeaderName, "1");
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task AViewer_ReadsTheFigures_AndNothingElse()
    {
        using var viewer = await SignedInAsync("jan", ViewerPassword);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(viewer, HttpMethod.Get, "/admin/api/dashboard"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(viewer, HttpMethod.Get, "/admin/api/callbacks"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(viewer, HttpMethod.Get, "/admin/api/menu"));
        using var refused = await viewer.GetAsync("/admin/api/menu/versions");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("This needs the supervisor role; jan is a viewer.", problem.GetProperty("detail").GetString());
        var session = await viewer.GetFromJsonAsync<AdminConsole.Session>("/admin/session");
        Assert.Equal("viewer", session!.Role);
    }

    [Fact]
    public async Task ASupervisor_ReadsTheMenuAndRunsCallbacks_ButCannotSaveOrRollBack()
    {
        using var supervisor = await SignedInAsync("ewa", SupervisorPassword);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(supervisor, HttpMethod.Get, "/admin/api/callbacks"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(supervisor, HttpMethod.Get, "/admin/api/menu"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(supervisor, HttpMethod.Post, "/admin/api/menu/validate", new { content = MenuFolder.Edition(1) }));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(supervisor, HttpMethod.Put, "/admin/api/menu", new { content = MenuFolder.Edition(1) }));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(supervisor, HttpMethod.Post, "/admin/api/menu/versions/1/rollback"));
        Assert.Equal(MenuFolder.Sample, _folder.Read());
    }

    [Fact]
    public async Task TheAdminOfAdminUsername_StillDoesEverything()
    {
        using var admin = await SignedInAsync(ConsoleSignInTests.Username, ConsoleSignInTests.Password);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(admin, HttpMethod.Put, "/admin/api/menu", new { content = MenuFolder.Edition(1) }));
        Assert.Equal(MenuFolder.Edition(1), _folder.Read());
    }

    [Theory]
    [InlineData("ewa", ViewerPassword)]
    [InlineData("jan", SupervisorPassword)]
    [InlineData("nobody", SupervisorPassword)]
    [InlineData("Ewa", SupervisorPassword)]
    public async Task AnotherUsersPassword_OrAnUnknownName_IsRefused(string username, string password)
    {
        using var client = _factory.CreateClient();

        using var signIn = await ConsoleSignInTests.SignInAsync(client, username, password);

        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
    }

    [Fact]
    public void ChangingAUsersRoleOrPassword_EndsTheirSession()
    {
        static Ivr.Api.Queues.AdminOptions Options(string role, string hash) =>
            new() { Users = [new() { Name = "ewa", Role = role, PasswordHash = hash }] };
        var hash = ConsoleCredentials.Hash(SupervisorPassword);
        var session = ConsoleCredentials.Principal(Options("supervisor", hash), "ewa", ConsoleRole.Supervisor, "test");

        Assert.True(ConsoleCredentials.IsCurrent(session, Options("supervisor", hash)));
        Assert.False(ConsoleCredentials.IsCurrent(session, Options("viewer", hash)));
        Assert.False(ConsoleCredentials.IsCurrent(session, Options("supervisor", ConsoleCredentials.Hash("another password 1"))));
        Assert.False(ConsoleCredentials.IsCurrent(session, new Ivr.Api.Queues.AdminOptions()));
    }

    [Fact]
    public void ABrokenUserEntry_StopsTheServiceAtStart_NamingTheKeyAndTheFix()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Admin:Users:0:Name"] = "ewa", ["Admin:Users:0:Role"] = "boss", ["Admin:Users:0:PasswordHash"] = SupervisorPassword,
            ["Admin:Users:1:Name"] = "ewa", ["Admin:Users:1:Role"] = "viewer", ["Admin:Users:1:PasswordHash"] = ConsoleCredentials.Hash(ViewerPassword),
        }).Build();
        using var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddHotlineOptions()
            .BuildServiceProvider();

        var refused = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Ivr.Api.Queues.AdminOptions>>().Value);

        Assert.Contains("Admin:Users:0:Role must be admin, supervisor or viewer", refused.Failures);
        Assert.Contains(refused.Failures, f => f.StartsWith("Admin:Users:0:PasswordHash is not a password hash: make one with", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.StartsWith("Admin:Users:1:Name 'ewa' is taken", StringComparison.Ordinal));
    }

    [Fact]
    public void HashPassword_PrintsAHashThatSignsIn_AndRefusesAShortPassword()
    {
        var output = new StringWriter();
        var errors = new StringWriter();

        var code = HashPasswordCommand.Run([], new StringReader("floor manager 2026\n"), output, errors);
        var tooShort = HashPasswordCommand.Run([], new StringReader("short\n"), new StringWriter(), errors);

        Assert.Equal(0, code);
        var options = new Ivr.Api.Queues.AdminOptions { Users = [new() { Name = "ewa", Role = "supervisor", PasswordHash = output.ToString().Trim() }] };
        Assert.Equal(ConsoleRole.Supervisor, ConsoleCredentials.Match(options, "ewa", SupervisorPassword));
        Assert.Equal(1, tooShort);
        Assert.Contains("at least 10 characters", errors.ToString());
    }

    [Fact]
    public async Task AViewer_SeesTheWallAndTheFigures_ButMayNotChangeAgentsNorSearchCalls_ASupervisorMay()
    {
        using var viewer = await SignedInAsync("jan", ViewerPassword);
        using var supervisor = await SignedInAsync("ewa", SupervisorPassword);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(viewer, HttpMethod.Get, "/admin/api/wall"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(viewer, HttpMethod.Get, "/admin/api/figures?range=7d"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(viewer, HttpMethod.Put, "/admin/api/agents/orders.anna/status", new { status = "away" }));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(viewer, HttpMethod.Get, "/admin/api/calls"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(supervisor, HttpMethod.Put, "/admin/api/agents/orders.anna/status", new { status = "away" }));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(supervisor, HttpMethod.Get, "/admin/api/calls.csv"));
    }
}
