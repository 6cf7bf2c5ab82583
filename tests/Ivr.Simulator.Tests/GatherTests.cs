namespace Ivr.Simulator.Tests;

public class GatherTests
{
    private const string Menu = """<Gather numDigits="1" action="/voice/menu"><Say language="pl-PL">Naciśnij 1.</Say></Gather><Say>No input.</Say>""";

    [Fact]
    public async Task Keys_PostDigitsToAction_AndContinueWithItsTwiml()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", Menu)
            .Twiml("/voice/menu", "<Say>Orders.</Say>");

        var call = await server.CallAsync("1");

        Assert.Equal("1", server.To("/voice/menu").Single().Form["Digits"]);
        Assert.Equal(["Naciśnij 1.", "Orders."], call.Spoken);
        Assert.Equal("pl-PL", call.Events.OfType<Said>().First().Language);
        Assert.Equal("completed", call.EndReason);
    }

    [Theory]
    [InlineData("", "#", "123#", "123", "#")]
    [InlineData("", "*", "12*", "12", "*")]
    [InlineData("", "#", "45", "45", "")]
    [InlineData("numDigits=\"2\"", "#", "123", "12", "")]
    [InlineData("numDigits=\"4\"", "#", "12#", "12", "#")]
    [InlineData("", "", "12#", "12#", "")]
    public async Task Keys_EndOnFinishOnKeyOrNumDigits_FinishKeyNotIncluded(string numDigits, string finishOnKey, string pressed, string digits, string finishedOn)
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", $"""<Gather {numDigits} finishOnKey="{finishOnKey}" action="/voice/menu"/>""")
            .Twiml("/voice/menu", "");

        await server.CallAsync(pressed);

        var form = server.To("/voice/menu").Single().Form;
        Assert.Equal(digits, form["Digits"]);
        Assert.Equal(finishedOn, form["FinishedOnKey"]);
    }

    [Fact]
    public async Task FinishOnKeyPressedFirst_IsNoInput()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", Menu.Replace("numDigits=\"1\"", ""));

        var call = await server.CallAsync("#");

        Assert.Empty(server.To("/voice/menu"));
        Assert.Equal("No input.", call.Spoken.Last());
    }

    [Fact]
    public async Task Speech_PostsSpeechResultAndConfidence()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Gather input="speech dtmf" action="/voice/menu"><Say>Say it.</Say></Gather>""")
            .Twiml("/voice/menu", "");

        var call = await server.CallAsync("order status");

        var form = server.To("/voice/menu").Single().Form;
        Assert.Equal("order status", form["SpeechResult"]);
        Assert.Equal("0.9", form["Confidence"]);
        Assert.False(form.ContainsKey("Digits"));
        Assert.IsType<CallerInput.Speech>(call.Events.OfType<Listened>().Single().Heard);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("hello")] // speech to a dtmf-only Gather is not heard
    public async Task NoInput_FallsThroughToTheNextVerb(string step)
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", Menu);

        var call = await server.CallAsync(step);

        Assert.Equal(["Naciśnij 1.", "No input."], call.Spoken);
        Assert.Empty(server.To("/voice/menu"));
        Assert.IsType<CallerInput.Silence>(call.Events.OfType<Listened>().Single().Heard);
        Assert.Equal("completed", call.EndReason);
    }

    [Fact]
    public async Task NoInput_WithActionOnEmptyResult_RequestsActionWithoutDigits()
    {
        var server = new FakeTwilioServer()
            .Twiml("/voice/incoming", """<Gather actionOnEmptyResult="true" action="/voice/menu"/><Say>Unreachable.</Say>""")
            .Twiml("/voice/menu", "<Say>Again.</Say>");

        var call = await server.CallAsync("-");

        Assert.False(server.To("/voice/menu").Single().Form.ContainsKey("Digits"));
        Assert.Equal(["Again."], call.Spoken);
    }

    [Fact]
    public async Task WithoutAction_PostsBackToTheCurrentDocument()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", """<Gather numDigits="1"/>""");

        var call = await server.CallAsync("5");

        Assert.Equal("5", server.To("/voice/incoming").Last().Form["Digits"]);
        Assert.Equal("caller hung up", call.EndReason); // the script ran out at the second Gather
    }

    [Fact]
    public async Task CallerHangsUp_EndsTheCall()
    {
        var server = new FakeTwilioServer().Twiml("/voice/incoming", Menu);

        var call = await server.CallAsync();

        Assert.Equal("caller hung up", call.EndReason);
        Assert.Equal("caller", Assert.IsType<HungUp>(call.Events.Last()).By);
        Assert.Equal(["Naciśnij 1."], call.Spoken);
    }

    [Fact]
    public async Task VirtualClock_AdvancesBySpeechPausesAndTimeouts_WithoutSleeping()
    {
        // 30 characters at 15 per second, a 2-second pause and a 5-second timeout.
        var server = new FakeTwilioServer().Twiml("/voice/incoming",
            """<Say>123456789012345678901234567890</Say><Pause length="2"/><Gather timeout="5"/>""");

        var call = await server.CallAsync("-");

        Assert.Equal(TimeSpan.FromSeconds(9), call.VirtualDuration);
        Assert.Equal(TimeSpan.FromSeconds(4), call.Events.OfType<Listened>().Single().At);
    }
}
