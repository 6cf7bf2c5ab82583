using System.Data.Common;

namespace Ivr.Api.Voice;

/// <summary>
/// A delivery of a webhook whose handler keeps its answer in its step's own write (a route marked
/// <see cref="VoiceWebhooks.KeepsItsAnswerInItsStep"/>, on a request that carries Twilio's idempotency token): set by
/// <see cref="WebhookReplays"/> on the request's features for the handler to find.
/// </summary>
public sealed class WebhookDelivery
{
    private readonly WebhookReplays _replays;
    private readonly string _token;
    private readonly string _path;

    internal WebhookDelivery(WebhookReplays replays, string token, string path)
    {
        _replays = replays;
        _token = token;
        _path = path;
    }

    /// <summary>The answer stored with the step; once set, it is the one the webhook is answered with.</summary>
    public TwimlResult? Answer { get; private set; }

    /// <summary>
    /// Stores <paramref name="answer"/> as this delivery's in the step's write. When another delivery of the webhook
    /// was stored first it throws, and the step is rolled back with it: the webhook is then answered as a repeat.
    /// </summary>
    public async Task KeepAsync(DbConnection connection, DbTransaction transaction, TwimlResult answer)
    {
        await _replays.KeepInStepAsync(connection, transaction, _token, _path, answer.Document);
        Answer = answer;
    }
}
