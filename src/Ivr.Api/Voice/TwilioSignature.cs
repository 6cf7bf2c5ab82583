using System.Security.Cryptography;
using System.Text;

namespace Ivr.Api.Voice;

/// <summary>
/// The X-Twilio-Signature scheme: Base64(HMAC-SHA1(auth token, URL + sorted form fields)). The URL is used exactly as
/// given; System.Uri would lowercase the host, drop default ports and re-encode the query, each breaking the hash.
/// </summary>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var data = new StringBuilder(url);
        // Unix-style (ordinal) order; a repeated key contributes each distinct value, as the official SDKs do.
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in group.Select(p => p.Value ?? "").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                data.Append(group.Key).Append(value);
        }

        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
        return Convert.ToBase64String(hash);
    }

    /// <summary>
    /// True when <paramref name="signatureHeader"/> signs <paramref name="url"/> or its port variant (Twilio keeps or
    /// drops the port inconsistently, so the SDKs accept both).
    /// </summary>
    public static bool IsValid(
        string authToken, string url, IEnumerable<KeyValuePair<string, string?>> parameters, string? signatureHeader)
    {
        if (string.IsNullOrEmpty(signatureHeader))
            return false;

        var fields = parameters.ToList();
        var received = Encoding.UTF8.GetBytes(signatureHeader);
        if (Matches(Compute(authToken, url, fields), received))
            return true;

        return PortVariant(url) is { } variant && Matches(Compute(authToken, variant, fields), received);
    }

    /// <summary>The URL without its explicit port, or with the scheme's default port added; null if neither applies.</summary>
    internal static string? PortVariant(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
            return null;

        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
            authorityEnd = url.Length;

        // Skip userinfo (kept as is) and an IPv6 literal, whose colons are not a port separator.
        var at = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        var hostStart = at >= 0 ? at + 1 : authorityStart;
        var bracket = url.IndexOf(']', hostStart, authorityEnd - hostStart);
        var portSearchStart = bracket >= 0 ? bracket : hostStart;
        var colon = url.IndexOf(':', portSearchStart, authorityEnd - portSearchStart);

        if (colon >= 0)
            return string.Concat(url.AsSpan(0, colon), url.AsSpan(authorityEnd));

        var scheme = url[..schemeEnd];
        var defaultPort = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? ":443"
            : scheme.Equals("http", StringComparison.OrdinalIgnoreCase) ? ":80"
            : null;
        return defaultPort is null ? null : url.Insert(authorityEnd, defaultPort);
    }

    private static bool Matches(string expected, byte[] received) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), received);
}
