using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ivr.Simulator;

namespace Ivr.Api.Tests;

/// <summary>
/// Tests whose services run on a simulated clock read off the wall clock: they run alone, after the others, because
/// what other tests' load costs the machine is many times that in simulated time (at 20 times real time, three seconds
/// of a loaded machine are a caller waiting a minute while an agent is free).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WallClockPacedCollection
{
    public const string Name = "paced by the wall clock";
}

/// <summary>
/// Two real service processes (dotnet Ivr.Api.dll) on one PostgreSQL database, behind a load balancer that sends
/// each webhook to the other instance than the last, driven through the switchboard on a simulated clock both
/// processes share: callers go through the menu into the queue, reach an agent or book a callback that is put
/// through, and notice nothing of there being two.
/// </summary>
[Collection(WallClockPacedCollection.Name)]
public sealed class TwoInstancesTests
{
    private const string AccountSid = "AC0be0c0be0c0be0c0be0c0be0c0be0c0b";
    private const string AuthToken = "two-instances-token";
    private const string ApiKey = "two-instances-key";
    private const int Speed = 20;
    private static readonly DateTimeOffset Start = HotlineFactory.WednesdayMorning;

    [Fact]
    public async Task Callers_reach_an_agent_once_with_webhooks_alternating_between_two_instances()
    {
        var work = Directory.CreateTempSubdirectory("ivr-two-instances-");
        var clock = new VirtualClock(Start);
        // Both processes and the switchboard read simulated time off the wall clock from this origin.
        var origin = DateTimeOffset.UtcNow;
        DateTimeOffset PacedNow() => Start + (DateTimeOffset.UtcNow - origin) * Speed;
        var restPort = FreePort();
        Switchboard board = null!;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ivr"] = PostgresCluster.CreateDatabase(),
            ["Ivr:MenuFile"] = Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"),
            ["Ivr:PublicBaseUrl"] = "http://hotline.test",
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:PhoneNumber"] = "+48221234567",
            ["Twilio:ApiBaseUrl"] = $"http://127.0.0.1:{restPort}",
            ["Admin:ApiKey"] = ApiKey,
            ["Simulation:ClockStart"] = Start.ToString("O", CultureInfo.InvariantCulture),
            ["Simulation:ClockOrigin"] = origin.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["Simulation:ClockSpeed"] = Speed.ToString(CultureInfo.InvariantCulture),
        };
        var urls = new[] { new Uri($"http://127.0.0.1:{FreePort()}"), new Uri($"http://127.0.0.1:{FreePort()}") };
        var services = urls.Select((url, index) => new ServiceProcess(Path.Combine(AppContext.BaseDirectory, "Ivr.Api.dll"), url,
            settings, Path.Combine(work.FullName, $"service-{index + 1}.log"))).ToList();
        try
        {
            // Both start at once on the empty database: the migrations run once.
            await Task.WhenAll(services.Select(s => s.StartAsync()));
            await using var rest = new SwitchboardListener(() => board, restPort);
            var balancer = new LoadBalancer(urls);
            using var webhooks = new HttpClient(balancer);

            // Six callers a few seconds apart, from when both instances are up; three agents talk two minutes each,
            // so the last ones wait, and those who take the callback offer are called back.
            var first = PacedNow() - Start + TimeSpan.FromSeconds(10);
            var arrivals = Enumerable.Range(0, 6).Select(i => new IncomingCall(first + TimeSpan.FromSeconds(5 * i),
                    new ScriptedCaller(i % 2 == 1 ? ["1", "1", "1", "1"] : ["1", "1", "-"]))
                { From = $"+4850{i.ToString("D7", CultureInfo.InvariantCulture)}", Patience = TimeSpan.FromMinutes(30) })
                .ToList();
            var agent = SimulatedAgent.Answering(TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(2));
            board = new Switchboard(webhooks, clock, new SwitchboardOptions
            {
                AccountSid = AccountSid,
                AuthToken = AuthToken,
                VoiceUrl = new Uri("http://hotline.test/voice/incoming"),
                StatusCallbackUrl = new Uri("http://hotline.test/voice/status"),
                Agents = new Dictionary<string, SimulatedAgent>
                {
                    ["+48221234501"] = agent,
                    ["+48221234502"] = agent,
                    ["sip:katarzyna@sklep-przykladowy.sip.twilio.com"] = agent,
                },
                Customers = _ => SimulatedCustomer.Answering(TimeSpan.FromSeconds(6), new ScriptedCaller([])),
                SettlePeriod = TimeSpan.FromMilliseconds(5),
            });
            using var api = new HttpClient(new LoadBalancer(urls)) { BaseAddress = new Uri("http://hotline.test") };
            api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

            var calls = await board.RunPacedAsync(arrivals, PacedNow, first + TimeSpan.FromMinutes(40),
                finished: async () => (await OrdersAsync(api)).GetProperty("callbacks").GetProperty("openNow").GetInt32() == 0);

            // Every caller reached an agent: on the line, or called back.
            var inbound = calls.Where(c => c.Direction == "inbound").ToList();
            var outbound = calls.Where(c => c.Direction == "outbound-api").ToList();
            var createdTo = board.Creates.ToDictionary(c => c.CallSid, c => c.To);
            var calledBack = outbound.Where(c => c.AnsweredAt is not null).Select(c => createdTo[c.CallSid]).ToList();
            Assert.Equal(6, inbound.Count);
            Assert.All(inbound, call => Assert.False(call.HadApplicationError, $"{call.CallSid} heard an application error"));
            foreach (var call in inbound)
            {
                var from = call.Requests.First().Form["From"];
                Assert.True(call.AnsweredAt is not null || calledBack.Contains(from), $"{from} never reached an agent");
            }
            // Nobody was called back twice, and at least one took the offer (the wait was long enough to be offered one).
            Assert.Equal(calledBack.Count, calledBack.Distinct().Count());
            Assert.NotEmpty(calledBack);

            // The invariants of the faults suite: nobody offered twice, no agent offered two calls, no callback dialled twice...
            var bookings = await api.GetFromJsonAsync<JsonElement>("/admin/api/callbacks?limit=100");
            var orders = await OrdersAsync(api);
            var invariants = new HourInvariants
            {
                Calls = calls,
                Webhooks = board.WebhookAnswers,
                Creates = board.Creates,
                AgentsByQueue = new Dictionary<string, IReadOnlyList<string>> { ["orders"] = board.Options.Agents.Keys.ToList() },
                ServiceFigures = HourInvariants.FiguresOf(orders),
                ServiceBookings = HourInvariants.BookingsOf(bookings),
            }.Check();
            Assert.True(invariants.All(i => i.Held), HourInvariants.Table(invariants));

            // Both instances answered webhooks, and report the same figures.
            Assert.All(balancer.Answered, count => Assert.True(count > 10, $"an instance answered only {count} webhooks"));
            foreach (var url in urls)
            {
                using var direct = new HttpClient { BaseAddress = url };
                direct.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
                var own = await OrdersAsync(direct);
                foreach (var name in new[] { "offered", "answered", "abandoned" })
                    Assert.Equal(orders.GetProperty(name).GetDouble(), own.GetProperty(name).GetDouble());
                Assert.Equal(orders.GetProperty("callbacks").GetProperty("connected").GetInt32(), own.GetProperty("callbacks").GetProperty("connected").GetInt32());
            }
            Assert.Equal(6, orders.GetProperty("offered").GetInt32());
        }
        finally
        {
            foreach (var service in services)
                await service.DisposeAsync();
        }
        work.Delete(recursive: true);
    }

    private static async Task<JsonElement> OrdersAsync(HttpClient api)
    {
        var stats = await api.GetFromJsonAsync<JsonElement>("/api/stats");
        return stats.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "orders");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
