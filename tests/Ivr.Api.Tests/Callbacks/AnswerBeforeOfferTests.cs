using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// A customer called back whose reserved agent does not answer goes back in line and hears why. With another agent
/// free, the next offer redirects their call through the REST API; Twilio drops an answer that a redirect overtakes
/// (the apology with it), so the offer may only start once that answer has gone out.
/// </summary>
public sealed class AnswerBeforeOfferTests : IAsyncLifetime
{
    private const string Customer = "+48500100200";
    private const string ApiKey = "test-key";
    private const string AgentUnavailable = "Przepraszamy, konsultant nie może teraz odebrać. Wracasz na swoje miejsce w kolejce.";
    private readonly RecordingTwilioCalls _rest = new() { PlacesCalls = true };
    private readonly AnswerWatch _watch = new();
    private HotlineFactory _factory = null!;
    private TwilioRequests _twilio = null!;
    private HttpClient _api = null!;

    /// <summary>
    /// Watches the answers to the agent's missed ring. A round asked for while such an answer is still on its way is
    /// let run first (as it may, under load, in production), so that what it does shows deterministically.
    /// </summary>
    private sealed class AnswerWatch : IStartupFilter
    {
        public volatile bool AnswerOut;
        public Func<Task>? UntilOfferMade;

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (!context.Request.Path.Value!.EndsWith("/dialed", StringComparison.Ordinal))
                {
                    await nextMiddleware(context);
                    return;
                }
                var distributor = context.RequestServices.GetRequiredService<QueueDistributor>();
                var wakes = distributor.WakesAsked;
                await nextMiddleware(context);
                if (distributor.WakesAsked != wakes && UntilOfferMade is { } offerMade)
                    await offerMade();
                // Registered last, so it runs before the service's own callbacks once the answer is out.
                context.Response.OnCompleted(() =>
                {
                    AnswerOut = true;
                    return Task.CompletedTask;
                });
            });
            next(app);
        };
    }

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey }, services: s =>
        {
            s.AddSingleton<ITwilioCalls>(_rest);
            s.AddSingleton<IStartupFilter>(_watch);
        });
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        _twilio = new TwilioRequests(_api);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task OnDutyAsync(params string[] agents)
    {
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
        {
            var id = agent.GetProperty("id").GetString()!;
            using var response = await _api.PutAsJsonAsync($"/api/agents/{id}/status",
                new { status = agents.Contains(id) ? "available" : "away" });
            response.EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task ACustomerWhoseAgentMissedTheRing_HearsTheApology_BeforeTheNextAgentIsOffered()
    {
        // Anna (first by id among agents free equally long) is reserved for the callback; Katarzyna is free too.
        await OnDutyAsync("orders.anna", "orders.katarzyna");
        await _factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            Customer, _factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);
        await _factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);
        await _rest.Asked.UntilAsync(() => !_rest.Creates.IsEmpty, "the callback to be placed");
        var create = Assert.Single(_rest.Creates);
        var callSid = TwilioRequests.NewCallSid();
        var answer = await _twilio.TwimlAsync(create.Url!.PathAndQuery, TwilioRequests.Gathered(callSid));
        var dial = answer.Descendants("Dial").Single();
        Assert.Equal("+48221234501", dial.Elements().Single().Value.Trim());

        bool? answerOutWhenOffered = null;
        var offered = new Pulse();
        _rest.CarriedOut = (sid, _) =>
        {
            if (sid == callSid)
                answerOutWhenOffered ??= _watch.AnswerOut;
            offered.Beat();
            return Task.CompletedTask;
        };
        _watch.UntilOfferMade = () => _rest.RedirectOfAsync(callSid);
        var missed = TwilioRequests.Gathered(callSid);
        missed["DialCallStatus"] = "no-answer";
        var back = await _twilio.TwimlAsync(new Uri(dial.Attribute("action")!.Value).PathAndQuery, missed);

        Assert.Equal(AgentUnavailable, TwilioRequests.Spoken(back).Last());
        Assert.Equal("orders", back.Descendants("Enqueue").Single().Value);
        // Katarzyna is offered the customer, but only once Twilio has the answer that puts them back in line.
        Assert.Contains("/voice/queue/orders/connect?entry=", (await _rest.RedirectOfAsync(callSid)).ToString());
        await offered.UntilAsync(() => answerOutWhenOffered is not null, "the customer to be offered to the next agent");
        Assert.True(answerOutWhenOffered, "the redirect to the next agent overtook the answer with the apology");
    }
}
