using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

/// <summary>Background rounds run when their work comes due, not every second: a virtual hour costs a few hundred rounds.</summary>
public sealed class NextDueRoundTests
{
    private static readonly DateTimeOffset Start = HotlineFactory.WednesdayMorning;

    /// <summary>Rounds that record the moment they ran and ask for the next one when told.</summary>
    private sealed class RecordingRounds(TimeProvider time, Func<DateTimeOffset, DateTimeOffset?> next) : RoundsService(time, NullLogger.Instance)
    {
        public Channel<DateTimeOffset> Ran { get; } = Channel.CreateUnbounded<DateTimeOffset>();

        protected override Task<DateTimeOffset?> RoundAsync(CancellationToken cancellationToken)
        {
            var now = Time.GetUtcNow();
            Ran.Writer.TryWrite(now);
            return Task.FromResult(next(now));
        }

        // Waiting for background work to report, bounded so that a broken round fails the test instead of hanging it.
        public async Task<DateTimeOffset> NextRoundAsync() => await Ran.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ARound_RunsWhenTheLastOneSaidItsWorkIsDue_AndNotOnEverySecondBefore()
    {
        var clock = new FakeTimeProvider(Start);
        using var rounds = new RecordingRounds(clock, now => now + TimeSpan.FromSeconds(8));
        await rounds.StartAsync(CancellationToken.None);
        Assert.Equal(Start, await rounds.NextRoundAsync());

        for (var second = 0; second < 7; second++)
            clock.Advance(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));

        // The first round after the first one is the one at the due moment: none ran on the seconds in between.
        Assert.Equal(Start.AddSeconds(8), await rounds.NextRoundAsync());
        await rounds.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AWake_RunsARoundAtOnce_WithoutTimeMoving()
    {
        var clock = new FakeTimeProvider(Start);
        using var rounds = new RecordingRounds(clock, _ => null);
        await rounds.StartAsync(CancellationToken.None);
        await rounds.NextRoundAsync();

        rounds.Wake();

        Assert.Equal(Start, await rounds.NextRoundAsync());
        await rounds.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task WithNothingDue_ARoundStillRunsAfterTheLongestSleep()
    {
        var clock = new FakeTimeProvider(Start);
        using var rounds = new RecordingRounds(clock, _ => null);
        await rounds.StartAsync(CancellationToken.None);
        await rounds.NextRoundAsync();

        clock.Advance(RoundsService.MaxSleep - TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Start + RoundsService.MaxSleep, await rounds.NextRoundAsync());
        await rounds.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ACallerWaitingForAnAgentInWrapUp_IsRedirected_WhenTheWrapUpEnds_WithoutAWake()
    {
        var clock = new FakeTimeProvider(Start);
        var rest = new RecordingTwilioCalls();
        await using var factory = new HotlineFactory(
            settings: new() { ["Admin:ApiKey"] = "test-key", ["Queues:WrapUpSeconds"] = "8" },
            services: s =>
            {
                s.AddSingleton<ITwilioCalls>(rest);
                s.AddSingleton<TimeProvider>(clock);
            });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, "test-key");
        var twilio = new TwilioRequests(client);
        foreach (var agent in (await client.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
        {
            if (agent.GetProperty("id").GetString() != "orders.anna")
                await client.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" });
        }

        // Anna talks to the first caller; the second joins while she does.
        var first = await QueueCallerAsync(twilio, "+48500100201");
        var connect = await twilio.TwimlAsync((await rest.RedirectOfAsync(first)).PathAndQuery, TwilioRequests.Gathered(first));
        var whisper = new Uri(connect.Descendants("Dial").Single().Element("Number")!.Attribute("url")!.Value);
        await twilio.TwimlAsync(whisper.PathAndQuery, TwilioRequests.Gathered(TwilioRequests.NewCallSid()));
        var second = await QueueCallerAsync(twilio, "+48500100202");
        clock.Advance(TimeSpan.FromSeconds(65));
        var dialed = TwilioRequests.Gathered(first);
        dialed["DialCallStatus"] = "completed";
        dialed["DialCallDuration"] = "60";
        await twilio.TwimlAsync(new Uri(connect.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery, dialed);
        Assert.DoesNotContain(rest.Updates, u => u.CallSid == second);

        // Nothing happens but time: her wrap-up ends, and the next round, due then, offers her the second caller.
        clock.Advance(TimeSpan.FromSeconds(8));

        Assert.Contains("/voice/queue/orders/connect", (await rest.RedirectOfAsync(second)).ToString());
    }

    private static async Task<string> QueueCallerAsync(TwilioRequests twilio, string from)
    {
        var callSid = TwilioRequests.NewCallSid();
        var twiml = await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid, from));
        twiml = await twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        twiml = await twilio.TwimlAsync(TwilioRequests.GatherAction(twiml), TwilioRequests.Gathered(callSid, digits: "1"));
        Assert.Equal("orders", twiml.Descendants("Enqueue").Single().Value);
        return callSid;
    }
}
