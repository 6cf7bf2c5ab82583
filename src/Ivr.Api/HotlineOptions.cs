using System.ComponentModel.DataAnnotations;

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

    /// <summary>The token webhook signatures are checked with.</summary>
    public string SigningToken => string.IsNullOrWhiteSpace(AuthToken) ? LocalAuthToken : AuthToken;
}
