using System.Net;
using System.Text;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Ivr.Api.Tests.Twilio.RecordingHandler;

namespace Ivr.Api.Tests.Twilio;

public class TwilioCallsClientTests
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "secret-token";
    private const string CallSid = "CA9876543210fedcba9876543210fedcba";

    // Twilio's call resource as the 201 of a create answers it (fields from api.v2010.account.call).
    private const string CreatedCall = $$"""
        {
          "account_sid": "{{AccountSid}}",
          "annotation": null,
          "answered_by": null,
          "api_version": "2010-04-01",
          "caller_name": null,
          "date_created": "Tue, 31 Aug 2010 20:36:28 +0000",
          "date_updated": "Tue, 31 Aug 2010 20:36:44 +0000",
          "direction": "outbound-api",
          "duration": null,
          "end_time": null,
          "forwarded_from": null,
          "from": "+48221234567",
          "from_formatted": "+48 22 123 45 67",
          "group_sid": null,
          "parent_call_sid": null,
          "phone_number_sid": "PN0123456789abcdef0123456789abcdef",
          "price": null,
          "price_unit": "USD",
          "queue_time": "1000",
          "sid": "{{CallSid}}",
          "start_time": null,
          "status": "queued",
          "subresource_uris": {
            "notifications": "/2010-04-01/Accounts/{{AccountSid}}/Calls/{{CallSid}}/Notifications.json",
            "recordings": "/2010-04-01/Accounts/{{AccountSid}}/Calls/{{CallSid}}/Recordings.json"
          },
          "to": "+48601234567",
          "to_formatted": "+48 601 234 567",
          "trunk_sid": null,
          "uri": "/2010-04-01/Accounts/{{AccountSid}}/Calls/{{CallSid}}.json"
        }
        """;

    private const string InvalidTo = """
        {"code": 21211, "message": "The 'To' number 5551234567 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
        """;

    private const string Unavailable = """{"code": 20500, "message": "Internal Server Error", "status": 503}""";

    private static readonly CreateCallRequest Callback = new()
    {
        To = "+48601234567",
        From = "+48221234567",
        Url = new Uri("https://hotline.example.com/voice/callback?id=42"),
        StatusCallback = new Uri("https://hotline.example.com/voice/status"),
        StatusCallbackEvents = CreateCallRequest.AllStatusCallbackEvents,
        TimeoutSeconds = 30,
    };

    private readonly InstantTimeProvider time = new();

    private TwilioCallsClient Client(RecordingHandler handler, TwilioOptions? options = null) =>
        new(new HttpClient(handler), Options.Create(options ?? new TwilioOptions
        {
            AccountSid = AccountSid, AuthToken = AuthToken, ApiBaseUrl = "https://api.example.test/",
        }), time, NullLogger<TwilioCallsClient>.Instance);

    [Fact]
    public async Task CreateCall_PostsTheFormToTheAccountsCallsResource()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.Created, CreatedCall));

        await Client(handler).CreateCallAsync(Callback, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal($"https://api.example.test/2010-04-01/Accounts/{AccountSid}/Calls.json", sent.Uri.AbsoluteUri);
        Assert.Equal("application/x-www-form-urlencoded", sent.ContentType);
        // The SDK orders the fields its own way; Twilio reads them by name (a repeated one in its order).
        Assert.Equal(
            Fields("To=%2B48601234567&From=%2B48221234567" +
            "&Url=https%3A%2F%2Fhotline.example.com%2Fvoice%2Fcallback%3Fid%3D42&Method=POST" +
            "&StatusCallback=https%3A%2F%2Fhotline.example.com%2Fvoice%2Fstatus&StatusCallbackMethod=POST" +
            "&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&StatusCallbackEvent=answered&StatusCallbackEvent=completed" +
            "&Timeout=30"),
            Fields(sent.Body));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), sent.Authorization);
        Assert.Equal("application/json", sent.Accept);
        // The SDK's own User-Agent (twilio-csharp/8.x ...), with the service's added at its end.
        Assert.EndsWith(" " + TwilioCallsClient.UserAgent, sent.UserAgent);
    }

    private static string[] Fields(string form) => [.. form.Split('&').OrderBy(f => f.Split('=')[0], StringComparer.Ordinal)];

    [Fact]
    public async Task CreateCall_ReadsTwiliosCallResource()
    {
        var call = await Client(new RecordingHandler(Json(HttpStatusCode.Created, CreatedCall)))
            .CreateCallAsync(Callback, CancellationToken.None);

        Assert.Equal(CallSid, call.Sid);
        Assert.Equal(AccountSid, call.AccountSid);
        Assert.Equal("queued", call.Status);
        Assert.Equal("+48601234567", call.To);
        Assert.Equal("+48221234567", call.From);
        Assert.Equal("outbound-api", call.Direction);
        Assert.Null(call.ParentCallSid);
        Assert.Equal(new DateTimeOffset(2010, 8, 31, 20, 36, 28, TimeSpan.Zero), call.DateCreated);
        Assert.Equal(new DateTimeOffset(2010, 8, 31, 20, 36, 44, TimeSpan.Zero), call.DateUpdated);
        Assert.Null(call.StartTime);
        Assert.Null(call.Duration);
        Assert.Equal(1000, call.QueueTime);
    }

    [Fact]
    public async Task CreateCall_WithTwiml_SendsTwimlAndNoUrl()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.Created, CreatedCall));

        await Client(handler).CreateCallAsync(
            new CreateCallRequest { To = "+48601234567", From = "+48221234567", Twiml = "<Response><Hangup/></Response>" },
            CancellationToken.None);

        Assert.Equal("To=%2B48601234567&From=%2B48221234567&Twiml=%3CResponse%3E%3CHangup%2F%3E%3C%2FResponse%3E",
            Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task LocalMode_UsesTheSimulatorsAccountAndToken()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.Created, CreatedCall));

        await Client(handler, new TwilioOptions { ApiBaseUrl = "http://localhost:5080/twilio" })
            .CreateCallAsync(Callback, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal($"http://localhost:5080/twilio/2010-04-01/Accounts/{TwilioCallsClient.LocalAccountSid}/Calls.json",
            sent.Uri.AbsoluteUri);
        var credentials = $"{TwilioCallsClient.LocalAccountSid}:{TwilioCallsClient.LocalAuthToken}";
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)), sent.Authorization);
    }

    public static TheoryData<UpdateCallRequest, string> Updates => new()
    {
        { UpdateCallRequest.Redirect(new Uri("https://hotline.example.com/voice/connect?agent=7")),
          "Url=https%3A%2F%2Fhotline.example.com%2Fvoice%2Fconnect%3Fagent%3D7&Method=POST" },
        { UpdateCallRequest.WithTwiml("<Response><Say>Bye</Say></Response>"),
          "Twiml=%3CResponse%3E%3CSay%3EBye%3C%2FSay%3E%3C%2FResponse%3E" },
        { UpdateCallRequest.Hangup(), "Status=completed" },
        { UpdateCallRequest.Cancel(), "Status=canceled" },
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public async Task UpdateCall_PostsTheChangeToTheCallResource(UpdateCallRequest update, string expectedBody)
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.OK, CreatedCall.Replace("\"queued\"", "\"in-progress\"")));

        var call = await Client(handler).UpdateCallAsync(CallSid, update, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal($"https://api.example.test/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json", sent.Uri.AbsoluteUri);
        Assert.Equal(expectedBody, sent.Body);
        Assert.Equal("in-progress", call.Status);
    }

    [Fact]
    public async Task FetchCall_GetsTheCallResource_WithItsStatusAndEnd()
    {
        var ended = CreatedCall.Replace("\"queued\"", "\"completed\"")
            .Replace("\"end_time\": null", "\"end_time\": \"Tue, 31 Aug 2010 20:40:00 +0000\"");
        var handler = new RecordingHandler(Json(HttpStatusCode.OK, ended));

        var call = await Client(handler).FetchCallAsync(CallSid, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Get, sent.Method);
        Assert.Equal($"https://api.example.test/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json", sent.Uri.AbsoluteUri);
        Assert.Equal("", sent.Body);
        Assert.Equal($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}"))}", sent.Authorization);
        Assert.Equal(("completed", new DateTimeOffset(2010, 8, 31, 20, 40, 0, TimeSpan.Zero)), (call.Status, call.EndTime));
    }

    [Fact]
    public async Task FetchCall_IsRetriedAfterServerErrors_LikeAnUpdate()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.ServiceUnavailable, Unavailable), Json(HttpStatusCode.OK, CreatedCall));

        var call = await Client(handler).FetchCallAsync(CallSid, CancellationToken.None);

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("queued", call.Status);
    }

    [Fact]
    public async Task FetchCall_OfAnUnknownCall_Is404_WithoutRetry()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.NotFound,
            """{"code": 20404, "message": "The requested resource /2010-04-01/Accounts/AC.../Calls/CA....json was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}"""));

        var error = await Assert.ThrowsAsync<TwilioApiException>(() => Client(handler).FetchCallAsync(CallSid, CancellationToken.None));

        Assert.Equal((404, 20404), (error.HttpStatus, error.Code));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task TwilioError_BecomesTwilioApiException_WithoutRetry()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.BadRequest, InvalidTo));

        var error = await Assert.ThrowsAsync<TwilioApiException>(
            () => Client(handler).CreateCallAsync(Callback, CancellationToken.None));

        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(21211, error.Code);
        Assert.Equal("The 'To' number 5551234567 is not a valid phone number.", error.Message);
        Assert.Equal("https://www.twilio.com/docs/errors/21211", error.MoreInfo);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Unauthorized_IsNotRetried()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.Unauthorized,
            """{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"""));

        var error = await Assert.ThrowsAsync<TwilioApiException>(
            () => Client(handler).UpdateCallAsync(CallSid, UpdateCallRequest.Hangup(), CancellationToken.None));

        Assert.Equal((401, 20003), (error.HttpStatus, error.Code));
        Assert.Single(handler.Requests);
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task ErrorWithoutTwilioBody_StillNamesTheStatus()
    {
        var handler = new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound)
        {
            Content = new StringContent("<html><body>Not Found</body></html>", Encoding.UTF8, "text/html"),
        });

        var error = await Assert.ThrowsAsync<TwilioApiException>(
            () => Client(handler).CreateCallAsync(Callback, CancellationToken.None));

        Assert.Equal(404, error.HttpStatus);
        Assert.Null(error.Code);
        Assert.Contains("HTTP 404", error.Message);
        Assert.Contains("Not Found</body>", error.Message);
    }

    [Fact]
    public async Task TooManyRequests_IsRetriedOnceThenSucceeds()
    {
        var handler = new RecordingHandler(
            Json(HttpStatusCode.TooManyRequests, """{"code": 20429, "message": "Too Many Requests", "status": 429}"""),
            Json(HttpStatusCode.Created, CreatedCall));

        var call = await Client(handler).CreateCallAsync(Callback, CancellationToken.None);

        Assert.Equal(CallSid, call.Sid);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(handler.Requests[0].Body, handler.Requests[1].Body);
        Assert.InRange(Assert.Single(time.Delays), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public async Task ServerErrors_OnAnUpdate_AreRetriedThreeTimesWithGrowingBackoff_ThenThrown()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.ServiceUnavailable, Unavailable));

        var error = await Assert.ThrowsAsync<TwilioApiException>(
            () => Client(handler).UpdateCallAsync(CallSid, UpdateCallRequest.Hangup(), CancellationToken.None));

        Assert.Equal(503, error.HttpStatus);
        Assert.Equal(4, handler.Requests.Count);
        Assert.Collection(time.Delays,
            d => Assert.InRange(d.TotalSeconds, 0.4, 0.6),
            d => Assert.InRange(d.TotalSeconds, 0.8, 1.2),
            d => Assert.InRange(d.TotalSeconds, 1.6, 2.4));
    }

    [Fact]
    public async Task ServerError_OnACreate_IsNotRetried_SinceTwilioMayHavePlacedTheCall()
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.ServiceUnavailable, Unavailable), Json(HttpStatusCode.Created, CreatedCall));

        var error = await Assert.ThrowsAsync<TwilioApiException>(
            () => Client(handler).CreateCallAsync(Callback, CancellationToken.None));

        Assert.Equal(503, error.HttpStatus);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task ConnectionLostAfterSending_OnACreate_IsNotRetried()
    {
        var handler = new RecordingHandler(
            Throws(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.")),
            Json(HttpStatusCode.Created, CreatedCall));

        await Assert.ThrowsAsync<HttpRequestException>(() => Client(handler).CreateCallAsync(Callback, CancellationToken.None));

        Assert.Single(handler.Requests);
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(1, 1)]
    [InlineData(3600, 30)] // capped
    public async Task RetryAfterSeconds_IsHonouredUpToTheCap(int retryAfter, int expectedDelay)
    {
        var handler = new RecordingHandler(
            _ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { { "Retry-After", $"{retryAfter}" } } },
            Json(HttpStatusCode.Created, CreatedCall));

        await Client(handler).CreateCallAsync(Callback, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(expectedDelay), Assert.Single(time.Delays));
    }

    [Fact]
    public async Task RetryAfterDate_IsMeasuredOnTheInjectedClock()
    {
        var retryAt = time.GetUtcNow().AddSeconds(5);
        var handler = new RecordingHandler(
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new(retryAt) } },
            Json(HttpStatusCode.OK, CreatedCall));

        await Client(handler).UpdateCallAsync(CallSid, UpdateCallRequest.Hangup(), CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(5), Assert.Single(time.Delays));
    }

    [Fact]
    public async Task NetworkFailure_IsRetried()
    {
        var handler = new RecordingHandler(
            Throws(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (api.example.test:443)")),
            Json(HttpStatusCode.Created, CreatedCall));

        var call = await Client(handler).CreateCallAsync(Callback, CancellationToken.None);

        Assert.Equal(CallSid, call.Sid);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task NetworkFailure_AfterTheLastRetry_IsThrown()
    {
        var handler = new RecordingHandler(Throws(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (api.example.test:443)")));

        await Assert.ThrowsAsync<HttpRequestException>(() => Client(handler).CreateCallAsync(Callback, CancellationToken.None));

        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task Timeouts_AreRetried_ThenThrownAsTimeoutException()
    {
        // HttpClient reports its own timeout as a cancellation the caller did not ask for.
        var handler = new RecordingHandler(Throws(new TaskCanceledException("The request was canceled due to the configured timeout.")));

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => Client(handler).UpdateCallAsync(CallSid, UpdateCallRequest.Hangup(), CancellationToken.None));

        Assert.Contains($"/Calls/{CallSid}.json", error.Message);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task Cancellation_StopsRetrying()
    {
        using var cts = new CancellationTokenSource();
        var handler = new RecordingHandler(request =>
        {
            cts.Cancel();
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(handler).CreateCallAsync(Callback, cts.Token));

        Assert.Single(handler.Requests);
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task Cancellation_ReachesTheRequestInFlight_ThoughTheSdkTakesNoToken()
    {
        var entered = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new HangingHandler(entered);
        using var cts = new CancellationTokenSource();

        var call = new TwilioCallsClient(new HttpClient(handler), Options.Create(new TwilioOptions()), time, NullLogger<TwilioCallsClient>.Instance)
            .FetchCallAsync(CallSid, cts.Token);
        var requestToken = await entered.Task;
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(requestToken.IsCancellationRequested);
        Assert.Empty(time.Delays);
    }

    /// <summary>Holds every request until its token is cancelled, telling the test when it has one.</summary>
    private sealed class HangingHandler(TaskCompletionSource<CancellationToken> entered) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            entered.TrySetResult(ct);
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("not reached");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("CA123")]
    [InlineData("PN0123456789abcdef0123456789abcdef")]
    [InlineData("CA0123456789abcdef0123456789abcdeg")]
    [InlineData("CA0123456789abcdef0123456789abcdef/../../Messages")]
    public async Task InvalidCallSid_IsRejectedBeforeAnyRequest(string callSid)
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.OK, CreatedCall));

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => Client(handler).UpdateCallAsync(callSid, UpdateCallRequest.Hangup(), CancellationToken.None));

        Assert.Equal("callSid", error.ParamName);
        Assert.Empty(handler.Requests);
    }

    public static TheoryData<CreateCallRequest> InvalidCreates => new()
    {
        Callback with { To = " " },
        Callback with { From = "" },
        Callback with { Url = null },
        Callback with { Twiml = "<Response/>" },
        Callback with { Url = new Uri("/voice/callback", UriKind.Relative) },
        Callback with { StatusCallback = null },
        Callback with { StatusCallbackEvents = ["answered", "hangup"] },
        Callback with { TimeoutSeconds = 601 },
        Callback with { Url = null, Twiml = new string('x', 4001) },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public async Task InvalidCreateRequest_IsRejectedBeforeAnyRequest(CreateCallRequest request)
    {
        var handler = new RecordingHandler(Json(HttpStatusCode.Created, CreatedCall));

        await Assert.ThrowsAsync<ArgumentException>(() => Client(handler).CreateCallAsync(request, CancellationToken.None));

        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void UpdateRequests_CheckTheirInstructionsWhenBuilt()
    {
        Assert.Throws<ArgumentException>(() => UpdateCallRequest.Redirect(new Uri("/voice/connect", UriKind.Relative)));
        Assert.Throws<ArgumentException>(() => UpdateCallRequest.WithTwiml(""));
    }

    [Fact]
    public void AddTwilioRestClient_ResolvesTheTypedClient_BehindTheCircuitBreaker()
    {
        using var services = new ServiceCollection().AddLogging().AddTwilioRestClient().BuildServiceProvider();

        Assert.IsType<GuardedTwilioCalls>(services.GetRequiredService<ITwilioCalls>());
        Assert.IsType<TwilioCallsClient>(services.GetRequiredService<TwilioCallsClient>());
    }
}
