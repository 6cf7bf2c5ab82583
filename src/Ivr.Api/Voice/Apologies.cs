using Ivr.Api.Menus;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using PhoneNumber = Twilio.Types.PhoneNumber;
using Task = System.Threading.Tasks.Task;

namespace Ivr.Api.Voice;

/// <summary>
/// What a caller hears when the service cannot answer: an apology, then the fallback number (Ivr:FallbackNumber), or
/// "please call again" and the end of the call. Never Twilio's "application error".
/// </summary>
public sealed class Apologies(MenuCatalog menus, CallMenus callMenus, IOptions<IvrOptions> options, ILogger<Apologies> logger)
{
    /// <summary>The apology in <paramref name="language"/> of <paramref name="definition"/>; the live menu's default when either is unknown.</summary>
    public VoiceResponse For(MenuDefinition? definition, string? language)
    {
        Metrics.HotlineMetrics.ApologyPlayed(transferred: options.Value.FallbackNumber is { Length: > 0 });
        definition ??= TryCurrent();
        language ??= definition?.DefaultLanguage ?? "pl-PL";
        var messages = definition?.Messages ?? SystemMessages.Build([language], new Dictionary<string, IReadOnlyDictionary<string, string>>());
        var voice = definition?.VoiceFor(language);
        var twiml = new VoiceResponse();
        if (options.Value.FallbackNumber is { Length: > 0 } fallback)
        {
            twiml.Speak(messages.Get(SystemMessages.ErrorTransfer, language), language, voice);
            twiml.Append(new Dial().Number(new PhoneNumber(fallback)));
        }
        else
        {
            twiml.Speak(messages.Get(SystemMessages.ErrorCallAgain, language), language, voice);
        }
        twiml.Hangup();
        return twiml;
    }

    /// <summary>The apology in the call's own menu version and language, when they can still be read.</summary>
    public async Task<VoiceResponse> ForCallAsync(string? callSid)
    {
        if (string.IsNullOrEmpty(callSid))
            return For(null, null);
        try
        {
            var call = await callMenus.ForCallAsync(callSid, CancellationToken.None);
            return For(call.Definition, call.State?.Language);
        }
        catch (Exception exception)
        {
            // The database (or the menu) is what failed: the live menu's words will do.
            logger.LogDebug(exception, "The menu of call {CallSid} could not be read for its apology", callSid);
            return For(null, null);
        }
    }

    private MenuDefinition? TryCurrent()
    {
        try { return menus.Current; }
        catch (InvalidOperationException) { return null; }
    }
}
