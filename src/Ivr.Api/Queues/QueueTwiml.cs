using Ivr.Api.Voice;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Queues;

/// <summary>The TwiML that puts a caller (back) in a department's line.</summary>
public static class QueueTwiml
{
    /// <summary><c>&lt;Enqueue&gt;</c> in <paramref name="department"/>'s line, with its hold webhook and the webhook for leaving it.</summary>
    public static VoiceResponse EnqueueIn(this VoiceResponse twiml, string department, VoiceRequest call) =>
        twiml.Enqueue(department,
            action: call.Url($"/voice/queue/{department}/done"), method: HttpMethod.Post,
            waitUrl: call.Url($"/voice/queue/{department}/wait"), waitUrlMethod: HttpMethod.Post);
}
