using Microsoft.Extensions.Time.Testing;

namespace Ivr.Simulator.Tests;

public class WebhookRequestTests
{
    private static readonly CallSetup Setup = new() { From = "anonymous", To = "+48221000001", CallSid = "CA" + new string('a', 32) };

    [Fact]
    public async Task EveryRequest_IsSignedOverTheExactUrlAndForm()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Gather numDigits="1" action="/voice/menu?step=2"/>""")
            .Twiml("/voice/menu", "");

        await server.CallAsync(new ScriptedCaller(["1"]), new SimulatorOptions { AuthToken = "secret" });

        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.True(RequestSigner.IsValid("secret", r.Url, r.Form, r.Signature), r.Url));
        Assert.Equal("https://shop.example.com/voice/menu?step=2", server.Requests[1].Url);
        Assert.False(RequestSigner.IsValid("other-token", server.Requests[0].Url, server.Requests[0].Form, server.Requests[0].Signature));
    }

    [Fact]
    public async Task EveryRequest_CarriesTheStandardParameters()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", "<Redirect>/voice/menu</Redirect>")
            .Twiml("/voice/menu", "");

        await server.CallAsync(new ScriptedCaller([]), setup: Setup);

        Assert.All(server.Requests, r =>
        {
            Assert.Equal(Setup.CallSid, r.Form["CallSid"]);
            Assert.Equal(SimulatorOptions.DefaultAccountSid, r.Form["AccountSid"]);
            Assert.Equal("anonymous", r.Form["From"]);
            Assert.Equal("anonymous", r.Form["Caller"]);
            Assert.Equal("+48221000001", r.Form["To"]);
            Assert.Equal("+48221000001", r.Form["Called"]);
            Assert.Equal("2010-04-01", r.Form["ApiVersion"]);
            Assert.Equal("inbound", r.Form["Direction"]);
        });
        Assert.Equal(["ringing", "in-progress"], server.Requests.Select(r => r.Form["CallStatus"]));
        Assert.Matches("^AC[0-9a-f]{32}$", SimulatorOptions.DefaultAccountSid);
        Assert.Matches("^CA[0-9a-f]{32}$", new CallSetup().CallSid);
    }

    [Theory]
    [InlineData("<Pause length=\"3\"/>", "3")]
    [InlineData("<Gather timeout=\"7\"/>", "0")] // the caller hangs up at once: still a completed call
    public async Task StatusCallback_IsPostedWhenTheCallEnds(string verbs, string seconds)
    {
        var started = new DateTimeOffset(2025, 3, 4, 10, 0, 0, TimeSpan.Zero);
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", verbs)
            .Twiml("/voice/status", "");
        var options = new SimulatorOptions
        {
            StatusCallbackUrl = new Uri(FakeTwilioServer.BaseUrl + "/voice/status"), Clock = new FakeTimeProvider(started),
        };

        await server.CallAsync(new ScriptedCaller([]), options);

        var status = server.Requests.Last();
        Assert.Equal("/voice/status", status.Path);
        Assert.Equal("completed", status.Form["CallStatus"]);
        Assert.Equal(seconds, status.Form["CallDuration"]);
        Assert.Equal($"Tue, 04 Mar 2025 10:00:0{seconds} +0000", status.Form["Timestamp"]);
        Assert.Equal("call-progress-events", status.Form["CallbackSource"]);
        Assert.Equal("0", status.Form["SequenceNumber"]);
        Assert.True(RequestSigner.IsValid(SimulatorOptions.DefaultAuthToken, status.Url, status.Form, status.Signature));
    }
}
