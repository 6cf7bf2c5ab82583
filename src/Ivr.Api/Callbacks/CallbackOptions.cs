namespace Ivr.Api.Callbacks;

/// <summary>The <c>Callbacks</c> configuration section: how callbacks are booked and placed.</summary>
public sealed class CallbackOptions
{
    public const string SectionName = "Callbacks";

    /// <summary>Seconds between a callback that was not answered (or busy, or failed) and the next try.</summary>
    public int RetryDelaySeconds { get; set; } = 300;

    /// <summary>Tries before a callback is marked failed.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Outbound calls placed per second at most (Twilio's default limit per account is 1).</summary>
    public double CallsPerSecond { get; set; } = 1;

    /// <summary>Country codes callbacks may go to, digits only, comma-separated in one setting ("48,49").</summary>
    public string AllowedCountryCodes { get; set; } = "48";

    /// <summary>Seconds the customer's phone rings before the try counts as not answered.</summary>
    public int RingSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds after which a try with no word from Twilio (no answer webhook, no status callback) is taken as never
    /// placed, so the booking can be tried again. Longer than any ring, so a live call is never dialed twice.
    /// </summary>
    public int UnconfirmedAttemptSeconds { get; set; } = 180;

    /// <summary>The country codes as a list.</summary>
    public IReadOnlyList<string> CountryCodes =>
        AllowedCountryCodes.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(code => code.TrimStart('+'))
            .ToList();
}
