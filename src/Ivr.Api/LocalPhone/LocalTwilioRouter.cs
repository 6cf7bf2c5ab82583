namespace Ivr.Api.LocalPhone;

/// <summary>
/// In front of the service's Twilio REST client: in local mode, new calls and the calls of the service's own
/// switchboard are answered in process; any other call (one the phone command placed) goes on to the phone
/// command's port, as before there was a switchboard in the service. Outside local mode it only passes requests on.
/// </summary>
public sealed class LocalTwilioRouter(LocalSwitchboard local) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        local.Answers(request) ? local.SendAsync(request, cancellationToken) : base.SendAsync(request, cancellationToken);
}
