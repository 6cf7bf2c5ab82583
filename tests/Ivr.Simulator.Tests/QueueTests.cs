namespace Ivr.Simulator.Tests;

public class QueueTests
{
    [Fact]
    public async Task Enqueue_PlaysWaitUrlOnce_ThenCallerHangsUpAndActionGetsHangup()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Enqueue waitUrl="/voice/wait" action="/voice/queue-result">orders</Enqueue><Say>Unreachable.</Say>""")
            .Twiml("/voice/wait", """<Say>You are first.</Say><Pause length="10"/>""")
            .Twiml("/voice/queue-result", "<Say>Ignored: the caller is gone.</Say>");

        var call = await server.CallAsync();

        Assert.Equal(new Enqueued("orders", "https://shop.example.com/voice/wait", "https://shop.example.com/voice/queue-result"),
            call.Events.OfType<Enqueued>().Single() with { At = TimeSpan.Zero });
        var wait = server.To("/voice/wait").Single().Form;
        Assert.Equal("1", wait["QueuePosition"]);
        Assert.Matches("^QU[0-9a-f]{32}$", wait["QueueSid"]);
        Assert.All(new[] { "QueueTime", "AvgQueueTime", "CurrentQueueSize", "MaxQueueSize" }, key => Assert.True(wait.ContainsKey(key)));
        var result = server.To("/voice/queue-result").Single().Form;
        Assert.Equal("hangup", result["QueueResult"]);
        Assert.Equal("11", result["QueueTime"]); // 14 characters of speech (~0.9 s) and a 10-second pause
        Assert.Equal(wait["QueueSid"], result["QueueSid"]);
        Assert.Equal(["You are first."], call.Spoken);
        Assert.Equal("caller hung up in queue", call.EndReason);
    }

    [Fact]
    public async Task Enqueue_WaitUrlRedirectingToItself_EndsTheWaitInsteadOfLooping()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Enqueue waitUrl="/voice/wait">orders</Enqueue>""")
            .Twiml("/voice/wait", "<Say>Please hold.</Say><Redirect>/voice/wait</Redirect>");

        var call = await server.CallAsync();

        Assert.Equal(["Please hold.", "Please hold."], call.Spoken);
        Assert.Equal("caller hung up in queue", call.EndReason);
        Assert.False(call.HadApplicationError);
    }

    [Fact]
    public async Task Leave_InWaitUrl_RequestsActionWithLeave_AndContinues()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Enqueue waitUrl="/voice/wait" action="/voice/queue-result">orders</Enqueue>""")
            .Twiml("/voice/wait", "<Say>Closing.</Say><Leave/>")
            .Twiml("/voice/queue-result", "<Say>Call again tomorrow.</Say>");

        var call = await server.CallAsync();

        Assert.Equal("leave", server.To("/voice/queue-result").Single().Form["QueueResult"]);
        Assert.Equal(["Closing.", "Call again tomorrow."], call.Spoken);
        Assert.Equal("completed", call.EndReason);
    }

    [Fact]
    public async Task GatherInWaitUrl_ReachesItsAction()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Enqueue waitUrl="/voice/wait">orders</Enqueue>""")
            .Twiml("/voice/wait", """<Gather numDigits="1" action="/voice/wait-key"><Say>Press 1 for a callback.</Say></Gather>""")
            .Twiml("/voice/wait-key", "<Say>Booked.</Say><Hangup/>");

        var call = await server.CallAsync("1");

        Assert.Equal(["Press 1 for a callback.", "Booked."], call.Spoken);
        Assert.Equal("hung up by TwiML", call.EndReason);
    }
}
