using Ivr.Api.Voice;

namespace Ivr.Api.Callbacks;

/// <summary>The callback webhooks on the /voice group.</summary>
public static class CallbackWebhookRoutes
{
    public static RouteGroupBuilder MapCallbackWebhooks(this RouteGroupBuilder voice)
    {
        // Pressing 1 for a callback while holding (or while hearing the forecast on joining).
        voice.MapWebhook<LeaveForCallbackWebhooks>("/queue/{department}/callback", (leaving, call, ct) =>
            leaving.QueueKeyAsync(call.Route("department"), call, ct));

        // The booking dialog, and the closed department's offer.
        voice.MapWebhook<BookingDialogWebhooks>("/callbacks/book", (dialog, call, ct) => dialog.BookAsync(call, ct));
        voice.MapWebhook<BookingDialogWebhooks>("/callbacks/confirm", (dialog, call, ct) => dialog.ConfirmAsync(call, ct));
        voice.MapWebhook<BookingDialogWebhooks>("/callbacks/number", (dialog, call, ct) => dialog.NumberAsync(call, ct));
        voice.MapWebhook<BookingDialogWebhooks>("/callbacks/offer", (dialog, call, ct) => dialog.ClosedOfferAsync(call, ct));

        // The choice of a caller with a booked callback (the offer itself is made at /voice/incoming).
        voice.MapWebhook<ReturningCallerWebhooks>("/callbacks/returning", (returning, call, ct) => returning.ChoiceAsync(call, ct));

        // The calls the service places to customers: answered, the agent's whisper and result, the call's end.
        voice.MapWebhook<CallbackLegWebhooks>("/callbacks/{id:long}/answer", (legs, call, ct) => legs.AnswerAsync(Id(call), call, ct));
        voice.MapWebhook<CallbackLegWebhooks>("/callbacks/{id:long}/whisper", (legs, call, ct) => legs.WhisperAsync(Id(call), call, ct));
        voice.MapWebhook<CallbackLegWebhooks>("/callbacks/{id:long}/dialed", (legs, call, ct) => legs.DialedAsync(Id(call), call, ct));
        voice.MapWebhook<CallbackLegWebhooks>("/callbacks/{id:long}/status", (legs, call, ct) => legs.StatusAsync(Id(call), call, ct));
        return voice;
    }

    private static long Id(VoiceRequest call) => long.Parse(call.Route("id"), System.Globalization.CultureInfo.InvariantCulture);
}
