namespace Ivr.Simulator.Tests;

public class CallerTests
{
    private static readonly GatherPrompt Prompt = new("dtmf", 5, null, "#", null, "en-US");

    public static TheoryData<string?, CallerInput> ConsoleLines => new()
    {
        { "1", new CallerInput.Keys("1") },
        { " 123# ", new CallerInput.Keys("123#") },
        { "status", new CallerInput.Speech("status") },
        { "order 42", new CallerInput.Speech("order 42") },
        { "", new CallerInput.Silence() },
        { "   ", new CallerInput.Silence() },
        { "q", new CallerInput.HangUp() },
        { null, new CallerInput.HangUp() },
    };

    public static TheoryData<string, CallerInput> ScriptSteps => new()
    {
        { "1", new CallerInput.Keys("1") },
        { "123#", new CallerInput.Keys("123#") },
        { "*9", new CallerInput.Keys("*9") },
        { "status", new CallerInput.Speech("status") },
        { "zamówienie 12", new CallerInput.Speech("zamówienie 12") },
        { "-", new CallerInput.Silence() },
    };

    [Theory]
    [MemberData(nameof(ScriptSteps))]
    public void ScriptedCaller_ParsesSteps(string step, CallerInput expected) =>
        Assert.Equal(expected, ScriptedCaller.ParseStep(step));

    [Fact]
    public async Task ScriptedCaller_PlaysStepsInOrder_ThenHangsUp()
    {
        var caller = ScriptedCaller.FromScript("1,status,-");

        List<CallerInput> heard = [];
        for (var i = 0; i < 4; i++)
            heard.Add(await caller.ListenAsync(Prompt, CancellationToken.None));

        Assert.Equal([new CallerInput.Keys("1"), new CallerInput.Speech("status"), new CallerInput.Silence(), new CallerInput.HangUp()], heard);
    }

    [Theory]
    [MemberData(nameof(ConsoleLines))]
    public void ConsoleCaller_ParsesLines(string? line, CallerInput expected) =>
        Assert.Equal(expected, ConsoleCaller.Parse(line));

    [Fact]
    public async Task ConsoleCaller_PromptsAndReadsOneLinePerGather()
    {
        var output = new StringWriter();
        var caller = new ConsoleCaller(new StringReader("2\n\nq\n"), output);

        Assert.Equal(new CallerInput.Keys("2"), await caller.ListenAsync(Prompt, CancellationToken.None));
        Assert.Equal(new CallerInput.Silence(), await caller.ListenAsync(Prompt, CancellationToken.None));
        Assert.Equal(new CallerInput.HangUp(), await caller.ListenAsync(Prompt, CancellationToken.None));
        Assert.Equal(new CallerInput.HangUp(), await caller.ListenAsync(Prompt, CancellationToken.None)); // end of input
        Assert.Contains(ConsoleCaller.Hint, output.ToString());
    }
}
