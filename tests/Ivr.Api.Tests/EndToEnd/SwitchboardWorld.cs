using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// The real service and the switchboard (the simulator standing in for Twilio: queues, the REST API, agents' and
/// customers' phones) on one virtual clock, starting on Wednesday 2026-11-25 at 10:00 in Warsaw.
/// </summary>
public sealed class SwitchboardWorld : IAsyncDisposable
{
    public const string AccountSid = "AC0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e";
    public const string AuthToken = "end-to-end-token";
    public const string ApiKey = "e2e-key";
    public const string ShopNumber = "+48221234567";
    public const string Anna = "+48221234501";
    public const string Piotr = "+48221234502";
    public const string Katarzyna = "sip:katarzyna@sklep-przykladowy.sip.twilio.com";

    public static readonly DateTimeOffset Opening = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    public required HotlineFactory Factory { get; init; }
    public required Switchboard Board { get; init; }
    public required HttpClient Api { get; init; }
    public required VirtualClock Clock { get; init; }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();

    public static SwitchboardWorld Build(
        IReadOnlyDictionary<string, SimulatedAgent> agents, Func<Random, TimeSpan> patience,
        Func<string, SimulatedCustomer>? customers = null, Dictionary<string, string?>? settings = null,
        string? databasePath = null, SwitchboardFaults? faults = null, Action<IServiceCollection, VirtualClock>? services = null)
    {
        var clock = new VirtualClock(Opening);
        Switchboard board = null!;
        var all = new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:PhoneNumber"] = ShopNumber,
            ["Admin:ApiKey"] = ApiKey,
            // As a shop runs it: Twilio retries refused or failed webhooks, and the switchboard strips the fragment as Twilio does.
            ["Twilio:ConnectionOverrides"] = Ivr.Api.Twilio.ConnectionOverrides.Default,
        };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        var factory = new HotlineFactory(databasePath,
            settings: all,
            services: collection =>
            {
                collection.AddSingleton<TimeProvider>(clock);
                // The service's own REST client, behind its circuit breaker, talks to the switchboard instead of Twilio.
                collection.AddHttpClient<TwilioCallsClient>()
                    .ConfigurePrimaryHttpMessageHandler(() => Switchboard.RestHandlerOf(() => board));
                services?.Invoke(collection, clock);
            });
        board = new Switchboard(factory.CreateClient(), clock, new SwitchboardOptions
        {
            AccountSid = AccountSid,
            AuthToken = AuthToken,
            VoiceUrl = new Uri(HotlineFactory.PublicBaseUrl + "/voice/incoming"),
            StatusCallbackUrl = new Uri(HotlineFactory.PublicBaseUrl + "/voice/status"),
            Agents = agents,
            Customers = customers ?? (_ => SimulatedCustomer.NeverAnswers),
            Patience = patience,
            SettlePeriod = TimeSpan.FromMilliseconds(5),
            Faults = faults ?? SwitchboardFaults.None,
        });
        var api = factory.CreateClient();
        api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        return new SwitchboardWorld { Factory = factory, Board = board, Api = api, Clock = clock };
    }
}
