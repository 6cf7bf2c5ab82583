namespace Ivr.Simulator.Tests;

public class PhoneCommandLineTests
{
    [Fact]
    public void Call_WithAllOptions()
    {
        var parsed = PhoneCommandLine.Parse(
            ["call", "http://localhost:5000/", "--keys", "1,status,-", "--from", "+48600700800", "--to", "+48221000009", "--token", "t0k"], null);

        var call = Assert.IsType<PhoneCommandLine.Call>(parsed);
        Assert.Equal(["1", "status", "-"], call.Script!);
        Assert.Equal("+48600700800", call.From);
        Assert.Equal("+48221000009", call.To);
        Assert.Equal("t0k", call.AuthToken);
        Assert.Equal(new Uri("http://localhost:5000/voice/incoming"), call.VoiceUrl);
        Assert.Equal(new Uri("http://localhost:5000/voice/status"), call.StatusCallbackUrl);
    }

    [Theory]
    [InlineData(null, SimulatorOptions.DefaultAuthToken)]
    [InlineData("", SimulatorOptions.DefaultAuthToken)]
    [InlineData("from-env", "from-env")]
    public void Call_Defaults_TokenFromEnvironment(string? environmentToken, string expected)
    {
        var call = Assert.IsType<PhoneCommandLine.Call>(PhoneCommandLine.Parse(["call", "http://localhost:5000"], environmentToken));

        Assert.Null(call.Script);
        Assert.Equal(CallSetup.DefaultFrom, call.From);
        Assert.Equal(CallSetup.DefaultTo, call.To);
        Assert.Equal(expected, call.AuthToken);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("call", "http://localhost:5000", "-h")]
    public void Help(params string[] args) =>
        Assert.IsType<PhoneCommandLine.Help>(PhoneCommandLine.Parse(args, null));

    [Theory]
    [InlineData("missing the command")]
    [InlineData("unknown command", "dial", "http://localhost:5000")]
    [InlineData("missing the service URL", "call")]
    [InlineData("missing the service URL", "call", "--keys", "1")]
    [InlineData("not an http(s) URL", "call", "localhost:5000")]
    [InlineData("unknown option '--pin'", "call", "http://localhost:5000", "--pin", "1")]
    [InlineData("--keys needs a value", "call", "http://localhost:5000", "--keys")]
    public void Invalid_SaysWhatIsWrong(string error, params string[] args)
    {
        var invalid = Assert.IsType<PhoneCommandLine.Invalid>(PhoneCommandLine.Parse(args, null));

        Assert.Contains(error, invalid.Error);
    }

    [Fact]
    public void EachCall_IsANewCall_WithSidsOfItsOwn()
    {
        // Calling twice must not continue the first call: the switchboard draws the CallSid from its seed.
        string[] args = ["call", "http://localhost:5000/"];
        var first = Assert.IsType<PhoneCommandLine.Call>(PhoneCommandLine.Parse(args, null)).Switchboard("AC1", (_, _) => { });
        var second = Assert.IsType<PhoneCommandLine.Call>(PhoneCommandLine.Parse(args, null)).Switchboard("AC1", (_, _) => { });

        Assert.NotEqual(first.Seed, second.Seed);
    }

    [Fact]
    public void Printer_ShowsEventsReadably()
    {
        Assert.Equal("🔊 [pl-PL] Dzień dobry", PhonePrinter.Format(new Said("Dzień dobry", "pl-PL", null)));
        Assert.Equal("⌨  you pressed 1", PhonePrinter.Format(new Listened("dtmf", new CallerInput.Keys("1"), 5, null)));
        Assert.Equal("⏸  pause 2 s", PhonePrinter.Format(new Paused(2)));
        Assert.Equal("☎  queued for 'orders'", PhonePrinter.Format(new Enqueued("orders", null, null)));
        Assert.Equal("⚠  application error: boom", PhonePrinter.Format(new ApplicationError("boom")));
    }
}
