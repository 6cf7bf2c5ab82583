namespace Ivr.Simulator;

/// <summary>A Twilio-compatible voice engine: places a call to a voice webhook over HTTP, executes the TwiML it
/// returns and follows action URLs until the call ends. Time on the call is virtual: nothing sleeps.</summary>
/// <remarks>Connection failures surface as <see cref="HttpRequestException"/>; everything the service answers
/// wrongly becomes an <see cref="ApplicationError"/> on the record, as on a real line.</remarks>
public sealed class VoiceSimulator(HttpClient http, SimulatorOptions? options = null)
{
    private readonly SimulatorOptions options = options ?? new SimulatorOptions();

    public Task<CallRecord> CallAsync(Uri voiceUrl, ICaller caller, CallSetup? setup = null, CancellationToken ct = default)
    {
        if (!voiceUrl.IsAbsoluteUri)
            throw new ArgumentException($"The voice URL must be absolute, got '{voiceUrl}'.", nameof(voiceUrl));
        return new CallSession(http, options, caller, setup ?? new CallSetup(), ct).RunAsync(voiceUrl.OriginalString);
    }
}
