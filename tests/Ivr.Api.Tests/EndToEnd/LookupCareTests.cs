using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api.Shop;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// Order look-ups in the caller's contact history and in the self-service figure, from calls through the
/// switchboard against the fake shop (the sample menu: 1 order status, 2 the status from the shop).
/// </summary>
public sealed class LookupCareTests
{
    private const string Stranger = "+48600100900";

    private static (SwitchboardWorld World, FakeShop Shop) Build()
    {
        FakeShop shop = null!;
        var world = SwitchboardWorld.Build(new Dictionary<string, SimulatedAgent>(), Draw.Fixed(TimeSpan.FromMinutes(2)),
            settings: new() { ["Shop:BaseUrl"] = "https://shop.test/hotline-api", ["Shop:ApiKey"] = "shop-secret" },
            services: (services, clock) =>
            {
                shop = new FakeShop(clock);
                services.AddHttpClient<ShopClient>().ConfigurePrimaryHttpMessageHandler(() => new SharedHandler(shop));
            });
        return (world, shop);
    }

    private static IncomingCall Call(TimeSpan at, string from, string script) =>
        new(at, ScriptedCaller.FromScript(script)) { From = from };

    private static async Task<IReadOnlyList<CallRecord>> RunAsync(SwitchboardWorld world, params IncomingCall[] calls)
    {
        var records = await world.Board.RunAsync(calls, until: TimeSpan.FromMinutes(20));
        Assert.All(records, call => Assert.False(call.HadApplicationError, call.Transcript()));
        return records;
    }

    private static async Task<List<JsonElement>> ContactsAsync(SwitchboardWorld world, string number)
    {
        var view = await world.Api.GetFromJsonAsync<JsonElement>($"/admin/api/contacts/{Uri.EscapeDataString(number)}");
        return view.GetProperty("contacts").EnumerateArray().ToList();
    }

    [Fact]
    public async Task TheContactHistory_ShowsEachLookup_WithItsOrderNumberAndOutcome()
    {
        var (world, _) = Build();
        await using var _w = world;

        // One order on file: its status at once. Then the caller checks another number, which is not theirs.
        await RunAsync(world, Call(TimeSpan.Zero, FakeShop.OneOrderCaller, "1,2,2,200302#,*"));

        var contacts = await ContactsAsync(world, FakeShop.OneOrderCaller);
        var call = Assert.Single(contacts, c => c.GetProperty("kind").GetString() == "call");
        var lookups = contacts.Where(c => c.GetProperty("kind").GetString() == "lookup").ToList();
        // Newest first, each with when it was, the order number and how it ended, as part of the call.
        Assert.Equal(["200302", "100234"], lookups.Select(l => l.GetProperty("orderNumber").GetString()));
        Assert.Equal(["not_found", "found"], lookups.Select(l => l.GetProperty("outcome").GetString()));
        Assert.All(lookups, l => Assert.Equal(call.GetProperty("callSid").GetString(), l.GetProperty("callSid").GetString()));
        Assert.True(lookups[0].GetProperty("at").GetDateTimeOffset() >= lookups[1].GetProperty("at").GetDateTimeOffset());
        Assert.True(lookups[1].GetProperty("at").GetDateTimeOffset() >= call.GetProperty("at").GetDateTimeOffset());
        // A look-up is not a call: the week's count and the returning-caller offer are about calls and callbacks.
        var view = await world.Api.GetFromJsonAsync<JsonElement>($"/admin/api/contacts/{Uri.EscapeDataString(FakeShop.OneOrderCaller)}");
        Assert.Equal(1, view.GetProperty("contactsLastSevenDays").GetInt32());
    }

    [Fact]
    public async Task TheSelfServiceShare_CountsCallsThatEndedAfterALookupWithoutAnAgent()
    {
        var (world, _) = Build();
        await using var _w = world;

        await RunAsync(world,
            // Hears the status and hangs up: served by the phone alone.
            Call(TimeSpan.Zero, FakeShop.OneOrderCaller, "1,2,*"),
            // Hears the status, then asks for the orders team (nobody is free; gives up waiting): not self-service.
            Call(TimeSpan.FromSeconds(5), FakeShop.TwoOrdersCaller, "1,2,200302#,1"),
            // Never looks anything up.
            Call(TimeSpan.FromSeconds(10), Stranger, "4,1"));

        var care = (await world.Api.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("care");
        Assert.Equal(3, care.GetProperty("calls").GetInt32());
        Assert.Equal(1, care.GetProperty("selfService").GetInt32());
        Assert.Equal(1 / 3.0, care.GetProperty("selfServiceShare").GetDouble(), 3);
    }

    [Fact]
    public async Task ALookupTheShopCouldNotAnswer_IsNotSelfService()
    {
        var (world, shop) = Build();
        await using var _w = world;
        shop.Behaviour = FakeShopBehaviour.ServerError;

        // The caller hears the apology and hangs up: the phone did not serve them.
        await RunAsync(world, Call(TimeSpan.Zero, FakeShop.OneOrderCaller, "1,2"));

        var care = (await world.Api.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("care");
        Assert.Equal(1, care.GetProperty("calls").GetInt32());
        Assert.Equal(0, care.GetProperty("selfService").GetInt32());
        Assert.Equal("unavailable", Assert.Single(await ContactsAsync(world, FakeShop.OneOrderCaller),
            c => c.GetProperty("kind").GetString() == "lookup").GetProperty("outcome").GetString());
    }
}
