using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Api.Tests.Twilio;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Ivr.Api.Tests.Twilio.RecordingHandler;

namespace Ivr.Api.Tests.Callbacks;

/// <summary>
/// Twilio down or refusing the account's credentials, as the callback dispatcher meets it through the real REST
/// client: a call that never reached Twilio uses up no try, and rejected credentials pause dispatching and show on
/// /healthz instead of failing every callback.
/// </summary>
public sealed class TwilioOutageDispatchTests : IAsyncLifetime
{
    private const string CallSid = "CA9876543210fedcba9876543210fedcba";
    private const string Created = $$"""{"sid": "{{CallSid}}", "status": "queued"}""";
    private const string Unauthorized = """{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}""";

    private Func<HttpRequestMessage, HttpResponseMessage> _answer = Json(HttpStatusCode.Created, Created);
    private readonly RecordingHandler _handler;
    private readonly HotlineFactory _factory;

    public TwilioOutageDispatchTests()
    {
        _handler = new RecordingHandler(request => _answer(request));
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = HealthKey }, services: s =>
        {
            // The rounds are run by the test, one at a time, not by the background services.
            s.RemoveAll<IHostedService>();
            s.AddSingleton<ITwilioCalls>(provider => new GuardedTwilioCalls(
                new TwilioCallsClient(new HttpClient(_handler),
                    Options.Create(new TwilioOptions { AccountSid = "AC0123456789abcdef0123456789abcdef", AuthToken = "secret", ApiBaseUrl = "https://api.example.test/" }),
                    new InstantTimeProvider(), NullLogger<TwilioCallsClient>.Instance),
                provider.GetRequiredService<TwilioHealth>()));
        });
    }

    public Task InitializeAsync()
    {
        _ = _factory.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private Task<CallbackBooking> BookAsync(string number) =>
        _factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            number, _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);

    private Task DispatchAsync() => _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);

    private (string Status, int Attempts, long Tries, long BusyAgents) StateOf(string reference)
    {
        using var db = _factory.OpenDatabase();
        var (status, attempts) = db.QuerySingle<(string, int)>(
            "SELECT status, attempts FROM callbacks WHERE reference = @reference", new { reference });
        return (status, attempts, db.ExecuteScalar<long>("SELECT COUNT(*) FROM callback_attempts"),
            db.ExecuteScalar<long>("SELECT COUNT(*) FROM agents WHERE busy_call_sid IS NOT NULL"));
    }

    private const string HealthKey = "outage-test-key";

    // Twilio's state is one of /healthz's details, shown to whoever has the API key.
    private async Task<JsonElement> TwilioOnHealthzAsync()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", HealthKey);
        return (await client.GetFromJsonAsync<JsonElement>("/healthz")).GetProperty("twilio");
    }

    public static TheoryData<string> NeverReachedTwilio => new() { "connection refused", "no such host", "TLS failed", "Twilio 503" };

    private static Func<HttpRequestMessage, HttpResponseMessage> Failure(string what) => what switch
    {
        "connection refused" => Throws(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused")),
        "no such host" => Throws(new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known")),
        "TLS failed" => Throws(new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established")),
        "Twilio 503" => Json(HttpStatusCode.ServiceUnavailable, """{"code": 20500, "message": "Internal Server Error", "status": 503}"""),
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    [Theory]
    [MemberData(nameof(NeverReachedTwilio))]
    public async Task ACallThatNeverReachedTwilio_UsesNoTry_AndFreesTheAgent(string what)
    {
        _answer = Failure(what);
        var booking = await BookAsync("+48500100200");

        await DispatchAsync();

        Assert.NotEmpty(_handler.Requests);
        Assert.Equal(("pending", 0, 0L, 0L), StateOf(booking.Reference));
    }

    [Fact]
    public async Task AGatewayTimeout_MayHavePlacedTheCall_SoTheTryStaysOpen_UntilTwilioTells()
    {
        _answer = _ => new HttpResponseMessage(HttpStatusCode.GatewayTimeout) { Content = new StringContent("<html>504 Gateway Time-out</html>") };
        var booking = await BookAsync("+48500100200");

        await DispatchAsync();

        Assert.Equal(("dialing", 1, 1L, 0L), StateOf(booking.Reference));
    }

    [Fact]
    public async Task RejectedCredentials_PauseDispatching_ShowOnHealthz_AndDispatchingResumesWhenTwilioAcceptsThem()
    {
        _answer = Json(HttpStatusCode.Unauthorized, Unauthorized);
        var first = await BookAsync("+48500100200");
        var second = await BookAsync("+48500100201");

        await DispatchAsync();

        Assert.Equal(("pending", 0, 0L, 0L), StateOf(first.Reference));
        var health = await TwilioOnHealthzAsync();
        Assert.Equal("credentials-rejected", health.GetProperty("status").GetString());
        Assert.Equal(_factory.Clock.GetUtcNow(), health.GetProperty("since").GetDateTimeOffset());

        // Paused: rounds go on, but nothing is claimed and Twilio is not asked again until the next trial is due.
        var asked = _handler.Requests.Count;
        for (var i = 0; i < 5; i++)
        {
            _factory.Clock.Advance(TimeSpan.FromSeconds(10));
            await DispatchAsync();
        }
        Assert.Equal(asked, _handler.Requests.Count);
        Assert.Equal(("pending", 0, 0L, 0L), StateOf(second.Reference));

        _answer = Json(HttpStatusCode.Created, Created);
        _factory.Clock.Advance(TimeSpan.FromSeconds(15));
        await DispatchAsync();

        Assert.Equal("ok", (await TwilioOnHealthzAsync()).GetProperty("status").GetString());
        Assert.Contains("dialing", new[] { StateOf(first.Reference).Status, StateOf(second.Reference).Status });
    }

    [Fact]
    public async Task WhileTheBreakerIsOpen_NothingIsClaimed_AndNoRequestGoesOut()
    {
        _answer = Failure("connection refused");
        var health = _factory.Services.GetRequiredService<TwilioHealth>();
        for (var i = 0; i < TwilioHealth.FailuresToOpen; i++)
            health.Unreachable();
        var booking = await BookAsync("+48500100200");

        await DispatchAsync();

        Assert.Empty(_handler.Requests);
        Assert.Equal(("pending", 0, 0L, 0L), StateOf(booking.Reference));
        Assert.Equal("unreachable", (await TwilioOnHealthzAsync()).GetProperty("status").GetString());
    }
}
