using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Ivr.Api.Queues;
using Microsoft.AspNetCore.Identity;

namespace Ivr.Api.Admin;

/// <summary>
/// Checks what someone typed against the console's users: <c>Admin:Username</c> and <c>Admin:Password</c> (an admin),
/// and <c>Admin:Users</c> (each with a role and a password hash). A session is stamped with a fingerprint of the
/// credentials it was opened with, so that changing a password or a role (or removing the user) ends its sessions.
/// </summary>
public static class ConsoleCredentials
{
    public const string StampClaim = "ivr:credentials";

    private static readonly PasswordHasher<ConsoleUser> Hasher = new();

    // Checked when the name is nobody's, so that an unknown name takes as long to refuse as a wrong password.
    private static readonly string DecoyHash = Hasher.HashPassword(new ConsoleUser(), "not anybody's password");

    /// <summary>The role of the user these credentials belong to; null when they match nobody.</summary>
    public static ConsoleRole? Match(AdminOptions options, string? username, string? password)
    {
        username ??= "";
        password ??= "";
        // Every check runs every time (no short-circuit), so the answer takes as long whichever part is wrong.
        var admin = options.HasAdminUser
                    & Secrets.Same(username, options.Username ?? "")
                    & Secrets.Same(password, options.Password ?? "");
        var user = User(options, username);
        var verified = Hasher.VerifyHashedPassword(user ?? new ConsoleUser(), user?.PasswordHash ?? DecoyHash, password)
                       != PasswordVerificationResult.Failed;
        if (admin)
            return ConsoleRole.Admin;
        return user is not null && verified ? ConsoleRoles.Parse(user.Role) : null;
    }

    /// <summary>The hash to put in <c>Admin:Users</c> for <paramref name="password"/>.</summary>
    public static string Hash(string password) => Hasher.HashPassword(new ConsoleUser(), password);

    /// <summary>True when <paramref name="hash"/> is a hash <see cref="Hash"/> could have made.</summary>
    public static bool IsHash(string hash)
    {
        Span<byte> bytes = stackalloc byte[hash.Length];
        return Convert.TryFromBase64String(hash, bytes, out var length) && length > 13 && bytes[0] == 0x01;
    }

    public static ClaimsPrincipal Principal(AdminOptions options, string username, ConsoleRole role, string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, username), new Claim(ClaimTypes.Role, role.Name()), new Claim(StampClaim, Stamp(options, username)!)],
            scheme));

    /// <summary>True while the credentials the session was opened with are still the configured ones.</summary>
    public static bool IsCurrent(ClaimsPrincipal session, AdminOptions options) =>
        session.FindFirstValue(StampClaim) is { } stamp
        && Stamp(options, session.Identity?.Name ?? "") is { } current
        && Secrets.Same(stamp, current);

    /// <summary>The role of a signed-in session (the least one for a session without a role).</summary>
    public static ConsoleRole RoleOf(ClaimsPrincipal session) =>
        ConsoleRoles.Parse(session.FindFirstValue(ClaimTypes.Role)) ?? ConsoleRole.Viewer;

    private static ConsoleUser? User(AdminOptions options, string username) =>
        options.Users.FirstOrDefault(user => string.Equals(user.Name, username, StringComparison.Ordinal));

    // The session cookie is encrypted; the stamp is a hash so that even a decrypted cookie holds no password.
    private static string? Stamp(AdminOptions options, string username)
    {
        if (options.HasAdminUser && username == options.Username)
            return Fingerprint($"ivr-console\n{options.Username}\n{options.Password}\n{ConsoleRole.Admin.Name()}");
        return User(options, username) is { } user ? Fingerprint($"ivr-console-user\n{user.Name}\n{user.PasswordHash}\n{user.Role}") : null;
    }

    private static string Fingerprint(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
