using Microsoft.Extensions.Options;

namespace Ivr.Api;

/// <summary>Binds and checks the configuration at start, with messages that name the key and the fix.</summary>
public static class HotlineOptionsValidation
{
    public static IServiceCollection AddHotlineOptions(this IServiceCollection services)
    {
        services.AddOptions<IvrOptions>().BindConfiguration(IvrOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.PublicBaseUrl) || IsHttpUrl(o.PublicBaseUrl),
                "Ivr:PublicBaseUrl must be an absolute http(s) URL such as https://hotline.example.com")
            .Validate(o => string.IsNullOrEmpty(o.FallbackNumber) || IsE164(o.FallbackNumber),
                "Ivr:FallbackNumber must be an E.164 number in use, such as +48221234567 (+, country code and number, no spaces)")
            .Validate(o => string.IsNullOrEmpty(o.HoldMusicUrl) || IsHttpUrl(o.HoldMusicUrl),
                "Ivr:HoldMusicUrl must be an absolute http(s) URL of an audio file")
            .Validate(o => o.LocalModeIsOpen || string.Equals(o.LocalMode, IvrOptions.LocalModeLoopback, StringComparison.OrdinalIgnoreCase),
                "Ivr:LocalMode must be loopback (the default: without Twilio credentials only this machine may use the browser phone " +
                "and send simulator-signed webhooks) or open (any address may)")
            .Validate(o => o.MaxVoiceBodyBytes is >= 4096 and <= 1_048_576,
                "Ivr:MaxVoiceBodyBytes must be between 4096 and 1048576 (Twilio's webhooks are a few KB)")
            .Validate(o => o.MaxAdminBodyBytes is >= 65_536 and <= 104_857_600,
                "Ivr:MaxAdminBodyBytes must be between 65536 and 104857600 (a menu upload is sent as JSON)")
            .Validate(o => o.MaxBodyBytes is >= 4096 and <= 104_857_600,
                "Ivr:MaxBodyBytes must be between 4096 and 104857600")
            .ValidateOnStart();
        // Ivr:TrustedProxies may be one comma-separated value, which the binder does not turn into a list.
        services.AddOptions<IvrOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            if (configuration.GetSection(IvrOptions.SectionName).GetSection(nameof(IvrOptions.TrustedProxies)).Value is { Length: > 0 } value)
                o.TrustedProxies = [value];
        });
        services.AddSingleton<IValidateOptions<IvrOptions>, TrustedProxiesValidation>();
        services.AddSingleton<IValidateOptions<TwilioOptions>, Twilio.ConnectionOverrides.Validation>();
        services.AddOptions<DataOptions>().BindConfiguration(DataOptions.SectionName)
            .Validate(o => o.RetentionDays is >= 1 and <= 3650,
                "Data:RetentionDays must be between 1 and 3650 (days calls and finished callbacks are kept)")
            .ValidateOnStart();
        services.AddOptions<IvrOptions>()
            .Validate<Microsoft.Extensions.Options.IOptions<TwilioOptions>>(
                (ivr, twilio) => twilio.Value.IsLocalMode || !string.IsNullOrEmpty(ivr.PublicBaseUrl),
                "Ivr:PublicBaseUrl is required with Twilio credentials: Twilio is given absolute URLs of this service (queue redirects), e.g. https://hotline.example.com");
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.SectionName)
            .Validate(o => string.IsNullOrEmpty(o.AccountSid) || (o.AccountSid.StartsWith("AC") && o.AccountSid.Length == 34),
                "Twilio:AccountSid must be your account SID: AC followed by 32 characters (Twilio console, Account info)")
            .Validate(o => string.IsNullOrEmpty(o.AccountSid) == string.IsNullOrEmpty(o.AuthToken),
                "Twilio:AccountSid and Twilio:AuthToken go together: set both for Twilio, or neither for local mode")
            .Validate(o => string.IsNullOrEmpty(o.PhoneNumber) || IsE164(o.PhoneNumber),
                "Twilio:PhoneNumber must be your Twilio number in E.164, such as +48221234567 (+, country code and number, no spaces)")
            .Validate(o => o.IsLocalMode || !string.IsNullOrEmpty(o.PhoneNumber),
                "Twilio:PhoneNumber is required with Twilio credentials: callbacks are placed from it (your Twilio number, e.g. +48221234567)")
            .Validate(o => IsHttpUrl(o.ApiBaseUrl),
                "Twilio:ApiBaseUrl must be an absolute http(s) URL (default https://api.twilio.com)")
            .ValidateOnStart();
        services.AddOptions<Queues.QueueOptions>().BindConfiguration(Queues.QueueOptions.SectionName)
            .Validate(o => o.WrapUpSeconds is >= 0 and <= 3600, "Queues:WrapUpSeconds must be between 0 and 3600")
            .Validate(o => o.AwayAfterMissedSeconds is >= 0 and <= 86400, "Queues:AwayAfterMissedSeconds must be between 0 and 86400")
            .Validate(o => o.RingSeconds is >= 5 and <= 600, "Queues:RingSeconds must be between 5 and 600 (Twilio's limits for <Dial timeout>)")
            .Validate(o => o.TypicalHandleSeconds is >= 10 and <= 7200, "Queues:TypicalHandleSeconds must be between 10 and 7200")
            .Validate(o => o.TypicalPatienceSeconds is >= 10 and <= 7200, "Queues:TypicalPatienceSeconds must be between 10 and 7200")
            .Validate(o => o.SweepAfterSeconds is >= 30 and <= 3600,
                "Queues:SweepAfterSeconds must be between 30 and 3600 (how long a queued call may go unheard of before Twilio is asked about it)")
            .ValidateOnStart();
        services.AddOptions<Callbacks.CallbackOptions>().BindConfiguration(Callbacks.CallbackOptions.SectionName)
            .Validate(o => o.RetryDelaySeconds is >= 10 and <= 86400, "Callbacks:RetryDelaySeconds must be between 10 and 86400")
            .Validate(o => o.MaxAttempts is >= 1 and <= 10, "Callbacks:MaxAttempts must be between 1 and 10")
            .Validate(o => o.CallsPerSecond is > 0 and <= 100, "Callbacks:CallsPerSecond must be more than 0 and at most 100")
            .Validate(o => o.RingSeconds is >= 5 and <= 600, "Callbacks:RingSeconds must be between 5 and 600 (Twilio's limits for Timeout)")
            .Validate(o => o.UnconfirmedAttemptSeconds >= o.RingSeconds + 60,
                "Callbacks:UnconfirmedAttemptSeconds must be at least Callbacks:RingSeconds + 60, so that a ringing call is never dialed again")
            .Validate(o => o.CountryCodes.Count > 0 && o.CountryCodes.All(c => c.Length is >= 1 and <= 3 && c.All(char.IsAsciiDigit) && c[0] != '0'),
                "Callbacks:AllowedCountryCodes must list country calling codes, digits only, e.g. \"48\" or \"48,49\"")
            .ValidateOnStart();
        services.AddOptions<Callbacks.CallbackLimitOptions>().BindConfiguration(Callbacks.CallbackLimitOptions.SectionName)
            .Validate(o => o.BookingsPerClient is >= 1 and <= 1_000_000, "Callbacks:BookingsPerClient must be between 1 and 1000000 (bookings per client address in 10 minutes)")
            .Validate(o => o.BookingsPerNumber is >= 1 and <= 1_000_000, "Callbacks:BookingsPerNumber must be between 1 and 1000000 (bookings per phone number in an hour)")
            .Validate(o => o.LookupsPerClient is >= 1 and <= 1_000_000, "Callbacks:LookupsPerClient must be between 1 and 1000000 (status lookups per client address in a minute)")
            .ValidateOnStart();
        services.AddOptions<Queues.AdminOptions>().BindConfiguration(Queues.AdminOptions.SectionName)
            .Validate(o => string.IsNullOrEmpty(o.Username) == string.IsNullOrEmpty(o.Password),
                "Admin:Username and Admin:Password go together: set both to open the admin console, or neither to keep it closed")
            .Validate(o => string.IsNullOrEmpty(o.Password) || o.Password.Length >= MinimumPasswordLength,
                $"Admin:Password must be at least {MinimumPasswordLength} characters long")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<Queues.AdminOptions>, ConsoleUsersValidation>();
        return services;
    }

    /// <summary>Every entry of Admin:Users needs a name of its own, a role and a password hash that hash-password made.</summary>
    private sealed class ConsoleUsersValidation : IValidateOptions<Queues.AdminOptions>
    {
        public ValidateOptionsResult Validate(string? name, Queues.AdminOptions options)
        {
            var failures = new List<string>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (!string.IsNullOrEmpty(options.Username))
                names.Add(options.Username);
            for (var index = 0; index < options.Users.Count; index++)
            {
                var user = options.Users[index];
                var key = $"Admin:Users:{index}";
                if (string.IsNullOrWhiteSpace(user.Name))
                    failures.Add($"{key}:Name is missing: give each console user a name to sign in with");
                else if (!names.Add(user.Name))
                    failures.Add($"{key}:Name '{user.Name}' is taken (by Admin:Username or an earlier user); names must differ");
                if (Admin.ConsoleRoles.Parse(user.Role) is null)
                    failures.Add($"{key}:Role must be admin, supervisor or viewer");
                if (!Admin.ConsoleCredentials.IsHash(user.PasswordHash))
                    failures.Add($"{key}:PasswordHash is not a password hash: make one with " +
                                 "`dotnet run --project src/Ivr.Api -- hash-password` and paste what it prints (never the password itself)");
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    /// <summary>Every entry of Ivr:TrustedProxies must be an address or a range: a typo must not silently trust nobody, or everybody.</summary>
    private sealed class TrustedProxiesValidation : IValidateOptions<IvrOptions>
    {
        public ValidateOptionsResult Validate(string? name, IvrOptions options)
        {
            var invalid = options.ParsedProxies().Invalid;
            return invalid.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(invalid.Select(entry =>
                    $"Ivr:TrustedProxies: '{entry}' is neither an IP address nor a CIDR range; list the proxies in front of " +
                    "the service, comma-separated, e.g. 10.0.0.5 or 10.0.0.0/8 (a range starts at its first address)"));
        }
    }

    /// <summary>The console is reachable wherever the service is; a short password would fall to guessing.</summary>
    public const int MinimumPasswordLength = 10;

    /// <summary>An E.164 number its country gives out (libphonenumber's metadata), of any kind.</summary>
    public static bool IsE164(string? number) => Ivr.Flows.Model.E164.IsValid(number);

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
