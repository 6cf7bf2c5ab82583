using Dapper;
using Ivr.Api.Shop;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;
using static Ivr.Api.Tests.SwitchboardWorld;

namespace Ivr.Api.Tests;

/// <summary>
/// The order status on the phone, through the switchboard, against a fake shop on the same virtual clock: its delay
/// and the service's Shop:TimeoutMs both run on it, so a slow shop costs no real time.
/// </summary>
public sealed class OrderLookupEndToEndTests
{
    private const string Filler = "Chwileczkę, sprawdzam.";
    private const string AskNumber = "Podaj numer zamówienia: wpisz go na klawiaturze i zakończ krzyżykiem albo powiedz go.";
    private const string Apology = "Przepraszamy, nie możemy teraz sprawdzić zamówienia.";
    private const string NotFound = "Nie znaleźliśmy takiego zamówienia dla numeru, z którego dzwonisz.";
    private const string NotANumber = "To nie wygląda na numer zamówienia.";

    private static (SwitchboardWorld World, FakeShop Shop) Build()
    {
        FakeShop shop = null!;
        var world = SwitchboardWorld.Build(new Dictionary<string, SimulatedAgent>(), Draw.Fixed(TimeSpan.FromMinutes(5)),
            settings: new()
            {
                ["Shop:BaseUrl"] = "https://shop.test/hotline-api",
                ["Shop:ApiKey"] = "shop-secret",
                ["Shop:TimeoutMs"] = "2500",
            },
            services: (services, clock) =>
            {
                shop = new FakeShop(clock);
                services.AddHttpClient<ShopClient>().ConfigurePrimaryHttpMessageHandler(() => new SharedHandler(shop));
            });
        return (world, shop);
    }

    // 1 in the main menu (order status), 2 for the status from the shop, then the given steps.
    private static async Task<CallRecord> CallAsync(SwitchboardWorld world, string from, string then)
    {
        var calls = await world.Board.RunAsync([new IncomingCall(TimeSpan.Zero, ScriptedCaller.FromScript("1,2," + then)) { From = from }],
            until: TimeSpan.FromMinutes(10));
        var call = Assert.Single(calls);
        Assert.False(call.HadApplicationError, call.Transcript());
        // Every webhook of the call was answered with TwiML.
        Assert.All(world.Board.WebhookAnswers, answer => Assert.True(answer.Status == 200 && answer.IsTwiml, $"{answer.Url} -> {answer.Status}"));
        return call;
    }

    private static List<(string Outcome, string? Order, string? Failure)> Lookups(SwitchboardWorld world)
    {
        using var db = world.Factory.OpenDatabase();
        return db.Query<(string, string?, string?)>("SELECT outcome, order_number, failure FROM shop_lookups ORDER BY id").ToList();
    }

    private static string Prompt(SwitchboardWorld world, string menu) =>
        world.Factory.Services.GetRequiredService<Ivr.Api.Menus.MenuCatalog>().Current.Menus[menu].Prompt!.For("pl-PL");

    [Fact]
    public async Task ACallerWithOneOpenOrder_HearsItsStatus_WithoutBeingAskedForTheNumber()
    {
        var (world, shop) = Build();
        await using var _ = world;

        var call = await CallAsync(world, FakeShop.OneOrderCaller, "*");

        var spoken = call.Spoken.ToList();
        Assert.DoesNotContain(AskNumber, spoken);
        var status = spoken.IndexOf("Zamówienie numer 1 0 0 2 3 4: wysłane, jest w drodze do paczkomatu. " +
                                    "Przewidywana dostawa w piątek, 27 listopada. Przesyłkę dostarczy InPost.");
        Assert.True(status > 0, call.Transcript());
        Assert.Equal(Filler, spoken[status - 1]);
        // Then the agent or the main menu.
        Assert.Equal(Prompt(world, "order_found"), spoken[status + 1]);
        Assert.Equal([("found", "100234", null)], Lookups(world));
        Assert.Equal("Bearer shop-secret", shop.LastAuthorization);
    }

    [Fact]
    public async Task ACallerWithSeveralOrders_KeysTheNumber_AndHearsThatOrdersStatusInTheShopsWords()
    {
        var (world, _) = Build();
        await using var _w = world;

        var call = await CallAsync(world, FakeShop.TwoOrdersCaller, "200302#,*");

        var spoken = call.Spoken.ToList();
        Assert.Contains(AskNumber, spoken);
        Assert.Contains("Zamówienie numer 2 0 0 3 0 2: wysłane kurierem. Przewidywana dostawa jutro. Przesyłkę dostarczy InPost.", spoken);
        Assert.Equal([("found", "200302", null)], Lookups(world));
    }

    [Fact]
    public async Task ASpokenOrderNumber_IsUnderstood()
    {
        var (world, _) = Build();
        await using var _w = world;

        var call = await CallAsync(world, FakeShop.TwoOrdersCaller, "numer 200 301,*");

        Assert.Contains(call.Spoken, s => s.StartsWith("Zamówienie numer 2 0 0 3 0 1: spakowane, czeka na kuriera.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOrderTheShopDoesNotKnowForTheCaller_IsNotFound_AndTheCallGoesWhereTheMenuSays()
    {
        var (world, _) = Build();
        await using var _w = world;

        // 100234 is somebody else's order: the shop answers 404 to this caller.
        var call = await CallAsync(world, FakeShop.TwoOrdersCaller, "100234#,*");

        var spoken = call.Spoken.ToList();
        var notFound = spoken.IndexOf(NotFound);
        Assert.True(notFound > 0, call.Transcript());
        Assert.Equal(Prompt(world, "order_not_found"), spoken[notFound + 1]);
        Assert.DoesNotContain(spoken, s => s.Contains("paczkomatu", StringComparison.Ordinal));
        Assert.Equal([("not_found", "100234", null)], Lookups(world));
    }

    [Fact]
    public async Task ASlowShop_IsGivenUpAfterTheTimeout_WithFillerMeanwhile_AndTheCallerHearsAnApologyAndTheErrorMenu()
    {
        var (world, shop) = Build();
        await using var _w = world;
        shop.Delay = TimeSpan.FromSeconds(30);

        var call = await CallAsync(world, FakeShop.OneOrderCaller, "*");

        var said = call.Events.OfType<Said>().ToList();
        var filler = said.FindIndex(s => s.Text == Filler);
        var apology = said.FindIndex(s => s.Text == Apology);
        Assert.True(filler >= 0 && apology > filler, call.Transcript());
        Assert.Equal(Prompt(world, "order_lookup_failed"), said[apology + 1].Text);
        // Given up at Shop:TimeoutMs (plus at most the last one-second pause), not after the shop's 30 s.
        Assert.InRange((said[apology].At - said[filler].At).TotalSeconds, 2.5, 5);
        Assert.Equal([("unavailable", null, "timeout")], Lookups(world));
    }

    [Theory]
    [InlineData(FakeShopBehaviour.RefusesConnections, "unreachable")]
    [InlineData(FakeShopBehaviour.ServerError, "servererror")]
    [InlineData(FakeShopBehaviour.GarbageJson, "badanswer")]
    [InlineData(FakeShopBehaviour.Html, "badanswer")]
    public async Task AShopThatFailsOrAnswersGarbage_GivesAnApologyAndTheErrorMenu(FakeShopBehaviour behaviour, string failure)
    {
        var (world, shop) = Build();
        await using var _w = world;
        shop.Behaviour = behaviour;

        var call = await CallAsync(world, FakeShop.OneOrderCaller, "*");

        var spoken = call.Spoken.ToList();
        var apology = spoken.IndexOf(Apology);
        Assert.True(apology > 0, call.Transcript());
        Assert.Equal(Prompt(world, "order_lookup_failed"), spoken[apology + 1]);
        Assert.Equal([("unavailable", null, failure)], Lookups(world));
    }

    [Fact]
    public async Task AnOrderNumberOf200Digits_IsNotAnOrderNumber_AndTheCallerIsAskedAgain()
    {
        var (world, shop) = Build();
        await using var _w = world;

        var call = await CallAsync(world, FakeShop.TwoOrdersCaller, new string('7', 200) + "#,200301#,*");

        var spoken = call.Spoken.ToList();
        var invalid = spoken.IndexOf(NotANumber);
        Assert.True(invalid > 0, call.Transcript());
        Assert.Equal(AskNumber, spoken[invalid + 1]);
        Assert.Contains(spoken, s => s.StartsWith("Zamówienie numer 2 0 0 3 0 1:", StringComparison.Ordinal));
        // The shop was asked for the caller's orders and for 200301, never for the 200 digits.
        Assert.Equal(2, shop.Requests);
    }

    [Fact]
    public async Task ACallerWhoNeverGivesANumber_GoesWhereTheMenuSendsAnOrderNotFound()
    {
        var (world, _) = Build();
        await using var _w = world;

        var call = await CallAsync(world, FakeShop.TwoOrdersCaller, "-,abc,-,*");

        var spoken = call.Spoken.ToList();
        Assert.Equal(3, spoken.Count(s => s == AskNumber));
        Assert.Contains(Prompt(world, "order_not_found"), spoken);
        Assert.Equal("not_found", Assert.Single(Lookups(world)).Outcome);
    }

    [Fact]
    public async Task ACallerWhoAsksToCheckAnotherOrder_IsAskedForItsNumber_NotReadTheSameOrderAgain()
    {
        var (world, _) = Build();
        await using var _w = world;

        // The one open order is read at once; then 2 in the menu after it: "to check another order".
        var call = await CallAsync(world, FakeShop.OneOrderCaller, "2,100101#,*");

        var spoken = call.Spoken.ToList();
        var again = spoken.IndexOf(AskNumber);
        Assert.True(again > 0, call.Transcript());
        Assert.Equal(Prompt(world, "order_found"), spoken[again - 1]);
        Assert.Contains("Zamówienie numer 1 0 0 1 0 1: dostarczone.", spoken);
        Assert.Equal([("found", "100234", null), ("found", "100101", null)], Lookups(world));
    }
}
