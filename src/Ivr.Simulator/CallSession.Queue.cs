using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>A call in a queue: &lt;Enqueue&gt;, the wait TwiML played over and over, and how the caller leaves
/// (&lt;Leave&gt;, patience, or the REST API).</summary>
internal sealed partial class CallSession
{
    private async Task<Outcome> EnqueueAsync(XElement verb, string documentUrl)
    {
        var queue = Twiml.OwnText(verb);
        if (queue.Length == 0)
            throw new InvalidTwimlException("<Enqueue> needs a queue name");
        var waitUrl = Twiml.Text(verb, "waitUrl") is { Length: > 0 } w ? Twiml.Resolve(documentUrl, w) : null;
        var waitMethod = Twiml.Method(verb, "waitUrlMethod");
        var action = Twiml.Text(verb, "action") is { Length: > 0 } a ? Twiml.Resolve(documentUrl, a) : null;
        var method = Twiml.Method(verb);
        Add(new Enqueued(queue, waitUrl, action));

        var queueSid = QueueSid(queue);
        var enqueuedAt = clock;
        var (waited, result) = live is null
            ? await WaitOnceAsync(waitUrl, waitMethod, queueSid)
            : await WaitInQueueAsync(queue, waitUrl, waitMethod);
        if (result is null)
            return waited; // the wait TwiML ended the call itself
        var queueTime = clock - enqueuedAt;
        Add(new LeftQueue(queue, result, queueTime));
        List<KeyValuePair<string, string>> parameters =
            [new("QueueResult", result), new("QueueSid", queueSid), new("QueueTime", WholeSeconds(queueTime))];
        if (result == "leave")
            return action is null ? Next : new Fetch(action, method, parameters, Fate: live?.Dice.Draw(action: true));

        if (action is not null && ++requests <= options.MaxRequestsPerCall)
            await SendActionOfEndingCallAsync(action, method, parameters); // the call is gone, so the document is ignored
        return waited;
    }

    internal static string QueueSid(string queue) =>
        "QU" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queue)))[..32];

    /// <summary>Alone, no agents exist: unless the wait TwiML says &lt;Leave&gt;, the caller hangs up after one round.</summary>
    private async Task<(Outcome, string? Result)> WaitOnceAsync(string? waitUrl, string waitMethod, string queueSid)
    {
        var waited = waitUrl is null ? Next : await FollowAsync(new Fetch(waitUrl, waitMethod,
        [
            new("QueuePosition", "1"), new("QueueSid", queueSid), new("QueueTime", "0"), new("AvgQueueTime", "0"),
            new("CurrentQueueSize", "1"), new("MaxQueueSize", "1000"),
        ]), inQueue: true);
        return waited switch
        {
            LeftByLeave => (waited, "leave"),
            Ended => (waited, null),
            _ => (HangUpByCaller("caller hung up in queue"), "hangup"),
        };
    }

    /// <summary>Loops on the wait URL until &lt;Leave&gt;, the end of the caller's patience, or an interruption by
    /// the REST API (which leaves the queue without requesting the Enqueue action).</summary>
    private async Task<(Outcome, string? Result)> WaitInQueueAsync(string queue, string? waitUrl, string waitMethod)
    {
        var board = live!.Board;
        var member = board.Join(queue, setup.CallSid);
        var outer = interrupt;
        using var patience = new CancellationTokenSource(live.Patience, options.Clock);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(outer, patience.Token);
        interrupt = waiting.Token;
        try
        {
            while (true)
            {
                if (waitUrl is null)
                    await PassAsync(Timeout.InfiniteTimeSpan); // silence until something happens
                var waited = await FollowAsync(new Fetch(waitUrl!, waitMethod, board.QueueParameters(member)), inQueue: true);
                if (waited is LeftByLeave)
                    return (waited, "leave");
                if (waited is Ended)
                    return (waited, null);
                // The wait TwiML ran out: Twilio requests it again.
            }
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested && !outer.IsCancellationRequested)
        {
            return (HangUpByCaller("caller hung up in queue"), "hangup");
        }
        catch (OperationCanceledException) when (outer.IsCancellationRequested)
        {
            Add(new LeftQueue(queue, live.Pending is Interruption.HangUp ? "hangup" : "redirected", board.Leave(member)));
            throw;
        }
        finally
        {
            interrupt = outer;
            board.Leave(member);
        }
    }
}
