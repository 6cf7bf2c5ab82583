using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Ivr.Api.Voice;

/// <summary>
/// The URLs Twilio sees. Webhook signatures are checked against <see cref="For"/> and emitted action URLs are built by
/// <see cref="Action"/> from the same base, so the two always agree.
/// </summary>
public static class PublicUrl
{
    /// <summary>
    /// The URL Twilio requested (and signed): the configured public base, or the request's own scheme, host and path
    /// base (set from X-Forwarded-Proto/-Host earlier only when a proxy of Ivr:TrustedProxies sent them), then the
    /// path and the raw query string.
    /// </summary>
    public static string For(HttpRequest request, string? publicBaseUrl) =>
        Base(publicBaseUrl, request) + request.Path.ToUriComponent() + request.QueryString.Value;

    /// <summary>An absolute URL for <paramref name="pathAndQuery"/> (e.g. <c>/voice/gather?menu=main</c>).</summary>
    public static string Action(string? publicBaseUrl, HttpRequest request, string pathAndQuery) =>
        Base(publicBaseUrl, request) + (pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery);

    /// <summary>
    /// The service's public base for URLs given to Twilio outside a request (redirects, outbound calls):
    /// Ivr:PublicBaseUrl; in local mode, where the simulator calls on this machine, the address the server listens
    /// on (missing only until the server has started). Null when there is none.
    /// </summary>
    public static string? OfService(IvrOptions ivr, TwilioOptions twilio, IServer server)
    {
        if (!string.IsNullOrEmpty(ivr.PublicBaseUrl))
            return ivr.PublicBaseUrl.TrimEnd('/');
        return twilio.IsLocalMode ? Listening(server) : null;
    }

    /// <summary>
    /// The address this server listens on (http preferred, a wildcard host as localhost), e.g. http://localhost:5000:
    /// in local mode the simulator runs on this machine and reaches the service there. Null until the server has started.
    /// </summary>
    private static string? Listening(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault();
        return address?.TrimEnd('/').Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost")
            .Replace("://+", "://localhost").Replace("://*", "://localhost");
    }

    // Path segments are re-escaped (ToUriComponent) because PathString holds them decoded; the query is kept as
    // received, since decoding or re-encoding it breaks the signature.
    private static string Base(string? publicBaseUrl, HttpRequest request) =>
        string.IsNullOrWhiteSpace(publicBaseUrl)
            ? request.Scheme + "://" + request.Host.Value + request.PathBase.ToUriComponent()
            : publicBaseUrl.Trim().TrimEnd('/');
}
