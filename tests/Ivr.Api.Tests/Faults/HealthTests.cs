using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Ivr.Api.Tests;

/// <summary>/healthz: ok or not and the menu version for anyone; the details for the key or a console session; 503 when no calls can be taken.</summary>
public sealed class HealthTests
{
    private const string Key = "health-key";

    private static HotlineFactory Hotline() => new(settings: new()
    {
        ["Admin:ApiKey"] = Key, ["Admin:Username"] = ConsoleSignInTests.Username, ["Admin:Password"] = ConsoleSignInTests.Password,
    });

    private static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync(HttpClient client, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string[] Names(JsonElement body) => [.. body.EnumerateObject().Select(p => p.Name).Order()];

    [Fact]
    public async Task Anyone_IsToldOnlyOkAndTheMenuVersion()
    {
        await using var factory = Hotline();
        using var client = factory.CreateClient();

        var (status, body) = await HealthAsync(client);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["menuVersion", "status"], Names(body));
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Matches("^[0-9a-f]{12}$", body.GetProperty("menuVersion").GetString());
    }

    [Fact]
    public async Task TheKey_OrAConsoleSession_GetsTheDetails()
    {
        await using var factory = Hotline();
        using var client = factory.CreateClient();

        var (status, withKey) = await HealthAsync(client, Key);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", withKey.GetProperty("status").GetString());
        Assert.True(withKey.GetProperty("database").GetProperty("writable").GetBoolean());
        Assert.Equal(1, factory.OpenDatabase().ExecuteScalar<long>("SELECT COUNT(*) FROM health_checks WHERE checked_at > 0"));

        // The console's session cookie is for /admin: it reads the same answer there.
        using var closed = await client.GetAsync("/admin/api/health");
        Assert.Equal(HttpStatusCode.Unauthorized, closed.StatusCode);
        using var signIn = await ConsoleSignInTests.SignInAsync(client, ConsoleSignInTests.Username, ConsoleSignInTests.Password);
        var withSession = await client.GetFromJsonAsync<JsonElement>("/admin/api/health");
        Assert.Equal(Names(withKey), Names(withSession));
        Assert.True(withSession.GetProperty("database").GetProperty("writable").GetBoolean());
    }

    [Fact]
    public async Task AWrongKey_IsRefused()
    {
        await using var factory = Hotline();
        using var client = factory.CreateClient();

        var (status, _) = await HealthAsync(client, "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task ADatabaseThatRefusesWrites_Makes503_ForAnyone_WithTheReasonInTheDetails()
    {
        await using var factory = Hotline();
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(client)).Status);

        // A disk that has filled up, as the database reports it: every write fails.
        using (var db = factory.OpenDatabase())
            db.Execute("CREATE TRIGGER full_disk BEFORE UPDATE ON health_checks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
        factory.Clock.Advance(Health.CheckFor);

        var (status, anonymous) = await HealthAsync(client);
        var (detailedStatus, details) = await HealthAsync(client, Key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(["menuVersion", "status"], Names(anonymous));
        Assert.Equal("unavailable", anonymous.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, detailedStatus);
        Assert.False(details.GetProperty("database").GetProperty("writable").GetBoolean());
        Assert.Contains("disk is full", details.GetProperty("database").GetProperty("problem").GetString());

        using (var db = factory.OpenDatabase())
            db.Execute("DROP TRIGGER full_disk");
        factory.Clock.Advance(Health.CheckFor);
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(client)).Status);
    }
}
