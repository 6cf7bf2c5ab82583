using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Ivr.Api;

/// <summary>The <c>Ivr</c> configuration section.</summary>
public sealed class IvrOptions
{
    public const string SectionName = "Ivr";

    /// <summary>The menu file; relative paths are read from the working directory, then next to the app.</summary>
    [Required(ErrorMessage = "Ivr:MenuFile is empty: set it to the path of the menu file (default ivr-menus.yaml).")]
    public string MenuFile { get; set; } = "ivr-menus.yaml";

    /// <summary>
    /// The URL Twilio uses to reach this service (scheme, host, optional port and path prefix), e.g.
    /// https://hotline.example.com. Action URLs and signature checks use it; without it they are built from the request.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>E.164 number a caller is connected to when the service cannot answer normally.</summary>
    public string? FallbackNumber { get; set; }

    /// <summary>Optional audio played between hold announcements.</summary>
    public string? HoldMusicUrl { get; set; }

    /// <summary>
    /// Checks X-Twilio-Signature on every /voice request (default). Turn off only for local experiments:
    /// anyone who can reach the service can then drive calls.
    /// </summary>
    public bool ValidateSignatures { get; set; } = true;

    /// <summary>
    /// The proxies in front of the service (IP addresses or CIDR ranges), whose X-Forwarded-For, -Proto and -Host
    /// are believed. Bound from a list (Ivr:TrustedProxies:0, ...) or, by <see cref="HotlineOptionsValidation"/>,
    /// from one comma-separated value. Empty (the default): the client is the connection's address, always.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Who may use local mode's browser phone and send simulator-signed webhooks: <see cref="LocalModeLoopback"/>
    /// (this machine only, the default) or <see cref="LocalModeOpen"/> (any address).</summary>
    public string LocalMode { get; set; } = LocalModeLoopback;

    public const string LocalModeLoopback = "loopback";
    public const string LocalModeOpen = "open";

    public bool LocalModeIsOpen => string.Equals(LocalMode, LocalModeOpen, StringComparison.OrdinalIgnoreCase);

    /// <summary>The largest body of a /voice webhook: Twilio's are 1-3 KB, a long speech result some more; larger ones get 413 before they are read.</summary>
    public int MaxVoiceBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The largest body of an /admin/api request: room for a menu of MaxContentLength characters as JSON.</summary>
    public int MaxAdminBodyBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>The largest body of any other request (sign-in, agents, the browser phone).</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The proxies of <see cref="TrustedProxies"/>, parsed; entries that are neither are in Invalid.</summary>
    public (List<IPAddress> Addresses, List<IPNetwork> Networks, List<string> Invalid) ParsedProxies()
    {
        var addresses = new List<IPAddress>();
        var networks = new List<IPNetwork>();
        var invalid = new List<string>();
        foreach (var entry in TrustedProxies.SelectMany(p => p.Split(',')).Select(p => p.Trim()).Where(p => p.Length > 0))
        {
            if (entry.Contains('/') ? IPNetwork.TryParse(entry, out var network) && Add(networks, network)
                : IPAddress.TryParse(entry, out var address) && IsWritten(entry, address) && Add(addresses, address))
                continue;
            invalid.Add(entry);
        }
        return (addresses, networks, invalid);

        // IPAddress.TryParse takes "10" for 0.0.0.10; an address must be written out.
        static bool IsWritten(string entry, IPAddress address) =>
            address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? entry.Count(c => c == '.') == 3 : entry.Contains(':');

        static bool Add<T>(List<T> list, T item)
        {
            list.Add(item);
            return true;
        }
    }
}

/// <summary>The <c>Data</c> configuration section: how long personal data is kept.</summary>
public sealed class DataOptions
{
    public const string SectionName = "Data";

    /// <summary>Calls, their events and announcements, queue entries and finished callbacks older than this are deleted.</summary>
    public int RetentionDays { get; set; } = 90;
}

/// <summary>The <c>Twilio</c> configuration section. Without AccountSid and AuthToken the service runs in local mode.</summary>
public sealed class TwilioOptions
{
    public const string SectionName = "Twilio";

    /// <summary>The auth token the local simulator signs with when no Twilio credentials are configured.</summary>
    public const string LocalAuthToken = "local-simulator-auth-token";

    public string? AccountSid { get; set; }
    public string? AuthToken { get; set; }

    /// <summary>The shop's Twilio number, the caller id of callbacks.</summary>
    public string? PhoneNumber { get; set; }

    public const string TwilioApiBaseUrl = "https://api.twilio.com";

    /// <summary>The simulator's REST API, served by the <c>phone</c> command while a call is on.</summary>
    public const string LocalApiBaseUrl = "http://127.0.0.1:5099";

    public string ApiBaseUrl { get; set; } = TwilioApiBaseUrl;

    /// <summary>Where REST calls go: the configured base URL; in local mode, unless configured, the simulator's.</summary>
    public string EffectiveApiBaseUrl => IsLocalMode && ApiBaseUrl == TwilioApiBaseUrl ? LocalApiBaseUrl : ApiBaseUrl;

    /// <summary>True when no Twilio credentials are set: the local simulator stands in for Twilio.</summary>
    public bool IsLocalMode => string.IsNullOrWhiteSpace(AccountSid) || string.IsNullOrWhiteSpace(AuthToken);

    /// <summary>The caller id callbacks are placed from in local mode when no number is configured.</summary>
    public const string LocalPhoneNumber = "+48221234500";

    /// <summary>The number callbacks come from: the configured one; in local mode a stand-in.</summary>
    public string? CallerId => !string.IsNullOrWhiteSpace(PhoneNumber) ? PhoneNumber : IsLocalMode ? LocalPhoneNumber : null;

    /// <summary>
    /// Twilio's webhook connection overrides, added as a fragment to every URL the service gives Twilio so that a
    /// refused or slow webhook is retried (on another instance); "off" for Twilio's defaults.
    /// </summary>
    public string? ConnectionOverrides { get; set; } = Twilio.ConnectionOverrides.Default;

    /// <summary>The token webhook signatures are checked with.</summary>
    public string SigningToken => string.IsNullOrWhiteSpace(AuthToken) ? LocalAuthToken : AuthToken;
}
