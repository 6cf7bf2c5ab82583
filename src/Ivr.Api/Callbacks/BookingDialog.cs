using System.Globalization;
using Ivr.Api.Voice;

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
