namespace Ivr.Simulator;

/// <summary>How the simulated Twilio account behaves towards the service.</summary>
public sealed class SimulatorOptions
{
    public const string DefaultAuthToken = "local-simulator-auth-token";
    public const string DefaultAccountSid = "AC0123456789abcdef0123456789abcdef";

    public string AuthToken { get; init; } = DefaultAuthToken;
    public string AccountSid { get; init; } = DefaultAccountSid;

    /// <summary>More TwiML requests than this in one call means the TwiML loops: an application error.</summary>
    public int MaxRequestsPerCall { get; init; } = 200;

    public Uri? StatusCallbackUrl { get; init; }

    /// <summary>Called for every event as it happens (the phone command prints them).</summary>
    public Action<CallEvent>? OnEvent { get; init; }

    /// <summary>The wall clock the call starts at; everything after it is virtual time.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>Who calls whom.</summary>
public sealed record CallSetup
{
    public const string DefaultFrom = "+48500100200";
    public const string DefaultTo = "+48221000000";

    /// <summary>E.164 number, or "anonymous" for a withheld caller id.</summary>
    public string From { get; init; } = DefaultFrom;
    public string To { get; init; } = DefaultTo;
    public string CallSid { get; init; } = Sids.New("CA");
}

internal static class Sids
{
    public static string New(string prefix) => prefix + Guid.NewGuid().ToString("N");

    public static string New(string prefix, Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return prefix + Convert.ToHexStringLower(bytes);
    }

    /// <summary>The same SID for the same call and count, whatever order concurrent calls run in.</summary>
    public static string Derived(string callSid, int count) =>
        "CA" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{callSid}/{count}")))[..32];
}
