using System.Net;
using System.Net.Http.Json;
using Dapper;
using Ivr.Api.Admin;
using Microsoft.AspNetCore.Mvc.Testing;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests;

/// <summary>
/// Two instances on one database behind a load balancer that sends each request anywhere: a console session works on
/// both, and limits count for both together, so two instances do not double what a client may do.
/// </summary>
public sealed class SharedStateTests : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"ivr-shared-{Guid.NewGuid():N}.db");
    private HotlineFactory _a = null!;
    private HotlineFactory _b = null!;

    private HotlineFactory Host()
    {
        var host = new HotlineFactory(_database, new()
        {
            ["Admin:Username"] = ConsoleSignInTests.Username, ["Admin:Password"] = ConsoleSignInTests.Password,
        });
        host.Clock.Now = SundayNoon;
        return host;
    }

    public Task InitializeAsync()
    {
        _a = Host();
        _b = Host();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static HttpClient NoCookies(HotlineFactory host) => host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

    [Fact]
    public async Task AConsoleSession_StartedOnOneInstance_IsSignedInOnTheOther()
    {
        using var signIn = await ConsoleSignInTests.SignInAsync(NoCookies(_a), ConsoleSignInTests.Username, ConsoleSignInTests.Password);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ivr_admin=")).Split(';')[0];

        var onB = NoCookies(_b);
        using var dashboard = new HttpRequestMessage(HttpMethod.Get, "/admin/api/dashboard");
        dashboard.Headers.Add("Cookie", cookie);
        using var answered = await onB.SendAsync(dashboard);
        using var session = new HttpRequestMessage(HttpMethod.Get, "/admin/session");
        session.Headers.Add("Cookie", cookie);
        var seen = await (await onB.SendAsync(session)).Content.ReadFromJsonAsync<AdminConsole.Session>();

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(ConsoleSignInTests.Username, seen?.Username);
        Assert.True(seen?.SignedIn);
        // The key that signed it is in the database, not in a folder of one machine.
        using var db = _a.OpenDatabase();
        Assert.True(db.ExecuteScalar<long>("SELECT COUNT(*) FROM data_protection_keys") >= 1);
    }

    [Fact]
    public async Task FailedSignIns_CountOnBothInstances_SoTwoDoNotAllowTwiceTheGuesses()
    {
        var clients = new[] { _a.CreateClient(), _b.CreateClient() };
        // Five wrong guesses spread over the two instances: three on one, two on the other.
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
        {
            using var wrong = await ConsoleSignInTests.SignInAsync(clients[i % 2], ConsoleSignInTests.Username, $"guess {i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        foreach (var client in clients)
        {
            using var paused = await ConsoleSignInTests.SignInAsync(client, ConsoleSignInTests.Username, ConsoleSignInTests.Password);
            Assert.Equal(HttpStatusCode.TooManyRequests, paused.StatusCode);
        }

        _a.Clock.Advance(LoginThrottle.LockOut);
        _b.Clock.Advance(LoginThrottle.LockOut);
        using var later = await ConsoleSignInTests.SignInAsync(clients[1], ConsoleSignInTests.Username, ConsoleSignInTests.Password);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task Bookings_CountOnBothInstances_SoTwoDoNotAllowTwiceTheLimit()
    {
        var clients = new[] { _a.CreateClient(), _b.CreateClient() };
        var answers = new List<HttpStatusCode>();
        // One address books ten times, alternating between the instances; the limit is five in ten minutes.
        for (var i = 0; i < 10; i++)
        {
            using var booking = Post("/api/callbacks", Json($$"""{ "phone": "500 100 2{{i:D2}}", "consent": true }""")).From("203.0.113.7");
            using var response = await clients[i % 2].SendAsync(booking);
            answers.Add(response.StatusCode);
        }

        Assert.Equal(5, answers.Count(status => status == HttpStatusCode.Created));
        Assert.Equal(5, answers.Count(status => status == HttpStatusCode.TooManyRequests));

        // One number, whoever asks and wherever: three an hour.
        var forNumber = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var booking = Post("/api/callbacks", Json("""{ "phone": "500 100 999", "consent": true }""")).From($"198.51.100.{i + 1}");
            using var response = await clients[i % 2].SendAsync(booking);
            forNumber.Add(response.StatusCode);
        }
        Assert.Equal(3, forNumber.Count(status => status is HttpStatusCode.Created or HttpStatusCode.OK));
        Assert.Equal(3, forNumber.Count(status => status == HttpStatusCode.TooManyRequests));
    }
}
