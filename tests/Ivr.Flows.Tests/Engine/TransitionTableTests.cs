using System.Text.RegularExpressions;
using Ivr.Flows.Engine;
using Ivr.Flows.Graph;
using Ivr.Flows.Loading;
using Ivr.Flows.Model;

namespace Ivr.Flows.Tests.Engine;

/// <summary>
/// The engine, the Mermaid graph and the validator read one transition table per menu version, so they agree:
/// every transition in the table is the step the engine takes for its input, and the menus the graph marks as
/// unreachable are the ones the validator warns about.
/// </summary>
public partial class TransitionTableTests
{
    private static readonly string Sample = File.ReadAllText("ivr-menus.yaml");
    private static readonly CallContext Caller = new("+48500100200");

    // A Wednesday morning (no holiday) when every department of the sample is open.
    private static readonly DateTimeOffset Open = new(2026, 3, 11, 10, 0, 0, TimeSpan.FromHours(1));

    private static MenuDefinition Load(string yaml)
    {
        var result = MenuLoader.Load(yaml, "ivr-menus.yaml");
        return result.Definition ?? throw new InvalidOperationException(string.Join("\n", result.Problems));
    }

    [Fact]
    public void EveryTransitionOfTheSample_IsTheStepTheEngineTakesForTheInputItNames()
    {
        var result = MenuLoader.Load(Sample, "ivr-menus.yaml");
        Assert.Empty(result.Problems);
        var definition = result.Definition!;
        var table = definition.Transitions;
        // The sample uses every kind of transition, so this walks all of them.
        Assert.Equal(Enum.GetValues<TransitionTrigger>().Order(), table.All.Select(t => t.Trigger).Distinct().Order());

        foreach (var transition in table.All)
        {
            AssertLandsAt(definition, transition, Take(definition, transition), transition);
            if (transition.Option is { } option)
            {
                // Each option's first word in each language chooses it as its key does.
                foreach (var (language, words) in option.Speech.Where(s => s.Value.Count > 0))
                {
                    var state = InMenu(definition, transition.From) with { Language = language };
                    var spoken = FlowEngine.Step(definition, state, new CallInput.Speech(words[0]), Open, Caller);
                    AssertLandsAt(definition, transition, spoken, transition);
                }
            }
        }
    }

    [Fact]
    public void TheGraph_MarksAsUnreachable_ExactlyTheMenusTheValidatorWarnsAbout()
    {
        // Without main's (and main_en's) option 2, nothing leads to returns, nor to returns_info behind it.
        var cut = string.Join('\n', Sample.Split('\n').Where(line => !line.Contains("\"2\": { next: returns,")));

        var result = MenuLoader.Load(cut, "ivr-menus.yaml");

        var warned = result.Problems.Where(p => p.Message.Contains("is never reached"))
            .SelectMany(p => Quoted().Matches(p.Message).Select(m => m.Groups[1].Value)).Order().ToList();
        Assert.Equal(["returns", "returns_info"], warned);
        var definition = result.Definition!;
        Assert.Equal(warned, definition.Transitions.Unreachable.Order());
        Assert.Equal(warned, UnreachableInChart(MenuGraph.ToMermaid(definition)));
        Assert.Empty(UnreachableInChart(MenuGraph.ToMermaid(Load(Sample))));
    }

    [Fact]
    public void ANewVersionOfTheMenu_HasItsOwnTable_AndCallsOnTheOldVersionKeepTheOldOne()
    {
        var before = Load(Sample);
        var edited = Sample.Replace("\"4\": { next: delivery,", "\"4\": { route: delivery,");

        var after = Load(edited);

        Assert.NotEqual(before.Version, after.Version);
        Assert.Equal(("main", TransitionTrigger.Key, "4", TransitionTarget.Menu, "delivery"), Bare(before.Transitions.Find("main", TransitionTrigger.Key, "4")!));
        Assert.Equal(("main", TransitionTrigger.Key, "4", TransitionTarget.Queue, "delivery"), Bare(after.Transitions.Find("main", TransitionTrigger.Key, "4")!));
        Assert.Empty(before.Transitions.Unreachable);
        Assert.Equal(["delivery", "delivery_tracking"], after.Transitions.Unreachable.Order());
        // The old version's table is what it was: a call that started on it still goes to the delivery menu.
        Assert.Equal(Load(Sample).Transitions.All.Select(Bare), before.Transitions.All.Select(Bare));
        var pressed = new CallInput.Keys("4");
        Assert.Equal("delivery", FlowEngine.Step(before, InMenu(before, "main"), pressed, Open, Caller).State.Menu);
        Assert.Contains(FlowEngine.Step(after, InMenu(after, "main"), pressed, Open, Caller).Instructions,
            i => i is Instruction.Enqueue { Department: "delivery" });
    }

    // A transition without the option's texts, which are new objects in every load.
    private static (string, TransitionTrigger, string?, TransitionTarget, string?) Bare(MenuTransition t) =>
        (t.From, t.Trigger, t.Option?.Key, t.To, t.Target);

    // The menu ids behind the chart's "class ... unreachable" line, by the labels of their nodes.
    private static List<string> UnreachableInChart(string chart)
    {
        var labels = chart.Split('\n').Select(l => NodeLine().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var marked = chart.Split('\n').FirstOrDefault(l => l.StartsWith("    class ", StringComparison.Ordinal));
        return marked is null ? [] : marked["    class ".Length..^" unreachable".Length].Split(',').Select(id => labels[id]).Order().ToList();
    }

    private static CallState InMenu(MenuDefinition definition, string menu) =>
        CallState.Begin(definition) with { Menu = menu, Offered = 1, Step = 3 };

    // Puts the call where the transition starts and gives the engine the input the transition names.
    private static StepResult Take(MenuDefinition definition, MenuTransition transition)
    {
        var table = definition.Transitions;
        var returning = new CallContext(Caller.CallerNumber)
        {
            Returning = new PreviousContact(transition.Target ?? "orders", Open.AddDays(-1), 40, ContactOutcome.Abandoned, null, null),
        };
        var offered = CallState.Begin(definition) with { Menu = MenuTransitions.ReturningOffer, Offered = 1, Step = 1 };
        var menu = definition.Menus.GetValueOrDefault(transition.From);
        return transition.Trigger switch
        {
            TransitionTrigger.Start => FlowEngine.Step(definition, CallState.Begin(definition), new CallInput.Start(), Open, Caller),
            TransitionTrigger.Key => Step(definition, transition.From, new CallInput.Keys(transition.Option!.Key)),
            // A menu that goes on by itself does so as the call enters it: come in by any way that leads there.
            TransitionTrigger.Next => Take(definition, table.All.First(t => t.To == TransitionTarget.Menu && t.Target == transition.From
                && t.Trigger is not TransitionTrigger.ReturningNo)),
            TransitionTrigger.NoInput => Step(definition, transition.From, new CallInput.NoInput()),
            TransitionTrigger.Invalid => Step(definition, transition.From,
                new CallInput.Keys("0123456789*#".Select(c => c.ToString()).First(key => menu!.Options.All(o => o.Key != key)))),
            TransitionTrigger.Fail => FlowEngine.Step(definition, InMenu(definition, transition.From) with { Offered = menu!.Attempts },
                new CallInput.NoInput(), Open, Caller),
            TransitionTrigger.Found => Step(definition, transition.From, new CallInput.LookupDone(LookupOutcome.Found, null, null)),
            TransitionTrigger.NotFound => Step(definition, transition.From, new CallInput.LookupDone(LookupOutcome.NotFound, null, null)),
            TransitionTrigger.OnError => Step(definition, transition.From, new CallInput.LookupDone(LookupOutcome.Unavailable, null, null)),
            TransitionTrigger.ReturningYes => FlowEngine.Step(definition, offered, new CallInput.Keys("1"), Open, returning),
            _ => FlowEngine.Step(definition, offered, new CallInput.Keys("2"), Open, returning),
        };
    }

    private static StepResult Step(MenuDefinition definition, string menu, CallInput input) =>
        FlowEngine.Step(definition, InMenu(definition, menu), input, Open, Caller);

    // Where a call taking the transition ends up: a menu that asks or looks up, or a queue, callback or goodbye.
    private static void AssertLandsAt(MenuDefinition definition, MenuTransition transition, StepResult result, MenuTransition taken)
    {
        var what = $"{taken.From} {taken.Trigger} {taken.Option?.Key} -> {taken.To} {taken.Target}";
        switch (transition.To)
        {
            case TransitionTarget.Menu:
                var menu = definition.Menus[transition.Target!];
                if (!menu.AsksForInput && menu.Action is not MenuAction.Lookup)
                {
                    AssertLandsAt(definition, definition.Transitions.Find(menu.Id, TransitionTrigger.Next)!, result, taken);
                    return;
                }
                Assert.True(result.State.Menu == menu.Id && result.State.Phase == CallPhase.InMenu, $"{what}: at {result.State.Menu} ({result.State.Phase})");
                Assert.IsType(menu.AsksForInput ? typeof(Instruction.Gather) : typeof(Instruction.Lookup), result.Instructions[^1]);
                break;
            case TransitionTarget.Queue:
                Assert.True(result.Instructions.Any(i => i is Instruction.Enqueue e && e.Department == transition.Target), what);
                Assert.Equal(CallPhase.Queued, result.State.Phase);
                break;
            case TransitionTarget.Callback:
                Assert.True(result.Instructions.Any(i => i is Instruction.BookCallback b && b.Department == transition.Target), what);
                Assert.Equal(CallPhase.CallbackBooked, result.State.Phase);
                break;
            default:
                Assert.True(result.Instructions[^1] is Instruction.Hangup, what);
                Assert.Equal(CallPhase.Finished, result.State.Phase);
                break;
        }
    }

    [GeneratedRegex("'([a-z_]+)'")]
    private static partial Regex Quoted();

    [GeneratedRegex("""^    (menu_\w+)\["(.+)"\]$""")]
    private static partial Regex NodeLine();
}
