using Ivr.Flows.Engine;
using Ivr.Flows.Model;

namespace Ivr.Flows.Tests.Engine;

public class FlowEngineTests
{
    private static readonly MenuDefinition Menus = TestMenus.Definition;
    private static readonly CallContext Caller = new("+48500100200");

    private static StepResult Step(CallState state, CallInput input, DateTimeOffset? now = null, CallContext? context = null) =>
        FlowEngine.Step(Menus, state, input, now ?? TestMenus.WednesdayMorning, context ?? Caller);

    private static StepResult Start(DateTimeOffset? now = null, CallContext? context = null) =>
        Step(CallState.Begin(Menus), new CallInput.Start(), now, context);

    private static StepResult Walk(params CallInput[] inputs)
    {
        var result = Start();
        foreach (var input in inputs)
            result = Step(result.State, input);
        return result;
    }

    private static List<string> Spoken(StepResult result) =>
        result.Instructions.SelectMany(i => i switch
        {
            Instruction.Say say => [say.Text],
            Instruction.Gather gather => gather.Prompt.Select(p => p.Text),
            _ => [],
        }).ToList();

    [Fact]
    public void Start_SaysWelcome_ThenAsksTheMainMenuInPolish()
    {
        var result = Start();

        var say = Assert.IsType<Instruction.Say>(result.Instructions[0]);
        Assert.Equal("Dzień dobry, tu Sklep Testowy.", say.Text);
        Assert.Equal("pl-PL", say.Language);
        Assert.Equal("Polly.Ewa", say.Voice);
        var gather = Assert.IsType<Instruction.Gather>(result.Instructions[1]);
        Assert.StartsWith("Zamówienia: jeden.", gather.Prompt.Single().Text);
        Assert.Equal(5, gather.TimeoutSeconds);
        Assert.Equal(1, gather.NumDigits);
        Assert.Contains("zamówienie", gather.Hints);
        Assert.Equal("main", result.State.Menu);
        Assert.Equal(1, result.State.Offered);
        Assert.Equal(1, result.State.Step);
        Assert.Equal(Menus.Version, result.State.MenuVersion);
        Assert.Equal(new Transition("(new)", "main", "start", null), result.Transition);
    }

    [Fact]
    public void Key1_OnMain_SaysAndJoinsTheOrdersQueue()
    {
        var result = Walk(new CallInput.Keys("1"));

        Assert.Equal(["Łączę z działem zamówień.", "Łączymy z: dział zamówień. Prosimy pozostać na linii."], Spoken(result));
        var enqueue = Assert.IsType<Instruction.Enqueue>(result.Instructions.Last());
        Assert.Equal("orders", enqueue.Department);
        Assert.Equal(CallPhase.Queued, result.State.Phase);
        Assert.Equal("key:route", result.Transition.Trigger);
        Assert.Equal("1", result.Transition.Input);
    }

    [Theory]
    [InlineData("zamowienie")]
    [InlineData("Zamówienie")]
    [InlineData("ZAMÓWIENIA proszę")]
    [InlineData("chciałbym sprawdzić status")]
    [InlineData("jeden")]
    [InlineData("1")]
    [InlineData("my order please")]
    public void Speech_ChoosesTheOptionWhateverCaseDiacriticsOrEnding(string speech)
    {
        var result = Walk(new CallInput.Speech(speech));

        Assert.Equal("order_status", result.Transition.To);
        Assert.Equal("orders", Assert.IsType<Instruction.Enqueue>(result.Instructions.Last()).Department);
        Assert.StartsWith("speech:", result.Transition.Trigger);
    }

    [Fact]
    public void Key9_SwitchesToEnglish_AndEverythingAfterIsEnglish()
    {
        var english = Walk(new CallInput.Keys("9"));
        Assert.Equal("en-US", english.State.Language);
        var gather = Assert.IsType<Instruction.Gather>(english.Instructions.Single());
        Assert.Equal("en-US", gather.Language);
        Assert.StartsWith("Orders: one.", gather.Prompt.Single().Text);
        Assert.Equal("Polly.Joanna", gather.Prompt.Single().Voice);

        var queued = Step(english.State, new CallInput.Keys("1"));
        Assert.Equal(["Connecting you to the orders team.", "Connecting you to the orders team. Please stay on the line."], Spoken(queued));
        Assert.Equal("en-US", Assert.IsType<Instruction.Enqueue>(queued.Instructions.Last()).Language);
    }

    [Fact]
    public void InvalidKey_OnMain_ReplaysThenFallsBackAfterThreeTries()
    {
        var first = Walk(new CallInput.Keys("7"));
        Assert.Equal("invalid", first.Transition.Trigger);
        Assert.Equal("Przepraszamy, nie rozpoznaliśmy wyboru.", Spoken(first)[0]);
        Assert.Equal(2, first.State.Offered);

        var second = Step(first.State, new CallInput.Keys("7"));
        Assert.Equal(3, second.State.Offered);
        Assert.IsType<Instruction.Gather>(second.Instructions.Single());

        var third = Step(second.State, new CallInput.Keys("7"));
        Assert.Equal("fail", third.Transition.Trigger);
        Assert.Equal("operator", third.State.Menu);
        Assert.Equal(CallPhase.Queued, third.State.Phase);
        Assert.Equal("Przepraszamy, nie rozpoznaliśmy wyboru.", Spoken(third)[0]);
        Assert.IsType<Instruction.Enqueue>(third.Instructions.Last());
    }

    [Fact]
    public void NoInput_ReplaysTheMenuWithAnApology()
    {
        var result = Walk(new CallInput.NoInput());

        var gather = Assert.IsType<Instruction.Gather>(result.Instructions.Single());
        Assert.Equal(["Przepraszamy, nic nie usłyszeliśmy.", Menus.Menus["main"].Prompt!.For("pl-PL")],
            gather.Prompt.Select(p => p.Text));
        Assert.Equal("no_input", result.Transition.Trigger);
    }

    [Fact]
    public void EmptySpeech_CountsAsNoInput() =>
        Assert.Equal("no_input", Walk(new CallInput.Speech("   ")).Transition.Trigger);

    [Theory]
    [InlineData("12")]
    [InlineData("ąęść")]
    [InlineData("<Say>&amp;</Say>")]
    public void AbsurdKeys_AreAnInvalidChoice(string digits) =>
        Assert.Equal("invalid", Walk(new CallInput.Keys(digits)).Transition.Trigger);

    [Fact]
    public void FiveThousandDigits_AreAnInvalidChoice()
    {
        var result = Walk(new CallInput.Keys(new string('1', 5000)));
        Assert.Equal("invalid", result.Transition.Trigger);
        Assert.IsType<Instruction.Gather>(result.Instructions.Single());
    }

    [Fact]
    public void Replay_OffersTheMenuAgainWithoutCountingAnAttempt()
    {
        var result = Walk(new CallInput.Replay());
        Assert.Equal(2, result.State.Step);
        var gather = Assert.IsType<Instruction.Gather>(result.Instructions.Single());
        Assert.Single(gather.Prompt);
    }

    [Fact]
    public void OptionHangup_WithoutItsOwnWords_SaysGoodbye()
    {
        var result = Walk(new CallInput.Keys("*"));
        Assert.Equal(["Dziękujemy za telefon. Do widzenia."], Spoken(result));
        Assert.IsType<Instruction.Hangup>(result.Instructions.Last());
        Assert.Equal(CallPhase.Finished, result.State.Phase);
    }

    [Fact]
    public void Callback_IsBookedForTheCallersNumber_WhichTheHostConfirms()
    {
        var result = Walk(new CallInput.Keys("3"));
        var booking = Assert.IsType<Instruction.BookCallback>(Assert.Single(result.Instructions));
        Assert.Equal(new Instruction.BookCallback("orders", "+48500100200"), booking);
        Assert.Equal(CallPhase.CallbackBooked, result.State.Phase);
    }

    [Fact]
    public void Callback_ForAWithheldNumber_LeavesTheNumberToBeKeyedIn()
    {
        var start = Start(context: new CallContext("anonymous"));
        var result = Step(start.State, new CallInput.Keys("3"), context: new CallContext("anonymous"));
        Assert.Equal(new Instruction.BookCallback("orders", null), Assert.Single(result.Instructions));
    }

    [Fact]
    public void RouteToAClosedDepartment_SaysWhenItOpens_InWords_AndOffersACallbackThen()
    {
        // Friday 2026-11-27 17:00: returns closes at 16:00 and next opens on Monday at 8:00.
        var fridayEvening = new DateTimeOffset(2026, 11, 27, 17, 0, 0, TimeSpan.FromHours(1));
        var start = Start(fridayEvening);
        var result = Step(start.State, new CallInput.Keys("2"), fridayEvening);

        Assert.Equal("Dział zwrotów: teraz nieczynne. Zapraszamy w poniedziałek o 8:00.", Spoken(result)[0]);
        Assert.Equal(new Instruction.OfferCallback("returns", "pl-PL", "w poniedziałek o 8:00"), result.Instructions.Last());
        Assert.Equal(CallPhase.Finished, result.State.Phase);
        Assert.DoesNotContain(result.Instructions, i => i is Instruction.Enqueue);
        Assert.Equal("key:closed", result.Transition.Trigger);
    }

    [Fact]
    public void RouteOnAHoliday_SaysTheNextOpeningAfterIt_InEnglish()
    {
        // Thursday 2026-12-24 is a holiday for orders, and so is the 25th; Saturday the 26th opens at 9:00.
        var christmasEve = new DateTimeOffset(2026, 12, 24, 10, 0, 0, TimeSpan.FromHours(1));
        var english = Step(Start(christmasEve).State, new CallInput.Keys("9"), christmasEve);
        var result = Step(english.State, new CallInput.Keys("1"), christmasEve);

        Assert.Contains("The orders team is closed now. We are open again on Saturday at 9:00.", Spoken(result));
    }

    [Fact]
    public void InputAfterTheCallLeftTheMenus_EndsItPolitely()
    {
        var queued = Walk(new CallInput.Keys("1"));
        var result = Step(queued.State, new CallInput.Keys("1"));
        Assert.Equal("ended", result.Transition.Trigger);
        Assert.IsType<Instruction.Hangup>(result.Instructions.Last());
    }

    [Fact]
    public void ACallerWhoKeepsFailing_IsNotSentRoundForever()
    {
        var menus = TestMenus.Load(TestMenus.Yaml.Replace("on_fail: operator", "on_fail: main"));
        var result = FlowEngine.Step(menus, CallState.Begin(menus), new CallInput.Start(), TestMenus.WednesdayMorning, Caller);
        var steps = 0;
        while (result.State.Phase == CallPhase.InMenu && steps++ < 50)
            result = FlowEngine.Step(menus, result.State, new CallInput.NoInput(), TestMenus.WednesdayMorning, Caller);

        Assert.Equal(CallPhase.Finished, result.State.Phase);
        Assert.Equal(3 * (FlowEngine.MaxFallbacks + 1), steps);
        Assert.Equal("Dziękujemy za telefon. Do widzenia.", Spoken(result).Last());
    }
}
