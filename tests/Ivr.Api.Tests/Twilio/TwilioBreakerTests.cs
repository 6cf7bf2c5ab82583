using System.Net;
using Ivr.Api.Twilio;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Ivr.Api.Tests.Twilio.RecordingHandler;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests.Twilio;

/// <summary>The circuit breaker in front of Twilio's REST API: it stops hammering Twilio while it is down.</summary>
public sealed class TwilioBreakerTests
{
    private const string CallSid = "CA9876543210fedcba9876543210fedcba";
    private static readonly UpdateCallRequest Redirect = UpdateCallRequest.Redirect(new Uri("https://hotline.example.com/voice/queue/orders/connect?entry=1"));

    private readonly FakeTimeProvider _clock = new(HotlineFactory.WednesdayMorning);
    private Func<HttpRequestMessage, HttpResponseMessage> _answer = Throws(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
    private readonly RecordingHandler _handler;
    private readonly TwilioHealth _health;
    private readonly GuardedTwilioCalls _twilio;

    public TwilioBreakerTests()
    {
        _handler = new RecordingHandler(request => _answer(request));
        _health = new TwilioHealth(_clock, NullLogger<TwilioHealth>.Instance);
        _twilio = new GuardedTwilioCalls(
            new TwilioCallsClient(new HttpClient(_handler),
                Options.Create(new TwilioOptions { AccountSid = "AC0123456789abcdef0123456789abcdef", AuthToken = "secret", ApiBaseUrl = "https://api.example.test/" }),
                new InstantTimeProvider(), NullLogger<TwilioCallsClient>.Instance),
            _health);
    }

    private async Task<Exception?> RedirectAsync()
    {
        try
        {
            await _twilio.UpdateCallAsync(CallSid, Redirect, CancellationToken.None);
            return null;
        }
        catch (Exception failed)
        {
            return failed;
        }
    }

    [Fact]
    public async Task AfterFailuresInARow_TheBreakerOpens_AndNoRequestGoesOutUntilTheCoolDownIsOver()
    {
        for (var i = 0; i < TwilioHealth.FailuresToOpen; i++)
            Assert.IsType<HttpRequestException>(await RedirectAsync());
        var sent = _handler.Requests.Count;

        Assert.IsType<TwilioUnavailableException>(await RedirectAsync());
        _clock.Advance(TwilioHealth.CoolDown - TimeSpan.FromSeconds(1));
        Assert.IsType<TwilioUnavailableException>(await RedirectAsync());

        Assert.Equal(sent, _handler.Requests.Count);
        Assert.False(_health.MayCall);
        Assert.Equal(("unreachable", TwilioHealth.FailuresToOpen), (_health.Current().Status, _health.Current().ConsecutiveFailures));
    }

    [Fact]
    public async Task AfterTheCoolDown_OneTrialGoesOut_AndASuccessClosesTheBreaker()
    {
        for (var i = 0; i < TwilioHealth.FailuresToOpen; i++)
            await RedirectAsync();
        _clock.Advance(TwilioHealth.CoolDown);
        _answer = Json(HttpStatusCode.OK, $$"""{"sid": "{{CallSid}}", "status": "in-progress"}""");
        var sent = _handler.Requests.Count;

        Assert.Null(await RedirectAsync());
        Assert.Null(await RedirectAsync());

        Assert.Equal(sent + 2, _handler.Requests.Count);
        Assert.Equal("ok", _health.Current().Status);
        Assert.True(_health.MayCall);
    }

    [Fact]
    public async Task AFailedTrial_OpensTheBreakerForAnotherCoolDown()
    {
        for (var i = 0; i < TwilioHealth.FailuresToOpen; i++)
            await RedirectAsync();
        _clock.Advance(TwilioHealth.CoolDown);

        Assert.IsType<HttpRequestException>(await RedirectAsync());
        var sent = _handler.Requests.Count;
        Assert.IsType<TwilioUnavailableException>(await RedirectAsync());

        Assert.Equal(sent, _handler.Requests.Count);
        Assert.Equal(_clock.GetUtcNow() + TwilioHealth.CoolDown, _health.Current().NextTrialAt);
    }

    [Fact]
    public async Task ARefusalOfOneRequest_ShowsTwilioIsUp_AndDoesNotCountAsAFailure()
    {
        for (var i = 0; i < TwilioHealth.FailuresToOpen - 1; i++)
            await RedirectAsync();
        _answer = Json(HttpStatusCode.BadRequest, """{"code": 21220, "message": "Call is not in-progress. Cannot redirect.", "status": 400}""");

        Assert.IsType<TwilioApiException>(await RedirectAsync());

        Assert.Equal(("ok", 0), (_health.Current().Status, _health.Current().ConsecutiveFailures));
    }
}
