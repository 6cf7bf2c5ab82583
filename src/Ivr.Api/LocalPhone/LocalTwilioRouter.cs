using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace Ivr.Api.LocalPhone;

/// <summary>
/// In front of the service's Twilio REST client: in local mode, new calls and the calls of the service's own
/// switchboard are answered in process; any other call (one the phone command placed) goes on to the phone
/// command's port, as before there was a switchboard in the service. Outside local mode it only passes requests on.
/// </summary>
public sealed class LocalTwilioRouter(LocalSwitchboard local, IOptions<TwilioOptions> twilio) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (local.Answers(request))
            return await local.SendAsync(request, cancellationToken);
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException refused) when (twilio.Value.IsLocalMode && request.Method == HttpMethod.Get
                                                   && refused.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // In local mode the only other switchboard is the phone command's: with nobody listening there, none of its
            // calls is on, so a question about one gets Twilio's answer for a call it does not know.
            return new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                Content = new StringContent(
                    $$"""{"code":20404,"message":"The requested resource {{request.RequestUri?.AbsolutePath}} was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}""",
                    Encoding.UTF8, "application/json"),
            };
        }
    }
}
