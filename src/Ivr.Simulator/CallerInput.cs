namespace Ivr.Simulator;

/// <summary>What the caller does while a &lt;Gather&gt; listens.</summary>
public abstract record CallerInput
{
    private const string KeyPad = "0123456789*#";

    public sealed record Keys(string Digits) : CallerInput;
    public sealed record Speech(string Text) : CallerInput;
    public sealed record Silence : CallerInput;
    public sealed record HangUp : CallerInput;

    /// <summary>Text made only of keypad characters is key presses; anything else is speech.</summary>
    public static CallerInput FromText(string text) =>
        text.All(KeyPad.Contains) ? new Keys(text) : new Speech(text);
}

/// <summary>What the caller knows when a &lt;Gather&gt; starts listening; <see cref="InQueue"/> when it is a hold message's.</summary>
public sealed record GatherPrompt(string Input, int TimeoutSeconds, int? NumDigits, string FinishOnKey, string? Hints, string Language,
    bool InQueue = false);

/// <summary>Decides the caller's input each time a &lt;Gather&gt; listens.</summary>
public interface ICaller
{
    ValueTask<CallerInput> ListenAsync(GatherPrompt prompt, CancellationToken ct);
}

/// <summary>Follows a script of steps: digits like "1" or "123#" are keys, "-" is silence, other text is speech.
/// Hangs up when the script runs out, except while holding in a queue, where it keeps waiting (its patience decides).</summary>
public sealed class ScriptedCaller(IEnumerable<string> steps) : ICaller
{
    private readonly Queue<string> remaining = new(steps);

    public int Remaining => remaining.Count;

    /// <summary>A comma-separated script, e.g. "1,status,-".</summary>
    public static ScriptedCaller FromScript(string script) => new(script.Split(','));

    public static CallerInput ParseStep(string step)
    {
        var trimmed = step.Trim();
        return trimmed is "" or "-" ? new CallerInput.Silence() : CallerInput.FromText(trimmed);
    }

    public ValueTask<CallerInput> ListenAsync(GatherPrompt prompt, CancellationToken ct) =>
        ValueTask.FromResult(remaining.TryDequeue(out var step) ? ParseStep(step)
            : prompt.InQueue ? new CallerInput.Silence() : new CallerInput.HangUp());
}

/// <summary>Asks a person at a console: digits are keys, words are speech, an empty line is silence, "q" hangs up.</summary>
public sealed class ConsoleCaller(TextReader input, TextWriter? output = null) : ICaller
{
    public const string Hint = "keys, words or Enter for silence, q to hang up";

    public static CallerInput Parse(string? line)
    {
        var trimmed = line?.Trim();
        return trimmed switch
        {
            null or "q" or "Q" => new CallerInput.HangUp(),
            "" => new CallerInput.Silence(),
            _ => CallerInput.FromText(trimmed),
        };
    }

    public async ValueTask<CallerInput> ListenAsync(GatherPrompt prompt, CancellationToken ct)
    {
        output?.Write($"   ({Hint}) > ");
        output?.Flush();
        return Parse(await input.ReadLineAsync(ct));
    }
}
