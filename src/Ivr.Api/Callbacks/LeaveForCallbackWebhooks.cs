using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Callbacks;

/// <summary>
/// A caller in a line who presses 1 for a callback: they leave the line keeping their arrival time, and go on to
/// the booking dialog.
/// </summary>
public sealed class LeaveForCallbackWebhooks(QueueStore queues, TimeProvider time)
{
    /// <summary>
    /// The caller pressed a key while holding (or while hearing the forecast as they joined): 1 takes them out of the
    /// line, keeping their arrival time for the callback.
    /// </summary>
    public async Task<VoiceResponse> QueueKeyAsync(string department, VoiceRequest call, CancellationToken ct)
    {
        var joining = call.Query("joining") == "1";
        var twiml = new VoiceResponse();
        if (call.Digits == "1" && await queues.LeaveForCallbackAsync(call.CallSid, department, time.GetUtcNow(), ct) is { } since)
        {
            // In the queue <Leave> ends the wait and Twilio asks the Enqueue action, which starts the dialog;
            // before the caller was put in Twilio's queue the dialog starts right away.
            return joining
                ? twiml.Redirect(new BookingDialog(department, since, "queue").Url(call, "book"), HttpMethod.Post)
                : twiml.Leave();
        }
        return joining ? twiml.EnqueueIn(department, call) : twiml;
    }

    /// <summary>
    /// After the Enqueue: a caller who left the line for a callback goes on to the booking dialog. Null when the
    /// caller did not leave for a callback.
    /// </summary>
    public async Task<VoiceResponse?> AfterQueueAsync(string department, VoiceRequest call, CancellationToken ct) =>
        await queues.LeftForCallbackAsync(call.CallSid, department, ct) is { } since
            ? new VoiceResponse().Redirect(new BookingDialog(department, since, "queue").Url(call, "book"), HttpMethod.Post)
            : null;
}
