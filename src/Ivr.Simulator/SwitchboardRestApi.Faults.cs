using System.Net;

namespace Ivr.Simulator;

/// <summary>The REST API during a <see cref="RestOutage"/> of the switchboard's faults.</summary>
internal sealed partial class SwitchboardRestApi
{
    private async Task<HttpResponseMessage> FailAsync(RestFault fault, HttpRequestMessage request, CancellationToken ct)
    {
        switch (fault)
        {
            case RestFault.ServerError:
                board.Inject("rest-5xx");
                return Error(HttpStatusCode.InternalServerError, 20500, "Internal Server Error");
            case RestFault.TooManyRequests:
                board.Inject("rest-429");
                return Error(HttpStatusCode.TooManyRequests, 20429, "Too Many Requests");
            case RestFault.Refused:
                board.Inject("rest-refused");
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (api.twilio.com:443)");
            default:
                // Carried out, but the answer is lost: the client cannot tell whether a call was placed.
                board.Inject("rest-timeout");
                using (await HandleAsync(request, ct))
                    throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 10 seconds elapsing.",
                        new TimeoutException("The operation was canceled."));
        }
    }
}
