using System.Globalization;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Twilio.TwiML;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The booking dialog's state, carried in its action URLs (signed by Twilio): the department, the place kept in
/// line (when the caller left a queue for it) and where the dialog started (<c>menu</c>, <c>queue</c>, <c>closed</c>).
/// </summary>
public sealed record BookingDialog(string Department, DateTimeOffset? Since, string Source)
{
    public static BookingDialog? Read(VoiceRequest call)
    {
        var department = call.Query("department");
        if (department.Length == 0)
            return null;
        DateTimeOffset? since = long.TryParse(call.Query("since"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        var source = call.Query("source") is "queue" or "closed" or "menu" ? call.Query("source") : "menu";
        return new BookingDialog(department, since, source);
    }

    /// <summary>The URL of the dialog's <paramref name="step"/> (book, confirm, number), with <paramref name="more"/> query.</summary>
    public Uri Url(VoiceRequest call, string step, string more = "")
    {
        var since = Since is { } s ? $"&since={s.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}" : "";
        return call.Url($"/voice/callbacks/{step}?department={Uri.EscapeDataString(Department)}&source={Source}{since}{more}");
    }
}

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
