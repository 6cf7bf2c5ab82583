using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The key to a booking's web page and API lookups: 128 random bits, URL-safe (22 characters). Only its SHA-256 is
/// stored, so a copy of the database opens no page; the customer holds the token in the link they were given.
/// </summary>
public static class CallbackToken
{
    private const int Length = 22;

    public static string New() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    /// <summary>What the database keeps: the SHA-256 of the token, as lowercase hex.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    /// <summary>Only a string that could be a token is looked up; anything else is simply not found.</summary>
    public static bool IsWellFormed(string? token) =>
        token is { Length: Length } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
