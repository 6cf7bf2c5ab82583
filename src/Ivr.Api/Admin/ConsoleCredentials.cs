using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Ivr.Api.Queues;

namespace Ivr.Api.Admin;

/// <summary>
/// Checks what someone typed against <c>Admin:Username</c> and <c>Admin:Password</c>, in constant time, and stamps a
/// session with a fingerprint of the credentials it was opened with, so that changing the password (or removing the
/// user) ends every open session.
/// </summary>
public static class ConsoleCredentials
{
    public const string StampClaim = "ivr:credentials";

    public static bool Match(AdminOptions options, string? username, string? password) =>
        options.HasConsoleUser
        // Both compared every time (no short-circuit), so the answer takes as long whichever is wrong.
        & Secrets.Same(username ?? "", options.Username!)
        & Secrets.Same(password ?? "", options.Password!);

    public static ClaimsPrincipal Principal(AdminOptions options, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, options.Username!), new Claim(StampClaim, Stamp(options))], scheme));

    /// <summary>True while the credentials the session was opened with are still the configured ones.</summary>
    public static bool IsCurrent(ClaimsPrincipal session, AdminOptions options) =>
        options.HasConsoleUser && session.FindFirstValue(StampClaim) is { } stamp && Secrets.Same(stamp, Stamp(options));

    // The session cookie is encrypted; the stamp is a hash so that even a decrypted cookie holds no password.
    private static string Stamp(AdminOptions options) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"ivr-console\n{options.Username}\n{options.Password}")));
}
