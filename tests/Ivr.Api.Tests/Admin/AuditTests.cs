using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api.Admin;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ivr.Api.Tests;

/// <summary>Who changed what: each menu version carries its author and note; the audit log keeps sign-ins and changes.</summary>
public sealed class AuditTests : IAsyncLifetime
{
    private readonly MenuFolder _folder = new();
    private HotlineFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = _folder.Hotline(new()
        {
            ["Admin:Username"] = ConsoleSignInTests.Username,
            ["Admin:Password"] = ConsoleSignInTests.Password,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(ConsoleRequest.HeaderName, "1");
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return text.Length > 0 ? JsonDocument.Parse(text).RootElement : default;
    }

    [Fact]
    public async Task ASaveAndARollback_CarryTheirAuthorAndNote_AndTheAuditLogTellsWhoDidWhat()
    {
        using var stranger = _factory.CreateClient();
        (await ConsoleSignInTests.SignInAsync(stranger, "admin", "my password?")).Dispose();
        var admin = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        (await ConsoleSignInTests.SignInAsync(admin, ConsoleSignInTests.Username, ConsoleSignInTests.Password)).EnsureSuccessStatusCode();

        var saved = await SendAsync(admin, HttpMethod.Put, "/admin/api/menu", new { content = MenuFolder.Edition(1), note = "  Christmas hours  " });
        var first = (await SendAsync(admin, HttpMethod.Get, "/admin/api/menu/versions")).EnumerateArray().Last();
        await SendAsync(admin, HttpMethod.Post, $"/admin/api/menu/versions/{first.GetProperty("id").GetInt64()}/rollback", new { note = "back to normal" });

        var versions = (await SendAsync(admin, HttpMethod.Get, "/admin/api/menu/versions")).EnumerateArray().ToList();
        Assert.Equal(["rollback", "console", "start"], versions.Select(v => v.GetProperty("source").GetString()));
        Assert.Equal(["admin", "admin", null], versions.Select(v => v.GetProperty("author").GetString()));
        Assert.Equal(["back to normal", "Christmas hours", null], versions.Select(v => v.GetProperty("note").GetString()));
        var one = await SendAsync(admin, HttpMethod.Get, $"/admin/api/menu/versions/{saved.GetProperty("id").GetInt64()}");
        Assert.Equal("Christmas hours", one.GetProperty("note").GetString());

        var audit = (await SendAsync(admin, HttpMethod.Get, "/admin/api/audit")).EnumerateArray().ToList();
        Assert.Equal(["menu-rollback", "menu-console", "sign-in", "sign-in-refused"], audit.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(["admin", "admin", "admin", "-"], audit.Select(e => e.GetProperty("actor").GetString()));
        Assert.Equal("back to normal", audit[0].GetProperty("detail").GetString());
        // A refused sign-in keeps no trace of what was typed (a password typed in the name box).
        Assert.DoesNotContain("my password", audit[3].GetRawText());
    }

    [Fact]
    public async Task ASaveWithTheApiKey_IsTheKeysHolders()
    {
        await using var hotline = _folder.Hotline(new() { ["Admin:ApiKey"] = "audit-key" });
        using var client = hotline.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "audit-key");

        (await client.PutAsJsonAsync("/admin/api/menu", new { content = MenuFolder.Edition(2) })).EnsureSuccessStatusCode();

        var newest = (await client.GetFromJsonAsync<JsonElement>("/admin/api/menu/versions")).EnumerateArray().First();
        Assert.Equal("api-key", newest.GetProperty("author").GetString());
        Assert.Equal(JsonValueKind.Null, newest.GetProperty("note").ValueKind);
        var entry = (await client.GetFromJsonAsync<JsonElement>("/admin/api/audit")).EnumerateArray().Single();
        Assert.Equal("menu-console", entry.GetProperty("action").GetString());
    }

    [Fact]
    public async Task TheAuditLog_IsForAdminsOnly()
    {
        await using var hotline = _folder.Hotline(new()
        {
            ["Admin:Users:0:Name"] = "ewa", ["Admin:Users:0:Role"] = "supervisor",
            ["Admin:Users:0:PasswordHash"] = ConsoleCredentials.Hash("floor manager 2026"),
        });
        var supervisor = hotline.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        (await ConsoleSignInTests.SignInAsync(supervisor, "ewa", "floor manager 2026")).EnsureSuccessStatusCode();

        using var refused = await supervisor.GetAsync("/admin/api/audit");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
