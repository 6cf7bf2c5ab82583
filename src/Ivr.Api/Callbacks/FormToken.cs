using System.Security.Cryptography;
using System.Text;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The callback pages' defence against forged form posts, without JavaScript: a random token goes both into an
/// HttpOnly, SameSite=Strict cookie and into a hidden field of every form, and a post counts only when the two
/// agree. Another site can neither read the cookie nor make the browser send it, so it cannot build a post that
/// passes; a browser that says the post comes from another site (<c>Sec-Fetch-Site: cross-site</c>) is refused too.
/// </summary>
public static class FormToken
{
    public const string CookieName = "callback_form";
    public const string FieldName = "token";
    private const int TokenLength = 43; // 32 random bytes, base64url without padding

    /// <summary>The browser's token, or a new one set as a cookie on the response; put it in the form's hidden field.</summary>
    public static string Issue(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is { } existing && IsWellFormed(existing))
            return existing;
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/callback",
            IsEssential = true,
        });
        return token;
    }

    /// <summary>True when the posted <paramref name="submitted"/> token matches the cookie of a same-site request.</summary>
    public static bool IsValid(HttpContext context, string? submitted)
    {
        if (string.Equals(context.Request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
            return false;
        var cookie = context.Request.Cookies[CookieName];
        return cookie is not null && submitted is not null && IsWellFormed(cookie)
               && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.UTF8.GetBytes(submitted));
    }

    private static bool IsWellFormed(string token) =>
        token.Length == TokenLength && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
