using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Ivr.Flows.Tests.Engine;
using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Care;

public class SurveyAnswerTests
{
    [Theory]
    [InlineData(SurveyQuestion.Csat, "4", null, 4)]
    [InlineData(SurveyQuestion.Csat, "5#", null, 5)]
    [InlineData(SurveyQuestion.Csat, "0", null, null)]
    [InlineData(SurveyQuestion.Csat, "6", null, null)]
    [InlineData(SurveyQuestion.Csat, "#", null, null)]
    [InlineData(SurveyQuestion.Csat, "*", null, null)]
    [InlineData(SurveyQuestion.Csat, null, "pięć", 5)]
    [InlineData(SurveyQuestion.Csat, null, "Raczej cztery.", 4)]
    [InlineData(SurveyQuestion.Csat, null, "four", 4)]
    [InlineData(SurveyQuestion.Csat, null, "nie wiem", null)]
    [InlineData(SurveyQuestion.Nps, "10", null, 10)]
    [InlineData(SurveyQuestion.Nps, "0", null, 0)]
    [InlineData(SurveyQuestion.Nps, "11", null, null)]
    [InlineData(SurveyQuestion.Nps, "99", null, null)]
    [InlineData(SurveyQuestion.Nps, "00000000000000000000000000000000000000000010", null, null)]
    [InlineData(SurveyQuestion.Nps, null, "dziesięć", 10)]
    [InlineData(SurveyQuestion.Nps, null, "Dziesięć.", 10)]
    [InlineData(SurveyQuestion.Nps, null, "osiem", 8)]
    [InlineData(SurveyQuestion.Nps, null, "10", 10)]
    [InlineData(SurveyQuestion.Nps, null, "jedenaście", null)]
    [InlineData(SurveyQuestion.Nps, null, "11", null)]
    [InlineData(SurveyQuestion.Nps, null, "ten", 10)]
    [InlineData(SurveyQuestion.Resolved, "1", null, 1)]
    [InlineData(SurveyQuestion.Resolved, "2", null, 0)]
    [InlineData(SurveyQuestion.Resolved, "3", null, null)]
    [InlineData(SurveyQuestion.Resolved, null, "tak", 1)]
    [InlineData(SurveyQuestion.Resolved, null, "Nie.", 0)]
    [InlineData(SurveyQuestion.Resolved, null, "yes", 1)]
    [InlineData(SurveyQuestion.Resolved, null, "tak i nie", null)]
    [InlineData(SurveyQuestion.Resolved, null, "", null)]
    public void AnAnswer_IsReadFromKeysOrSpeech_AndOneThatDoesNotFit_IsNone(SurveyQuestion question, string? digits, string? speech, int? expected) =>
        Assert.Equal(expected, SurveyAnswers.Parse(question, digits, speech));
}

public class SpokenHistoryTests
{
    private static readonly DateOnly Wednesday = new(2026, 11, 25);

    [Theory]
    [InlineData(0, "pl-PL", "z dzisiaj")]
    [InlineData(1, "pl-PL", "z wczoraj")]
    [InlineData(2, "pl-PL", "z poniedziałku")]
    [InlineData(5, "pl-PL", "z piątku")]
    [InlineData(6, "pl-PL", "z czwartku")]
    [InlineData(7, "pl-PL", "z 18 listopada")]
    [InlineData(9, "pl-PL", "z 16 listopada")]
    [InlineData(2, "en-US", "from Monday")]
    [InlineData(1, "en-US", "from yesterday")]
    [InlineData(9, "en-US", "from 16 November")]
    public void TheDayOfTheLastContact_IsSaidAsAPersonWould(int daysAgo, string language, string expected) =>
        Assert.Equal(expected, SpokenHistory.FromDay(Wednesday.AddDays(-daysAgo), Wednesday, language));

    [Fact]
    public void Wednesday_TakesZe() =>
        Assert.Equal("ze środy", SpokenHistory.FromDay(Wednesday, Wednesday.AddDays(2), "pl-PL"));

    [Fact]
    public void TheWhisper_TellsTheCountTheLastDepartmentAndHowItEnded_InOneSentence()
    {
        var previous = new PreviousContact("complaints", DateTimeOffset.UnixEpoch, 240, ContactOutcome.Abandoned, null, null);

        Assert.Equal("Trzeci kontakt w ciągu tygodnia, poprzednio: dział reklamacji, czas czekania 4 minuty, rozłączenie w kolejce.",
            SpokenHistory.Whisper(3, previous, "dział reklamacji", "pl-PL"));
        Assert.Equal("Third contact this week, last time: the complaints team, waited 4 minutes, hung up while waiting.",
            SpokenHistory.Whisper(3, previous, "the complaints team", "en-US"));
    }
}

public class ReturningCallerEngineTests
{
    private static readonly MenuDefinition Menus = TestMenus.Load(TestMenus.Yaml.Replace("departments:", "returning:\n  within_days: 7\n\ndepartments:"));

    // Wednesday 25 November 2026, 10:00 in Warsaw; the last contact was on Monday with the returns team, with Piotr.
    private static readonly CallContext Returning = new("+48500100200")
    {
        Returning = new PreviousContact("returns", new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.FromHours(1)), 240,
            ContactOutcome.Answered, "returns.piotr", "Piotr"),
    };

    private static StepResult Start(CallContext context) =>
        FlowEngine.Step(Menus, CallState.Begin(Menus), new CallInput.Start(), TestMenus.WednesdayMorning, context);

    [Fact]
    public void RightAfterTheGreeting_AReturningCaller_IsOfferedTheirLastMatter_WithTheDayInWords()
    {
        var result = Start(Returning);

        Assert.Equal("Dzień dobry, tu Sklep Testowy.", Assert.IsType<Instruction.Say>(result.Instructions[0]).Text);
        var offer = Assert.IsType<Instruction.Gather>(result.Instructions[1]);
        Assert.Equal("Dzwonisz w sprawie z poniedziałku, dział zwrotów? Wciśnij 1.", offer.Prompt.Single().Text);
        Assert.Equal(FlowEngine.ReturningMenu, result.State.Menu);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("tak")]
    public void PressingOneOrSayingYes_RoutesStraightThere_KeptForTheSameAgentForHalfAMinute(string answer)
    {
        var offered = Start(Returning);
        CallInput input = answer == "1" ? new CallInput.Keys(answer) : new CallInput.Speech(answer);

        var result = FlowEngine.Step(Menus, offered.State, input, TestMenus.WednesdayMorning, Returning);

        var enqueue = Assert.IsType<Instruction.Enqueue>(result.Instructions.Last());
        Assert.Equal("returns", enqueue.Department);
        Assert.Equal("returns.piotr", enqueue.PreferredAgent);
        Assert.Equal(TestMenus.WednesdayMorning.AddSeconds(ReturningCallers.DefaultSameAgentWaitSeconds), enqueue.PreferredUntil);
    }

    [Fact]
    public void AnotherKeyOrSilence_GoesOnToTheMainMenu()
    {
        var offered = Start(Returning);

        var silence = FlowEngine.Step(Menus, offered.State, new CallInput.NoInput(), TestMenus.WednesdayMorning, Returning);
        var other = FlowEngine.Step(Menus, offered.State, new CallInput.Keys("2"), TestMenus.WednesdayMorning, Returning);

        foreach (var result in new[] { silence, other })
        {
            Assert.Equal("main", result.State.Menu);
            Assert.StartsWith("Zamówienia: jeden.", Assert.IsType<Instruction.Gather>(result.Instructions.Single()).Prompt.Single().Text);
        }
    }

    [Fact]
    public void WithoutAnEarlierContact_OrWithoutReturningInTheFile_NothingIsOffered()
    {
        Assert.Equal("main", Start(new CallContext("+48500100200")).State.Menu);
        Assert.Equal("main", FlowEngine.Step(TestMenus.Definition, CallState.Begin(TestMenus.Definition), new CallInput.Start(),
            TestMenus.WednesdayMorning, Returning).State.Menu);
    }
}

public class CareLoadingTests
{
    [Fact]
    public void ReturningAndASurvey_AreRead()
    {
        var yaml = Valid.Replace("departments:", "returning: { within_days: 5, same_agent_wait: 45 }\ndepartments:")
            .Replace("    offer_callback_after: 120", "    offer_callback_after: 120\n    survey: [nps, resolved]");

        var definition = Load(yaml).Definition!;

        Assert.Equal(new ReturningCallers(5, 45), definition.Returning);
        Assert.Equal([SurveyQuestion.Nps, SurveyQuestion.Resolved], definition.Departments["orders"].Survey!.Questions);
    }

    [Theory]
    [InlineData("survey: [csat, csat]", "question 'csat' is asked twice")]
    [InlineData("survey: [cast]", "unknown question 'cast' (did you mean 'csat'?")]
    [InlineData("survey: []", "0 questions")]
    [InlineData("survey: csat", "expected a list of one to three questions")]
    public void ABadSurvey_IsAnError(string survey, string message)
    {
        var yaml = Valid.Replace("    offer_callback_after: 120", $"    offer_callback_after: 120\n    {survey}");

        var result = Load(yaml);

        Assert.Null(result.Definition);
        Assert.Contains(result.Errors, e => e.Path.StartsWith("departments.orders.survey", StringComparison.Ordinal) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("returning: { within_days: 0 }", "returning.within_days", "0 is out of range")]
    [InlineData("returning: { same_agent_wait: 30 }", "returning.within_days", "missing 'within_days'")]
    [InlineData("returning: { within_dayz: 7 }", "returning.within_dayz", "did you mean 'within_days'?")]
    public void BadReturningSettings_AreAnError(string returning, string path, string message)
    {
        var result = Load(Valid.Replace("departments:", $"{returning}\ndepartments:"));

        Assert.Null(result.Definition);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
