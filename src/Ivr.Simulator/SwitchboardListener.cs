using System.Net;

namespace Ivr.Simulator;

/// <summary>The switchboard's REST API on a real loopback port, for a service running as its own process
/// (Twilio:ApiBaseUrl = <see cref="BaseUrl"/>).</summary>
public sealed class SwitchboardListener : IAsyncDisposable
{
    /// <summary>The port the `phone` command serves the REST API on, where a service in local mode looks for it.</summary>
    public const int LocalPort = 5099;

    private readonly HttpListener listener = new();
    private readonly HttpMessageInvoker api;
    private readonly Task serving;

    /// <param name="port">A free port on 127.0.0.1.</param>
    public SwitchboardListener(Switchboard board, int port) : this(board.CreateRestHandler(), port)
    {
    }

    /// <summary>For a switchboard made after the service starts (<see cref="Switchboard.RestHandlerOf"/>).</summary>
    public SwitchboardListener(Func<Switchboard> board, int port) : this(Switchboard.RestHandlerOf(board), port)
    {
    }

    private SwitchboardListener(HttpMessageHandler handler, int port)
    {
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        api = new HttpMessageInvoker(handler);
        listener.Prefixes.Add(BaseUrl.OriginalString);
        listener.Start();
        serving = ServeAsync();
    }

    public Uri BaseUrl { get; }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), new Uri(BaseUrl, context.Request.RawUrl));
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        request.Content = new ByteArrayContent(body.ToArray());
        if (context.Request.Headers["Authorization"] is { } authorization)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);

        HttpResponseMessage response;
        try
        {
            response = await api.SendAsync(request, CancellationToken.None);
        }
        catch (TaskCanceledException)
        {
            // Carried out, and the answer lost: a gateway's 504 without Twilio's body, which a client must read as
            // unsure, like its own timeout (waiting that out would cost minutes of an accelerated clock).
            context.Response.StatusCode = (int)HttpStatusCode.GatewayTimeout;
            context.Response.Close();
            return;
        }
        catch (HttpRequestException)
        {
            // Refused, nothing carried out: the connection drops.
            context.Response.Abort();
            return;
        }
        using var _ = response;
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        var bytes = await response.Content.ReadAsByteArrayAsync();
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        await serving;
        listener.Close();
        api.Dispose();
    }
}
