using Ivr.Api.Callbacks;
using Ivr.Api.Queues;
using Ivr.Api.Shop;

namespace Ivr.Api.Voice;

/// <summary>
/// The Twilio voice webhooks. Every request is signature-checked; every answer is TwiML, even when something
/// fails inside (see <see cref="VoiceCalls"/>).
/// </summary>
public static class VoiceEndpoints
{
    public static IEndpointRouteBuilder MapVoice(this IEndpointRouteBuilder app)
    {
        var voice = app.MapGroup("/voice")
            .AddEndpointFilter<TwilioSignatureFilter>()
            // After the signature check: a delivery Twilio repeats gets the first one's answer and changes nothing.
            .AddEndpointFilter(app.ServiceProvider.GetRequiredService<WebhookReplays>())
            .DisableAntiforgery();

        // The number's voice webhook: a new call enters the start menu.
        // A caller with a callback booked is asked first whether to keep it.
        voice.MapPost("/incoming", async (HttpRequest request, VoiceCalls calls, CallbackCalls callbacks, CancellationToken ct) =>
            await callbacks.ReturningCallerAsync(request, ct) ?? await calls.IncomingAsync(request, ct));

        // Gather's action (keys or speech) and the redirect after it (no input).
        voice.MapPost("/gather", (HttpRequest request, VoiceCalls calls, CancellationToken ct) =>
            calls.GatherAsync(request, ct));

        // Enqueue's waitUrl: what a caller hears while holding.
        voice.MapPost("/queue/{department}/wait", (string department, HttpRequest request, QueueCalls queue, CancellationToken ct) =>
            queue.HoldAsync(department, request, ct));

        // Enqueue's action: the caller left the queue (answered, hung up, error).
        voice.MapPost("/queue/{department}/done", (string department, HttpRequest request, QueueCalls queue, CancellationToken ct) =>
            queue.QueueDoneAsync(department, request, ct));

        // After the REST redirect: dial the agent the caller was offered to.
        voice.MapPost("/queue/{department}/connect", (string department, long entry, long? offer, HttpRequest request, QueueCalls queue, CancellationToken ct) =>
            queue.ConnectAsync(department, entry, offer, request, ct));

        // The agent's leg: what they hear before the caller is put through.
        voice.MapPost("/queue/{department}/whisper", (string department, long entry, long? offer, QueueCalls queue, CancellationToken ct) =>
            queue.WhisperAsync(department, entry, offer, ct));

        // Dial's action: the agent answered and the call ended, or the agent did not answer.
        voice.MapPost("/queue/{department}/dialed", (string department, long entry, long? offer, HttpRequest request, QueueCalls queue, CancellationToken ct) =>
            queue.DialedAsync(department, entry, offer, request, ct));

        // The post-call survey: each question's answer, or its silence.
        voice.MapPost("/survey/{department}", (string department, long entry, int q, int? @try, HttpRequest request, Care.SurveyCalls surveys, CancellationToken ct) =>
            surveys.AnswerAsync(department, entry, q, @try ?? 0, request, ct));

        // Pressing 1 for a callback while holding (or while hearing the forecast on joining).
        voice.MapPost("/queue/{department}/callback", (string department, HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.QueueKeyAsync(department, request, ct));

        // The booking dialog, the closed department's offer, and the choice of a caller with a booked callback.
        voice.MapPost("/callbacks/book", (HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.BookAsync(request, ct));
        voice.MapPost("/callbacks/confirm", (HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.ConfirmAsync(request, ct));
        voice.MapPost("/callbacks/number", (HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.NumberAsync(request, ct));
        voice.MapPost("/callbacks/offer", (HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.ClosedOfferAsync(request, ct));
        voice.MapPost("/callbacks/returning", (HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.ReturningChoiceAsync(request, ct));

        // The calls the service places to customers: answered, the agent's whisper and result, the call's end.
        voice.MapPost("/callbacks/{id:long}/answer", (long id, HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.AnswerAsync(id, request, ct));
        voice.MapPost("/callbacks/{id:long}/whisper", (long id, HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.WhisperAsync(id, request, ct));
        voice.MapPost("/callbacks/{id:long}/dialed", (long id, HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.DialedAsync(id, request, ct));
        voice.MapPost("/callbacks/{id:long}/status", (long id, HttpRequest request, CallbackCalls callbacks, CancellationToken ct) =>
            callbacks.StatusAsync(id, request, ct));

        // A lookup in the shop (lookup: order): the caller's orders, the number asked for, the shop's answer.
        voice.MapOrderLookup();

        // The number's status callback: the call ended.
        voice.MapPost("/status", (HttpRequest request, VoiceCalls calls, CancellationToken ct) =>
            calls.StatusAsync(request, ct));

        return app;
    }
}
