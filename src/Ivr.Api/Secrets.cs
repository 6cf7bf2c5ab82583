using System.Security.Cryptography;
using System.Text;

namespace Ivr.Api;

/// <summary>Comparing what a client sends with a configured secret (API key, password).</summary>
public static class Secrets
{
    /// <summary>Compares in constant time; hashing first hides the lengths too.</summary>
    public static bool Same(string sent, string configured) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(sent)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));

    /// <summary>True when <paramref name="configured"/> is set and <paramref name="sent"/> is that key.</summary>
    public static bool IsKey(string sent, string? configured) =>
        sent.Length > 0 && !string.IsNullOrEmpty(configured) && Same(sent, configured);
}
