using System.Net;

namespace Ivr.Api.LocalPhone;

/// <summary>
/// Who may use local mode: its webhooks are signed with a token everyone knows (the simulator's) and its browser
/// phone needs no sign-in, so by default only this machine may (Ivr:LocalMode=loopback); Ivr:LocalMode=open lets
/// any address in. A request that came through a proxy is not this machine's, even when the proxy runs on it.
/// </summary>
public static class LocalClients
{
    public static bool MayUse(HttpContext context, IvrOptions ivr)
    {
        if (ivr.LocalModeIsOpen)
            return true;
        // Still there: forwarded headers not applied because no trusted proxy sent them.
        if (context.Request.Headers.ContainsKey("X-Forwarded-For") || context.Request.Headers.ContainsKey("Forwarded"))
            return false;
        return IsLoopback(context.Connection.RemoteIpAddress);
    }

    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>The answer to anyone else.</summary>
    public static IResult Refused() => TypedResults.Problem(
        title: "Local mode answers this machine only",
        detail: "Without Twilio credentials the service runs in local mode, which only clients on the same machine may use. " +
                "Set Ivr:LocalMode=open to let other machines in (anyone who reaches the service can then drive calls).",
        statusCode: StatusCodes.Status403Forbidden);
}
