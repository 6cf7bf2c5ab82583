using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

public class LookupRuleTests
{
    // "2" leads to a lookup menu whose three outcomes go back to main or say goodbye.
    private static string WithLookup(string lookupMenu) =>
        Replace("      \"2\": { next: bye }", "      \"2\": { next: order }") + "\n" + lookupMenu;

    private const string Complete = """
          order:
            lookup: order
            found: main
            not_found: main
            on_error: bye
        """;

    [Fact]
    public void ALookupMenu_NamingWhereToGoInEachCase_IsLoaded()
    {
        var result = Load(WithLookup(Complete));

        Assert.Empty(result.Problems);
        var lookup = Assert.IsType<MenuAction.Lookup>(result.Definition!.Menus["order"].Action);
        Assert.Equal(new MenuAction.Lookup("order", "main", "main", "bye"), lookup);
    }

    [Fact]
    public void ALookupWithoutItsRoutes_IsAnError_NamingWhatIsMissing() =>
        SingleError(WithLookup("  order:\n    lookup: order\n    found: main"),
            "29:3", "menus.order", "lookup in menu 'order' needs not_found, on_error");

    [Fact]
    public void AnUnknownLookup_IsAnError() =>
        SingleError(WithLookup(Complete.Replace("lookup: order", "lookup: parcel")),
            "30:13", "menus.order.lookup", "unknown lookup 'parcel' (known: order)");

    [Fact]
    public void ALookupRoute_ToAnUnknownMenu_IsAnError() =>
        SingleError(WithLookup(Complete.Replace("on_error: bye", "on_error: byee")),
            "33:15", "menus.order.on_error", "unknown menu 'byee'");

    [Fact]
    public void LookupRoutes_WithoutALookup_AreAnError() =>
        SingleError(Replace("    hangup: true", "    hangup: true\n    not_found: main"),
            "29:16", "menus.bye.not_found", "'not_found' is only used by a menu with lookup");

    [Fact]
    public void ALookupAndNext_InOneMenu_IsAnError() =>
        SingleError(WithLookup(Complete + "\n    next: main"),
            "34:5", "menus.order.next", "menu 'order' already has 'lookup'");

    [Fact]
    public void MenusReachedOnlyThroughALookup_AreReached()
    {
        var result = Load(WithLookup(Complete.Replace("not_found: main", "not_found: sorry")) + "\n  sorry:\n    say: Nie ma.\n    next: main");

        Assert.Empty(result.Problems);
    }

    [Fact]
    public void AFirstNameWithoutWordsForAnUnknownCaller_IsAnError() =>
        SingleError(Replace("say: Dzień dobry.", "say: Dzień dobry, {first_name}."),
            "19:10", "menus.welcome.say", "{first_name} needs the words to say when the shop does not know the caller");

    [Fact]
    public void LanguageFromShop_IsAFlag()
    {
        Assert.True(Load(Replace("  on_fail: main", "  on_fail: main\n  language_from_shop: true")).Definition!.Hotline.LanguageFromShop);
        SingleError(Replace("  on_fail: main", "  on_fail: main\n  language_from_shop: tak"),
            "8:23", "hotline.language_from_shop", "expected true or false");
    }

    [Fact]
    public void TheEngine_GoesOnFromALookup_ToTheMenuItsOutcomeNames()
    {
        var definition = Load(WithLookup(Complete)).Definition!;
        var caller = new CallContext("+48500100200");
        var main = FlowEngine.Step(definition, CallState.Begin(definition), new CallInput.Start(), DateTimeOffset.UnixEpoch, caller);

        var looking = FlowEngine.Step(definition, main.State, new CallInput.Keys("2"), DateTimeOffset.UnixEpoch, caller);
        Assert.Equal(new Instruction.Lookup("order", "pl-PL"), Assert.Single(looking.Instructions));
        Assert.Equal("order", looking.State.Menu);

        var found = FlowEngine.Step(definition, looking.State, new CallInput.LookupDone(LookupOutcome.Found, "Zamówienie 1 2 3: wysłane.", "123"), DateTimeOffset.UnixEpoch, caller);
        Assert.Equal("Zamówienie 1 2 3: wysłane.", Assert.IsType<Instruction.Say>(found.Instructions[0]).Text);
        Assert.Equal("main", found.State.Menu);
        Assert.Equal(new Transition("order", "main", "lookup_found", "123"), found.Transition);

        var failed = FlowEngine.Step(definition, looking.State, new CallInput.LookupDone(LookupOutcome.Unavailable, "Przepraszamy.", null), DateTimeOffset.UnixEpoch, caller);
        Assert.Equal("bye", failed.State.Menu);
        Assert.Equal(CallPhase.Finished, failed.State.Phase);
    }

    [Theory]
    [InlineData("Anna", "Dzień dobry, Anna.")]
    [InlineData(null, "Dzień dobry, Szanowni Państwo.")]
    public void TheFirstName_IsSaidWhereTheTextAsksForIt_OrTheWordsForAnUnknownCaller(string? firstName, string said)
    {
        var definition = Load(Replace("say: Dzień dobry.", "say: \"Dzień dobry, {first_name|Szanowni Państwo}.\"")).Definition!;
        Assert.True(definition.UsesShopCustomer);

        var start = FlowEngine.Step(definition, CallState.Begin(definition), new CallInput.Start(), DateTimeOffset.UnixEpoch,
            new CallContext("+48500100200", firstName));

        Assert.Equal(said, Assert.IsType<Instruction.Say>(start.Instructions[0]).Text);
    }

    [Fact]
    public void WhetherANewCallNeedsTheShopsRecord_FollowsTheDefinition_AlsoWhenItIsChangedByCopy()
    {
        var plain = Load(WithLookup(Complete)).Definition!;
        var personal = Load(Replace("say: Dzień dobry.", "say: \"Dzień dobry, {first_name|Szanowni Państwo}.\"")).Definition!;
        Assert.False(plain.UsesShopCustomer);

        Assert.True((plain with { Hotline = plain.Hotline with { LanguageFromShop = true } }).UsesShopCustomer);
        Assert.True((plain with { Menus = personal.Menus }).UsesShopCustomer);
        Assert.False((personal with { Menus = plain.Menus }).UsesShopCustomer);
    }

    [Fact]
    public void TheShopsLanguage_IsTheCallersLanguage_OnlyWhenTheHotlineAsksAndSpeaksIt()
    {
        var asks = Load(Replace("  on_fail: main", "  on_fail: main\n  language_from_shop: true")).Definition!;
        var doesNot = Load(Valid).Definition!;
        CallState Begin(MenuDefinition d, string? language) => FlowEngine.Step(d, CallState.Begin(d), new CallInput.Start(),
            DateTimeOffset.UnixEpoch, new CallContext("+48500100200", null, language)).State;

        Assert.Equal("en-US", Begin(asks, "en-US").Language);
        Assert.Equal("pl-PL", Begin(asks, "de-DE").Language);
        Assert.Equal("pl-PL", Begin(doesNot, "en-US").Language);
    }
}
