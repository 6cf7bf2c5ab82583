using Dapper;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests.Twilio;

/// <summary>
/// Webhooks never wait on Twilio's REST API: with every REST request hanging (Twilio unreachable, no answer), new
/// calls, status callbacks and bookings are still answered at once. Only the distributor and the dispatcher call
/// the REST API, from the background.
/// </summary>
public sealed class WebhooksWhileTwilioHangsTests
{
    /// <summary>A REST API that never answers; it notes that it was asked.</summary>
    private sealed class HangingTwilio : ITwilioCalls
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct) => HangAsync(ct);

        public Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct) => HangAsync(ct);

        public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct) => HangAsync(ct);

        private async Task<TwilioCall> HangAsync(CancellationToken ct)
        {
            Asked.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new OperationCanceledException(ct);
        }
    }

    [Fact]
    public async Task WhileTheRestApiHangs_TheVoiceWebhooksAndTheBookingApiStillAnswer()
    {
        var twilio = new HangingTwilio();
        await using var factory = new HotlineFactory(services: s => s.AddSingleton<ITwilioCalls>(twilio));
        var client = factory.CreateClient();
        var webhooks = new TwilioRequests(client);
        // A caller waits for the orders team and agents are free: the distributor asks Twilio to redirect the call.
        var waiting = TwilioRequests.NewCallSid();
        var at = factory.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        using (var db = factory.OpenDatabase())
            await db.ExecuteAsync(
                """
                INSERT INTO queue_entries (call_sid, department, language, enqueued_at, state, place_at)
                VALUES (@waiting, 'orders', 'pl-PL', @at, 'waiting', @at)
                """, new { waiting, at });
        factory.Services.GetRequiredService<QueueDistributor>().Wake();
        await twilio.Asked.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var incoming = await webhooks.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()))
            .WaitAsync(TimeSpan.FromSeconds(30));
        var status = TwilioRequests.IncomingCall(waiting);
        status["CallStatus"] = "completed";
        using var statusAnswer = await webhooks.PostAsync("/voice/status", status).WaitAsync(TimeSpan.FromSeconds(30));
        using var booked = await client.PostAsync("/api/callbacks", Json("""{ "phone": "500 100 200", "consent": true }"""))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEmpty(incoming.Root!.Elements());
        Assert.True(statusAnswer.IsSuccessStatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Created, booked.StatusCode);
    }
}
