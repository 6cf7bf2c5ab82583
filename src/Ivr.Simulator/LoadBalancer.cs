namespace Ivr.Simulator;

/// <summary>
/// The load balancer in front of several service instances, for the switchboard's webhooks: each request goes to the
/// next instance in turn (no stickiness), its scheme, host and port replaced and the rest of the URL kept; the
/// signature stays the one made for the public URL, as behind a real load balancer. A refused connection (an instance
/// that is down) is tried on the next instance, as a balancer with health checks or Twilio's connection overrides do.
/// </summary>
public sealed class LoadBalancer(IReadOnlyList<Uri> instances) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly int[] answered = new int[instances.Count];
    private int next = -1;

    public IReadOnlyList<Uri> Instances => instances;

    /// <summary>How many requests each instance answered (by its place in the list).</summary>
    public IReadOnlyList<int> Answered => answered.Select((_, i) => Volatile.Read(ref answered[i])).ToList();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (instances.Count == 0)
            throw new InvalidOperationException("The load balancer needs at least one instance.");
        // Buffered, so that a request refused by one instance can be sent again to the next.
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var first = Interlocked.Increment(ref next);
        for (var tried = 0; ; tried++)
        {
            var instance = instances[(int)((uint)(first + tried) % (uint)instances.Count)];
            var attempt = Copy(request, body, instance);
            try
            {
                var response = await base.SendAsync(attempt, cancellationToken);
                Interlocked.Increment(ref answered[(int)((uint)(first + tried) % (uint)instances.Count)]);
                return response;
            }
            catch (HttpRequestException) when (tried + 1 < instances.Count)
            {
                // Refused or reset: this instance is down; the next one answers.
                attempt.Dispose();
            }
        }
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body, Uri instance)
    {
        var target = new UriBuilder(request.RequestUri!) { Scheme = instance.Scheme, Host = instance.Host, Port = instance.Port };
        var copy = new HttpRequestMessage(request.Method, target.Uri);
        foreach (var header in request.Headers)
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers)
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        return copy;
    }
}
