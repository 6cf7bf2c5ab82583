using System.Net.Http.Json;
using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Api.Queues;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// The callback paths a caller takes on the phone: the closed team's offer, calling again with a callback booked,
/// pressing 1 during a hold update, and the customer called back whose reserved agent does not answer.
/// </summary>
public sealed class CallbackPathTests
{
    private const string Caller = "+48601222333";
    private const string SpokenCaller = "6 0 1 2 2 2 3 3 3";
    private const string ApiKey = "callback-path-key";
    private const string OfferInQueue = "Jeśli wolisz, żebyśmy oddzwonili, naciśnij 1. Zachowasz swoje miejsce w kolejce.";
    private const string Kept = "Dobrze, oddzwonimy. Do widzenia.";
    private const string OrdersJoined = "Łączymy z: dział zamówień. Prosimy pozostać na linii.";
    private const string AgentUnavailable = "Przepraszamy, konsultant nie może teraz odebrać. Wracasz na swoje miejsce w kolejce.";

    private static readonly TimeSpan Warsaw = TimeSpan.FromHours(1); // CET, all of late November
    private static readonly DateTimeOffset WednesdayEvening = new(2026, 11, 25, 21, 0, 0, Warsaw);
    private static readonly Uri Incoming = new(HotlineFactory.PublicBaseUrl + "/voice/incoming");
    private static readonly string[] OrdersAgents = ["orders.anna", "orders.katarzyna", "orders.piotr"];

    private sealed record Booked(string Reference, string Department, string Number, string Source, string Status,
        long RequestedAt, long DueAt, string? CallSid, string? LastResult);

    private static async Task<CallRecord> CallAsync(HotlineFactory factory, string script, string from = Caller)
    {
        var simulator = new VoiceSimulator(factory.CreateClient(), new SimulatorOptions
        {
            StatusCallbackUrl = new Uri(HotlineFactory.PublicBaseUrl + "/voice/status"),
        });
        var call = await simulator.CallAsync(Incoming, ScriptedCaller.FromScript(script), new CallSetup { From = from });
        Assert.False(call.HadApplicationError, call.Transcript());
        return call;
    }

    private static Booked CallbackOf(HotlineFactory factory, string? reference = null)
    {
        using var db = factory.OpenDatabase();
        return db.QuerySingle<Booked>(
            """
            SELECT reference AS Reference, department AS Department, number AS Number, source AS Source, status AS Status,
                   requested_at AS RequestedAt, due_at AS DueAt, call_sid AS CallSid, last_result AS LastResult
            FROM callbacks WHERE @reference IS NULL OR reference = @reference
            """, new { reference });
    }

    private static string Digits(string reference) => string.Join(" ", reference.ToCharArray());

    private static async Task SetAwayAsync(HttpClient api, params string[] agents)
    {
        foreach (var agent in agents)
            using (var response = await api.PutAsJsonAsync($"/api/agents/{agent}/status", new { status = "away" }))
                response.EnsureSuccessStatusCode();
    }

    // On Wednesday at 21:00 the orders team has closed: the caller books a callback at the opening, which stays pending.
    private static async Task<Booked> BookWhileClosedAsync(HotlineFactory factory)
    {
        factory.Clock.Now = WednesdayEvening;
        var booking = await CallAsync(factory, "0,1,1,1");
        Assert.Contains(booking.Spoken, text => text.StartsWith("Dziękujemy, oddzwonimy."));
        return CallbackOf(factory);
    }

    // Moves virtual time on (settling the service's work at each step) until the condition holds.
    private static async Task RunUntilAsync(SwitchboardWorld world, Func<bool> done, TimeSpan limit)
    {
        var deadline = world.Clock.GetUtcNow() + limit;
        var timerSet = new Pulse();
        world.Clock.TimerSet += timerSet.Beat;
        while (true)
        {
            await world.Board.SettleAsync();
            if (done())
                return;
            var next = world.Clock.NextDue;
            if (next is null)
            {
                // The service's background rounds set their next timer when they finish: await a running one.
                await timerSet.UntilAsync(() => world.Clock.NextDue is not null, "a background round to set its next timer");
                await world.Board.SettleAsync();
                next = world.Clock.NextDue;
            }
            if (next is null || next > deadline)
            {
                using var db = world.Factory.OpenDatabase();
                var state = string.Join("; ", db.Query<(string, int, string?, string?)>(
                    "SELECT status, attempts, last_result, agent_id FROM callbacks"));
                Assert.Fail($"the condition did not come true in time (at {world.Clock.GetUtcNow():HH:mm:ss}): {state}");
            }
            world.Clock.AdvanceTo(next!.Value);
        }
    }

    private static string StatusOf(SwitchboardWorld world)
    {
        using var db = world.Factory.OpenDatabase();
        return db.QuerySingleOrDefault<string>("SELECT status FROM callbacks") ?? "none";
    }

    private static string EntryStateOf(SwitchboardWorld world)
    {
        using var db = world.Factory.OpenDatabase();
        return db.QuerySingleOrDefault<string>("SELECT state FROM queue_entries") ?? "none";
    }

    private static DateTimeOffset EndOf(CallRecord call) => call.StartedAt + call.VirtualDuration;

    [Fact]
    public async Task OnSaturdayEvening_ACallerForTheOrdersTeam_TakesTheOffer_AndIsBookedForMondayAtEight()
    {
        await using var factory = new HotlineFactory();
        var saturdayEvening = new DateTimeOffset(2026, 11, 28, 19, 0, 0, Warsaw);
        factory.Clock.Now = saturdayEvening;

        // 0: the operator menu; 1: wait for an agent (orders, closed); 1: take the offer; 1: confirm the number.
        var call = await CallAsync(factory, "0,1,1,1");

        Assert.Contains("Dział zamówień: teraz nieczynne. Zapraszamy w poniedziałek o 8:00.", call.Spoken);
        Assert.Contains("Jeśli chcesz, żebyśmy oddzwonili w poniedziałek o 8:00, naciśnij 1.", call.Spoken);
        Assert.Contains($"Oddzwonimy na numer {SpokenCaller}. Naciśnij 1, aby potwierdzić, lub 2, aby podać inny numer.", call.Spoken);
        Assert.Empty(call.Events.OfType<Enqueued>());

        var booking = CallbackOf(factory);
        Assert.Equal(("orders", Caller, "closed", "pending", call.CallSid),
            (booking.Department, booking.Number, booking.Source, booking.Status, booking.CallSid));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 0, 0, Warsaw), DateTimeOffset.FromUnixTimeMilliseconds(booking.DueAt));
        Assert.Equal(saturdayEvening, DateTimeOffset.FromUnixTimeMilliseconds(booking.RequestedAt));

        var thanks = call.Spoken.Last();
        Assert.StartsWith($"Dziękujemy, oddzwonimy. Numer zgłoszenia: {Digits(booking.Reference)}. " +
                          "Przewidywany czas telefonu: w poniedziałek o 8:", thanks);
        Assert.EndsWith(". Do widzenia.", thanks);
        Assert.Equal("twiml", call.Events.OfType<HungUp>().Single().By);
    }

    [Fact]
    public async Task ACallerWhoKeysInANumberThatHasABooking_HearsThatWeWillCall_NotItsReference()
    {
        await using var factory = new HotlineFactory();
        factory.Clock.Now = WednesdayEvening;
        var other = await factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            "+48500100999", factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);

        // 0: the operator menu; 1: orders (closed); 1: take the offer; 2: another number, keyed in; 1: confirm it.
        var call = await CallAsync(factory, "0,1,1,2,500100999,1");

        Assert.Equal(Kept, call.Spoken.Last());
        Assert.DoesNotContain(call.Spoken, text => text.Contains(Digits(other.Reference)));
        using var db = factory.OpenDatabase();
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM callbacks"));
    }

    [Theory]
    [InlineData("1")] // keep it
    [InlineData("3")] // wait on the line instead, but nobody would answer before the opening
    public async Task ACallerWithABookedCallback_WhileTheTeamIsClosed_KeepsIt(string key)
    {
        await using var factory = new HotlineFactory();
        var booked = await BookWhileClosedAsync(factory);
        factory.Clock.Advance(TimeSpan.FromMinutes(10));

        var call = await CallAsync(factory, key);

        Assert.Equal(2, call.Spoken.Count());
        Assert.StartsWith($"Masz zamówione oddzwonienie: dział zamówień, numer zgłoszenia {Digits(booked.Reference)}. " +
                          "Przewidywany czas telefonu: jutro o 8:", call.Spoken.First());
        Assert.EndsWith("Naciśnij 1, aby je zachować, 2, aby je anulować, lub 3, aby zamiast tego poczekać na linii.", call.Spoken.First());
        Assert.Equal(Kept, call.Spoken.Last());
        Assert.Equal("twiml", call.Events.OfType<HungUp>().Single().By);
        Assert.Empty(call.Events.OfType<Enqueued>());
        var after = CallbackOf(factory, booked.Reference);
        Assert.Equal(("pending", booked.DueAt, booked.RequestedAt), (after.Status, after.DueAt, after.RequestedAt));
    }

    [Fact]
    public async Task ACallerWithABookedCallback_PressesThreeWhileTheTeamIsOpen_AndWaitsOnTheLineAtTheCallbacksPlace()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey });
        var api = factory.CreateClient();
        api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        // Nobody on duty, so the callback is not placed (and cannot change state) before the caller calls again.
        await SetAwayAsync(api, OrdersAgents);
        var booking = await CallAsync(factory, "0,2,1"); // Wednesday 10:00: the operator menu's "call me back"
        Assert.Contains(booking.Spoken, text => text.StartsWith("Dziękujemy, oddzwonimy."));
        var booked = CallbackOf(factory);
        Assert.Equal("pending", booked.Status);
        factory.Clock.Advance(TimeSpan.FromMinutes(10));

        var call = await CallAsync(factory, "3");

        Assert.StartsWith($"Masz zamówione oddzwonienie: dział zamówień, numer zgłoszenia {Digits(booked.Reference)}.", call.Spoken.First());
        Assert.Equal(OrdersJoined, call.Spoken.ElementAt(1));
        Assert.Equal("orders", call.Events.OfType<Enqueued>().Single().Queue);
        var after = CallbackOf(factory, booked.Reference);
        Assert.Equal(("canceled", "waiting on the line instead"), (after.Status, after.LastResult));
        using var db = factory.OpenDatabase();
        var (place, joined) = db.QuerySingle<(long, long)>(
            "SELECT place_at, enqueued_at FROM queue_entries WHERE call_sid = @CallSid AND department = 'orders'", new { call.CallSid });
        Assert.Equal(booked.RequestedAt, place);
        Assert.Equal(HotlineFactory.WednesdayMorning, DateTimeOffset.FromUnixTimeMilliseconds(place)); // not 10:10, when they called again
        // Their wait is measured from when they joined this time.
        Assert.Equal(HotlineFactory.WednesdayMorning.AddMinutes(10), DateTimeOffset.FromUnixTimeMilliseconds(joined), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ACallerWhoPressesOneDuringAHoldUpdate_LeavesTheLine_KeepsTheirPlace_AndIsCalledBackWhenTheAgentIsFree()
    {
        var agents = new Dictionary<string, SimulatedAgent>
        {
            [SwitchboardWorld.Anna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(5)),
        };
        const string first = "+48500100000";
        const string booker = "+48500100001";
        await using var world = SwitchboardWorld.Build(agents, Draw.Fixed(TimeSpan.FromHours(2)),
            customers: number => number == booker
                ? SimulatedCustomer.Answering(TimeSpan.FromSeconds(5), new ScriptedCaller([]))
                : SimulatedCustomer.NeverAnswers);
        await SetAwayAsync(world.Api, "orders.piotr", "orders.katarzyna");

        // The first caller gets Anna for 5 minutes (longer than the 2 minutes past which callbacks are offered). The
        // second lets the offer on joining pass, holds, presses 1 when a hold update offers the callback again, and
        // confirms the number they call from.
        var calls = await world.Board.RunAsync(
        [
            new IncomingCall(TimeSpan.Zero, new ScriptedCaller(["1", "1"])) { From = first },
            new IncomingCall(TimeSpan.FromSeconds(20), new ScriptedCaller(["1", "1", "-", "1", "1"])) { From = booker },
        ], until: TimeSpan.FromHours(1));
        var talking = calls.Single(c => c.Requests.First().Form["From"] == first);
        var holding = calls.Single(c => c.Requests.First().Form["From"] == booker);

        Assert.False(holding.HadApplicationError, holding.Transcript());
        var enqueued = holding.Events.OfType<Enqueued>().Single();
        Assert.Contains(holding.Events.OfType<Said>(), said => said.Text == OfferInQueue && said.At < enqueued.At);
        Assert.Contains(holding.Events.OfType<Said>(), said => said.Text == OfferInQueue && said.At > enqueued.At);
        var pressed = holding.Requests.Single(r => r.Url.Contains("/voice/queue/orders/callback"));
        Assert.Equal("1", pressed.Form["Digits"]);
        Assert.DoesNotContain("joining=1", pressed.Url);
        var left = holding.Events.OfType<LeftQueue>().Single();
        Assert.Equal("leave", left.Result);
        Assert.True(left.Waited >= TimeSpan.FromSeconds(QueueWebhooks.HoldRoundSeconds), holding.Transcript());

        using (var db = world.Factory.OpenDatabase())
        {
            var entry = db.QuerySingle<(string State, long EnqueuedAt)>(
                "SELECT state, enqueued_at FROM queue_entries WHERE call_sid = @CallSid", new { holding.CallSid });
            var callback = db.QuerySingle<(string Source, string Number, long RequestedAt, string Reference, string CallSid)>(
                "SELECT source, number, requested_at, reference, call_sid FROM callbacks");
            Assert.Equal("callback", entry.State);
            Assert.Equal(entry.EnqueuedAt, callback.RequestedAt);
            Assert.Equal(("queue", booker, holding.CallSid), (callback.Source, callback.Number, callback.CallSid));
            Assert.Contains(holding.Spoken, text => text.StartsWith($"Dziękujemy, oddzwonimy. Numer zgłoszenia: {Digits(callback.Reference)}."));
        }
        Assert.Equal("twiml", holding.Events.OfType<HungUp>().Single().By);

        await RunUntilAsync(world, () => StatusOf(world) == CallbackLifecycle.Stored.Connected, TimeSpan.FromHours(1));
        await world.Board.SettleAsync();
        var callBack = Assert.Single(await Task.WhenAll(world.Board.Calls), c => c.Direction == "outbound-api");
        Assert.Equal(booker, callBack.Requests.First().Form["To"]);
        Assert.True(callBack.StartedAt >= EndOf(talking), "the customer is called once Anna has finished the first call");
        Assert.Equal(SwitchboardWorld.Anna, callBack.Events.OfType<AgentAnswered>().Single().Address);
        Assert.Contains(callBack.Spoken, text => text.StartsWith("Dzień dobry, tu Sklep Przykładowy. Oddzwaniamy w sprawie zgłoszenia numer"));
    }

    [Fact]
    public async Task AnAgentWhoMissesACallback_IsKeptAway_AndTheCustomerWaitsAtTheirPlace_ForTheNextAgent()
    {
        const string customer = "+48500100200";
        // Anna, first by id among agents free equally long, is reserved for the callback and does not answer.
        var agents = new Dictionary<string, SimulatedAgent>
        {
            [SwitchboardWorld.Anna] = SimulatedAgent.NoAnswer,
            [SwitchboardWorld.Piotr] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)),
            [SwitchboardWorld.Katarzyna] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)),
        };
        await using var world = SwitchboardWorld.Build(agents, Draw.Fixed(TimeSpan.FromHours(1)),
            customers: number => number == customer
                ? SimulatedCustomer.Answering(TimeSpan.FromSeconds(5), new ScriptedCaller([]))
                : SimulatedCustomer.NeverAnswers);
        // Only Anna is on duty until the customer is back in line. With another agent free at once, the offer that
        // the missed call wakes could reach Twilio before the answer that puts the customer back in line, and Twilio
        // drops an answer overtaken by a redirect (apology included), so what the customer hears would be left to a race.
        await SetAwayAsync(world.Api, "orders.piotr", "orders.katarzyna");
        var booking = await world.Factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            customer, world.Factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);

        await RunUntilAsync(world, () => EntryStateOf(world) == "waiting", TimeSpan.FromMinutes(15));
        // Katarzyna first (and first by id too, should both be free by the next round).
        foreach (var agent in new[] { "orders.katarzyna", "orders.piotr" })
            using (var response = await world.Api.PutAsJsonAsync($"/api/agents/{agent}/status", new { status = "available" }))
                response.EnsureSuccessStatusCode();
        await RunUntilAsync(world, () => StatusOf(world) == CallbackLifecycle.Stored.Connected, TimeSpan.FromMinutes(15));
        await world.Board.SettleAsync();

        var call = await Assert.Single(world.Board.Calls);
        Assert.Equal("outbound-api", call.Direction);
        Assert.False(call.HadApplicationError, call.Transcript());
        Assert.Equal(
            [$"Dzień dobry, tu Sklep Przykładowy. Oddzwaniamy w sprawie zgłoszenia numer {Digits(booking.Reference)}: dział zamówień.",
             "Łączymy z konsultantem.", AgentUnavailable],
            call.Spoken.Take(3));
        Assert.Equal("Łączymy z konsultantem.", call.Spoken.Last());
        Assert.Equal([SwitchboardWorld.Anna, SwitchboardWorld.Katarzyna],
            call.Events.OfType<Dialed>().Select(d => d.Targets.Single().Address));
        Assert.Equal(["no-answer", "completed"], call.Events.OfType<DialEnded>().Select(d => d.Status));
        Assert.Equal(SwitchboardWorld.Katarzyna, call.Events.OfType<AgentAnswered>().Single().Address);

        using var db = world.Factory.OpenDatabase();
        var callback = db.QuerySingle<(string Status, int Attempts, long RequestedAt)>(
            "SELECT status, attempts, requested_at FROM callbacks WHERE reference = @Reference", new { booking.Reference });
        Assert.Equal((CallbackLifecycle.Stored.Connected, 1), (callback.Status, callback.Attempts));
        Assert.Equal(("orders.anna", "connected"), db.QuerySingle<(string, string)>("SELECT agent_id, result FROM callback_attempts"));
        var entry = db.QuerySingle<(long PlaceAt, string State, string AgentId)>(
            "SELECT place_at, state, agent_id FROM queue_entries WHERE call_sid = @CallSid", new { call.CallSid });
        Assert.Equal((callback.RequestedAt, "answered", "orders.katarzyna"), entry);

        var missedAt = call.StartedAt + call.Events.OfType<DialEnded>().First().At;
        var anna = db.QuerySingle<(string Status, long? AwayUntil)>("SELECT status, away_until FROM agents WHERE id = 'orders.anna'");
        Assert.Equal("available", anna.Status);
        Assert.NotNull(anna.AwayUntil);
        var awayUntil = DateTimeOffset.FromUnixTimeMilliseconds(anna.AwayUntil.Value);
        Assert.InRange(awayUntil, missedAt + TimeSpan.FromSeconds(299), missedAt + TimeSpan.FromSeconds(301));
        Assert.True(awayUntil > world.Clock.GetUtcNow(), "Anna is still kept away when the customer has been put through");
    }
}
