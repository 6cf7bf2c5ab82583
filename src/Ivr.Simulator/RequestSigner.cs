using System.Security.Cryptography;
using System.Text;

namespace Ivr.Simulator;

/// <summary>
/// X-Twilio-Signature as Twilio computes it: Base64(HMAC-SHA1(auth token, the exact URL + the POST parameters sorted
/// ordinally by name)). The simulator plays Twilio's part, so it signs; the service checks with the Twilio SDK's
/// validator, and the service's tests prove the validator accepts what this signs.
/// </summary>
public static class RequestSigner
{
    public const string HeaderName = "X-Twilio-Signature";

    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        // A repeated name contributes each distinct value in order, as the official SDKs sign arrays.
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in group.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                data.Append(group.Key).Append(value);
        }

        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
        return Convert.ToBase64String(hash);
    }

    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
            return false;
        var expected = Encoding.UTF8.GetBytes(Sign(authToken, url, parameters));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(signature));
    }
}
