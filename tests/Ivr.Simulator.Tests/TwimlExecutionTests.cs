using System.Net;

namespace Ivr.Simulator.Tests;

public class TwimlExecutionTests
{
    [Theory]
    [InlineData("menu", "https://shop.example.com/voice/menu")]
    [InlineData("/voice/menu", "https://shop.example.com/voice/menu")]
    [InlineData("https://shop.example.com/voice/menu", "https://shop.example.com/voice/menu")]
    public async Task Redirect_RelativeUrl_ResolvesAgainstTheCurrentDocument(string target, string expected)
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", $"<Redirect>{target}</Redirect><Say>Unreachable.</Say>")
            .Twiml("/voice/menu", "<Say>Menu.</Say>");

        var call = await server.CallAsync();

        Assert.Equal(expected, call.Events.OfType<Redirected>().Single().Url);
        Assert.Equal(["Menu."], call.Spoken);
    }

    [Fact]
    public async Task Redirect_WithGet_SendsParametersInTheSignedQuery()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Redirect method="GET">/voice/menu?lang=pl</Redirect>""")
            .Twiml("/voice/menu", "<Say>Menu.</Say>", method: "GET");

        var call = await server.CallAsync();

        var get = server.To("/voice/menu").Single();
        Assert.Equal("pl", get.Form["lang"]);
        Assert.Equal("in-progress", get.Form["CallStatus"]);
        Assert.True(RequestSigner.IsValid(SimulatorOptions.DefaultAuthToken, get.Url, [], get.Signature));
        Assert.Equal(["Menu."], call.Spoken);
    }

    [Fact]
    public async Task Hangup_EndsTheCall()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", "<Say>Bye.</Say><Hangup/><Say>Unreachable.</Say>");

        var call = await server.CallAsync();

        Assert.Equal(["Bye."], call.Spoken);
        Assert.Equal("hung up by TwiML", call.EndReason);
        Assert.Equal("twiml", call.Events.OfType<HungUp>().Single().By);
        Assert.False(call.HadApplicationError);
    }

    [Fact]
    public async Task EndOfDocument_CompletesTheCall()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", """<Say voice="Polly.Ewa">Hello.</Say><Play loop="2">https://cdn/x.mp3</Play>""");

        var call = await server.CallAsync();

        Assert.Equal("completed", call.EndReason);
        Assert.Equal("completed", call.Status);
        Assert.Equal(new Said("Hello.", "en-US", "Polly.Ewa"), call.Events.OfType<Said>().Single() with { At = TimeSpan.Zero });
        Assert.Equal(2, call.Events.OfType<Played>().Single().Loop);
    }

    [Fact]
    public async Task Reject_EndsWithBusy()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", """<Reject reason="busy"/>""");

        var call = await server.CallAsync();

        Assert.Equal("busy", call.Status);
        Assert.Equal("rejected (busy)", call.EndReason);
    }

    [Theory]
    [InlineData("this is not xml")]
    [InlineData("")]
    [InlineData("<Respond><Say>Hi.</Say></Respond>")]
    [InlineData("<Response><Say>Hi.</Say><say>lowercase</say></Response>")]
    [InlineData("<Response><Say>Hi.</Say><Dance/></Response>")]
    [InlineData("<Response><Gather><Redirect>/x</Redirect></Gather></Response>")]
    [InlineData("<Response><Say>Hi.</Say><Pause length=\"soon\"/></Response>")]
    public async Task InvalidTwiml_IsAnApplicationError(string body)
    {
        var server = new FakeTwilioServer().Raw("/voice/incoming", HttpStatusCode.OK, body);

        var call = await server.CallAsync();

        Assert.True(call.HadApplicationError, call.Transcript());
        Assert.StartsWith("application error: ", call.EndReason);
    }

    [Fact]
    public async Task LowercaseVerb_ErrorNamesTheFix_AndNothingBeforeItIsSaid()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", "<Say>Hi.</Say><say>lowercase</say>");

        var call = await server.CallAsync();

        Assert.Empty(call.Spoken);
        Assert.Contains("write <Say>", call.Events.OfType<ApplicationError>().Single().Reason);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task NonSuccessStatus_IsAnApplicationError(HttpStatusCode status)
    {
        var server = new FakeTwilioServer().Raw("/voice/incoming", status, "<Response/>");

        var call = await server.CallAsync();

        Assert.Contains($"HTTP {(int)status}", call.Events.OfType<ApplicationError>().Single().Reason);
    }

    [Fact]
    public async Task RequestLoop_IsAnApplicationError()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", "<Redirect>/voice/incoming</Redirect>");

        var call = await server.CallAsync(new ScriptedCaller([]), new SimulatorOptions { MaxRequestsPerCall = 10 });

        Assert.Equal(10, server.Requests.Count);
        Assert.Contains("loops", call.Events.OfType<ApplicationError>().Single().Reason);
    }

    [Fact]
    public async Task Dial_WithAction_PostsDialStatusAndContinues()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Dial action="/voice/dialed" timeout="20"><Number>+48221112233</Number><Sip>sip:agent@pbx</Sip></Dial><Say>Unreachable.</Say>""")
            .Twiml("/voice/dialed", "<Say>Thanks.</Say>");

        var call = await server.CallAsync();

        var dialed = call.Events.OfType<Dialed>().Single();
        Assert.Equal([new DialTarget("Number", "+48221112233"), new DialTarget("Sip", "sip:agent@pbx")], dialed.Targets);
        Assert.Equal("20", dialed.Attributes["timeout"]);
        var form = server.To("/voice/dialed").Single().Form;
        Assert.Equal("completed", form["DialCallStatus"]);
        Assert.Equal("0", form["DialCallDuration"]);
        Assert.Matches("^CA[0-9a-f]{32}$", form["DialCallSid"]);
        Assert.Equal(["Thanks."], call.Spoken);
    }

    [Fact]
    public async Task Dial_WithoutAction_FallsThrough()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", "<Dial>+48221112233</Dial><Say>After.</Say>");

        var call = await server.CallAsync();

        Assert.Equal("+48221112233", call.Events.OfType<Dialed>().Single().Targets.Single().Address);
        Assert.Equal(["After."], call.Spoken);
    }

    [Fact]
    public async Task OnEvent_SeesEveryEventAsItHappens_AndTranscriptListsThem()
    {
        var seen = new List<CallEvent>();
        var server = new FakeTwilioServer().Twiml("/voice/incoming", "<Say>Hi.</Say><Pause length=\"2\"/>");

        var call = await server.CallAsync(new ScriptedCaller([]), new SimulatorOptions { OnEvent = seen.Add });

        Assert.Equal(call.Events, seen);
        var transcript = call.Transcript();
        Assert.Contains("say [en-US] \"Hi.\"", transcript);
        Assert.Contains("pause 2 s", transcript);
        Assert.EndsWith("ended: completed (completed, 2.2 s)", transcript);
    }
}
