using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Twilio.TwiML;

namespace Ivr.Api.Callbacks;

/// <summary>How the callback webhooks speak: capitalised sentences in the menu's voice, times in words.</summary>
public static class CallbackSpeech
{
    public static VoiceResponse Tell(this VoiceResponse twiml, MenuDefinition definition, string language, string text) =>
        twiml.Speak(LocalizedText.Capitalize(text), language, definition.VoiceFor(language));

    /// <summary>When a callback is expected, in words ("dziś około 14:35"), rounded up to five minutes.</summary>
    public static string When(long? expectedAt, MenuDefinition definition, string language, DateTimeOffset now)
    {
        var zone = definition.Hotline.TimeZone;
        var expected = expectedAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : now;
        var local = TimeZoneInfo.ConvertTime(SpokenTime.RoundUpToFiveMinutes(expected), zone).DateTime;
        return SpokenTime.Say(local, TimeZoneInfo.ConvertTime(now, zone).DateTime, language);
    }

    /// <summary>The booking's language when the menu still speaks it, else the menu's default.</summary>
    public static string LanguageOf(MenuDefinition definition, string language) =>
        definition.Hotline.Languages.Contains(language) ? language : definition.DefaultLanguage;
}
