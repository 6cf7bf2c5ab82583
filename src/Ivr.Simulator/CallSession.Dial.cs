using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>The agent's side of a call: &lt;Dial&gt; rings the simulated agents, the one who answers hears the
/// whisper, then talks to the caller.</summary>
internal sealed partial class CallSession
{
    private async Task<Outcome> DialAsync(XElement verb, string documentUrl)
    {
        IReadOnlyList<DialTarget> targets = verb.HasElements
            ? verb.Elements().Select(e => new DialTarget(e.Name.LocalName, e.Value.Trim())).ToList()
            : [new DialTarget("Number", Twiml.OwnText(verb))];
        if (targets.Any(t => t.Address.Length == 0))
            throw new InvalidTwimlException("<Dial> has nothing to dial");
        var action = Twiml.Text(verb, "action") is { Length: > 0 } a ? Twiml.Resolve(documentUrl, a) : null;
        var method = Twiml.Method(verb);
        Add(new Dialed(targets, action, verb.Attributes().ToDictionary(x => x.Name.LocalName, x => x.Value)));

        // Alone, nobody is simulated on the other end: the dialed leg "completes" at once.
        if (live is null)
            return action is null ? Next : new Fetch(action, method,
                [new("DialCallStatus", "completed"), new("DialCallSid", Sids.New("CA")), new("DialCallDuration", "0")]);

        var dialCallSid = Sids.Derived(setup.CallSid, ++dials);
        var (status, talked) = await RingAgentsAsync(verb, documentUrl, dialCallSid);
        Add(new DialEnded(status, talked));
        if (action is null)
            return Next;
        List<KeyValuePair<string, string>> parameters =
        [
            new("DialCallStatus", status), new("DialCallSid", dialCallSid), new("DialCallDuration", WholeSeconds(talked)),
            new("DialBridged", status == "completed" ? "true" : "false"),
        ];
        var fate = live.Dice.Draw(action: true);
        if (fate.Lost || (fate.Reordered && status == "completed"))
        {
            // The caller hangs up as the conversation ends; the action that follows is lost, or comes after the status callback.
            Add(new HungUp("caller"));
            await SendActionOfEndingCallAsync(action, method, parameters, fate);
            return new Ended("caller hung up as the dial ended");
        }
        return new Fetch(action, method, parameters, Fate: fate);
    }

    /// <summary>Every address rings at once; the first agent to answer within the timeout wins.</summary>
    private async Task<(string Status, TimeSpan Talked)> RingAgentsAsync(XElement verb, string documentUrl, string dialCallSid)
    {
        var board = live!.Board;
        var timeout = TimeSpan.FromSeconds(Twiml.Integer(verb, "timeout", 1) ?? 30);
        var nouns = verb.HasElements ? verb.Elements().ToList() : [verb];
        var rung = nouns.Select(noun =>
        {
            var address = noun == verb ? Twiml.OwnText(verb) : noun.Value.Trim();
            var agent = board.FindAgent(address);
            var status = agent switch
            {
                null => "failed",
                { Busy: true } => "busy",
                _ when board.IsTalking(address) => "busy",
                { AnswersAfter: { } after } when after <= timeout => "answers",
                _ => "no-answer",
            };
            return (noun, address, agent, status);
        }).ToList();

        var answering = rung.Where(r => r.status == "answers").OrderBy(r => r.agent!.AnswersAfter).FirstOrDefault();
        if (answering.agent is null || !board.TryStartTalking(answering.address))
        {
            if (rung.Any(r => r.status is "no-answer" or "answers"))
            {
                await PassAsync(timeout);
                return ("no-answer", TimeSpan.Zero);
            }
            return (rung.Any(r => r.status == "busy") ? "busy" : "failed", TimeSpan.Zero);
        }

        try
        {
            await PassAsync(answering.agent.AnswersAfter!.Value);
            Add(new AgentAnswered(answering.address, dialCallSid));
            var leg = new Leg(dialCallSid, Twiml.Text(verb, "callerId") ?? setup.From, answering.address, "outbound-dial", setup.CallSid);
            if (answering.noun != verb && Twiml.Text(answering.noun, "url") is { Length: > 0 } whisperUrl
                && !await WhisperAsync(Twiml.Resolve(documentUrl, whisperUrl), Twiml.Method(answering.noun), answering.address, leg))
                return ("failed", TimeSpan.Zero);
            var bridgedAt = clock;
            Add(new Bridged(answering.address));
            await PassAsync(answering.agent.TalkTime(live.Random));
            return ("completed", clock - bridgedAt);
        }
        finally
        {
            board.StopTalking(answering.address);
        }
    }

    /// <summary>The agent leg runs the Number's url TwiML before the bridge; false if it fails, as the agent then hangs up.</summary>
    private async Task<bool> WhisperAsync(string url, string method, string address, Leg leg)
    {
        var (status, body) = await SendAsync(url, method, [], "in-progress", leg, WebhookKind.Whisper);
        if (status == 0)
        {
            Add(new CutOff(url));
            return false;
        }
        try
        {
            if (status is < 200 or > 299)
                throw new InvalidTwimlException($"{method} {url} answered HTTP {status}");
            foreach (var verb in Twiml.Parse(body).Elements())
            {
                if (verb.Name.LocalName == "Say")
                {
                    var text = string.Join(' ', verb.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                    Add(new Whispered(address, text));
                    await PassAsync(SpeakingTime(text));
                }
                else if (verb.Name.LocalName == "Pause")
                    await PassAsync(TimeSpan.FromSeconds(Twiml.Integer(verb, "length", 0) ?? 1));
            }
            return true;
        }
        catch (InvalidTwimlException e)
        {
            Add(new ApplicationError($"whisper for {address}: {e.Message}"));
            return false;
        }
    }
}
