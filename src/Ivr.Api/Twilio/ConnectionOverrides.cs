using System.Globalization;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Twilio;

/// <summary>
/// Twilio's webhook connection overrides (Twilio:ConnectionOverrides): a fragment such as <c>#ct=2000&amp;rc=3</c> at
/// the end of a webhook URL tells Twilio how long to wait for a connection (ct) and an answer (rt), how often to retry
/// (rc), on what (rp) and within what total time (tt). Twilio reads the fragment and strips it: it is neither sent
/// nor signed. With several instances behind a load balancer, a webhook refused or cut off by an instance that is
/// restarting is retried and lands on another, instead of the caller hearing Twilio's error. Every URL the service
/// gives Twilio carries it; retries are applied once (<see cref="Voice.WebhookReplays"/>).
/// </summary>
public static class ConnectionOverrides
{
    public const string Key = "Twilio:ConnectionOverrides";

    /// <summary>
    /// Connect within 2 s, answer within 5 s, up to 3 retries on a refused or timed-out connection, a slow answer
    /// or a 5xx (a load balancer's 502/503 while an instance restarts), all within 12 s.
    /// </summary>
    public const string Default = "ct=2000&rt=5000&tt=12000&rc=3&rp=ct,rt,5xx";

    /// <summary>Turns the overrides off: Twilio's defaults apply (no retries).</summary>
    public const string Off = "off";

    private static readonly string[] Policies = ["4xx", "5xx", "ct", "rt", "all"];

    /// <summary><paramref name="url"/> with the overrides as its fragment (unchanged when off or when it has a fragment).</summary>
    public static string Apply(string url, string? overrides) =>
        IsOff(overrides) || url.Contains('#') ? url : url + "#" + overrides!.Trim();

    /// <inheritdoc cref="Apply(string, string?)"/>
    public static Uri Apply(Uri url, string? overrides) => new(Apply(url.OriginalString, overrides));

    private static bool IsOff(string? overrides) =>
        string.IsNullOrWhiteSpace(overrides) || string.Equals(overrides.Trim(), Off, StringComparison.OrdinalIgnoreCase);

    /// <summary>What is wrong with <paramref name="overrides"/>, or null when Twilio takes it.</summary>
    public static string? Problem(string? overrides)
    {
        if (IsOff(overrides))
            return null;
        var seen = new HashSet<string>();
        foreach (var pair in overrides!.Trim().Split('&'))
        {
            var parts = pair.Split('=', 2);
            var (name, value) = (parts[0], parts.Length == 2 ? parts[1] : "");
            if (!seen.Add(name))
                return $"'{name}' is given twice";
            var problem = name switch
            {
                "ct" => Milliseconds(value, 100, 10_000, "the connect timeout"),
                "rt" => Milliseconds(value, 100, 15_000, "the read timeout"),
                "tt" => Milliseconds(value, 100, 15_000, "the total time of all tries"),
                "rc" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 0 and <= 5
                    ? null : $"rc (retries) must be 0 to 5, not '{value}'",
                "rp" => value.Split(',').All(Policies.Contains)
                    ? null : $"rp (what is retried) must be a comma-separated list of {string.Join(", ", Policies)}, not '{value}'",
                "e" => value.Length > 0 && value.All(c => c is >= 'a' and <= 'z' or '-') ? null : $"e (Twilio's edge) must be an edge name such as dublin, not '{value}'",
                "sni" => value is "y" or "n" ? null : $"sni must be y or n, not '{value}'",
                _ => $"'{name}' is not one of Twilio's connection overrides (ct, rt, tt, rc, rp, e, sni)",
            };
            if (problem is not null)
                return problem;
        }
        return null;
    }

    private static string? Milliseconds(string value, int min, int max, string what) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms >= min && ms <= max
            ? null : $"{what} must be {min} to {max} ms, not '{value}'";

    /// <summary>Checks the setting at start, with the key, the problem and the fix.</summary>
    public sealed class Validation : IValidateOptions<TwilioOptions>
    {
        public ValidateOptionsResult Validate(string? name, TwilioOptions options) =>
            Problem(options.ConnectionOverrides) is { } problem
                ? ValidateOptionsResult.Fail(
                    $"{Key} is '{options.ConnectionOverrides}': {problem}. Use pairs such as {Default} (Twilio's webhook " +
                    $"connection overrides), or {Off} for Twilio's defaults")
                : ValidateOptionsResult.Success;
    }
}
