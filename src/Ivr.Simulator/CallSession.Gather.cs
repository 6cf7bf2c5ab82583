using System.Text;
using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>The caller's side of a call in the menus: what it hears from &lt;Say&gt; and what it answers to
/// &lt;Gather&gt; (keys, speech or silence).</summary>
internal sealed partial class CallSession
{
    private async Task SayAsync(XElement verb)
    {
        var text = string.Join(' ', verb.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var language = Twiml.Text(verb, "language") ?? "en-US";
        var voice = Twiml.Text(verb, "voice");
        // loop="0" repeats until the caller hangs up; once is enough to know what was said.
        var loop = Math.Max(1, Twiml.Integer(verb, "loop", 0) ?? 1);
        for (var i = 0; i < loop; i++)
        {
            Add(new Said(text, language, voice));
            await PassAsync(SpeakingTime(text));
        }
    }

    private async Task<Outcome> GatherAsync(XElement verb, string documentUrl, bool inQueue)
    {
        var input = Twiml.Text(verb, "input") ?? "dtmf";
        var modes = input.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (modes.Length == 0 || modes.Any(m => m is not ("dtmf" or "speech")))
            throw new InvalidTwimlException($"<Gather> input=\"{input}\" must be dtmf, speech or \"dtmf speech\"");
        var timeout = Twiml.Integer(verb, "timeout", 1) ?? 5;
        var numDigits = Twiml.Integer(verb, "numDigits", 1);
        var finishOnKey = Twiml.Text(verb, "finishOnKey") ?? "#";
        var action = Twiml.Resolve(documentUrl, Twiml.Text(verb, "action") is { Length: > 0 } a ? a : documentUrl);
        var method = Twiml.Method(verb);
        var actionOnEmptyResult = Twiml.Boolean(verb, "actionOnEmptyResult");
        var hints = Twiml.Text(verb, "hints");

        foreach (var prompt in verb.Elements())
            await ExecuteAsync(prompt, documentUrl, inQueue);

        var language = Twiml.Text(verb, "language") ?? "en-US";
        var listeningFrom = clock;
        CallerInput answer;
        using (var listening = CancellationTokenSource.CreateLinkedTokenSource(ct, interrupt))
            answer = await caller.ListenAsync(new GatherPrompt(input, timeout, numDigits, finishOnKey, hints, language, inQueue), listening.Token);
        if (answer is CallerInput.HangUp)
            return HangUpByCaller("caller hung up");

        List<KeyValuePair<string, string>> parameters = [];
        CallerInput heard = new CallerInput.Silence();
        switch (answer)
        {
            case CallerInput.Keys keys when modes.Contains("dtmf"):
                var (digits, finishedOnKey, timedOut) = CollectKeys(keys.Digits, numDigits, finishOnKey);
                await PassAsync(TimeSpan.FromSeconds(keys.Digits.Length + (timedOut ? timeout : 0)));
                if (digits.Length > 0)
                {
                    heard = new CallerInput.Keys(digits);
                    parameters = [new("Digits", digits), new("FinishedOnKey", finishedOnKey)];
                }
                break;
            case CallerInput.Speech speech when modes.Contains("speech"):
                await PassAsync(SpeakingTime(speech.Text));
                heard = speech;
                parameters = [new("SpeechResult", speech.Text), new("Confidence", "0.9")];
                break;
            default:
                // Silence, or input of a kind this Gather does not listen for: Twilio waits out the timeout, of which a
                // person on a live call may already have spent some saying nothing.
                Sync();
                var left = TimeSpan.FromSeconds(timeout) - (clock - listeningFrom);
                await PassAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                break;
        }

        Add(new Listened(input, heard, timeout, hints), at: listeningFrom);
        if (heard is CallerInput.Silence && !actionOnEmptyResult)
            return Next;
        return new Fetch(action, method, parameters);
    }

    /// <summary>Ends on finishOnKey (not included; pressed first it means no input), on numDigits, or on timeout.</summary>
    internal static (string Digits, string FinishedOnKey, bool TimedOut) CollectKeys(string pressed, int? numDigits, string finishOnKey)
    {
        var digits = new StringBuilder();
        foreach (var key in pressed)
        {
            if (finishOnKey.Length > 0 && key == finishOnKey[0])
                return (digits.ToString(), finishOnKey, false);
            digits.Append(key);
            if (digits.Length == numDigits)
                return (digits.ToString(), "", false);
        }
        return (digits.ToString(), "", true);
    }
}
