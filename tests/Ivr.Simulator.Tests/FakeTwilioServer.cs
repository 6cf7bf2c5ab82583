using System.Net;
using System.Text;
using Ivr.Simulator;

namespace Ivr.Simulator.Tests;

/// <summary>An in-process web app for the simulator to call: canned TwiML per (method, path), every request recorded.</summary>
public sealed class FakeTwilioServer : HttpMessageHandler
{
    public const string BaseUrl = "https://shop.example.com";

    private readonly Dictionary<(string Method, string Path), Func<IReadOnlyDictionary<string, string>, (HttpStatusCode, string)>> routes = [];

    public List<RecordedRequest> Requests { get; } = [];

    public static string Response(string verbs) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{verbs}</Response>";

    /// <summary>Answers with the given verbs wrapped in &lt;Response&gt;.</summary>
    public FakeTwilioServer Twiml(string path, string verbs, string method = "POST") =>
        Raw(path, HttpStatusCode.OK, Response(verbs), method);

    public FakeTwilioServer Raw(string path, HttpStatusCode status, string body, string method = "POST") =>
        Map(method, path, _ => (status, body));

    public FakeTwilioServer Map(string method, string path, Func<IReadOnlyDictionary<string, string>, (HttpStatusCode, string)> respond)
    {
        routes[(method, path)] = respond;
        return this;
    }

    public IEnumerable<RecordedRequest> To(string path) => Requests.Where(r => r.Path == path);

    public Task<CallRecord> CallAsync(ICaller caller, SimulatorOptions? options = null, CallSetup? setup = null) =>
        new VoiceSimulator(new HttpClient(this), options).CallAsync(new Uri(BaseUrl + "/voice/incoming"), caller, setup);

    public Task<CallRecord> CallAsync(params string[] script) => CallAsync(new ScriptedCaller(script));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var form = request.Content is null
            ? ParseForm(uri.Query.TrimStart('?'))
            : ParseForm(await request.Content.ReadAsStringAsync(cancellationToken));
        var signature = request.Headers.TryGetValues(RequestSigner.HeaderName, out var values) ? values.Single() : null;
        Requests.Add(new RecordedRequest(request.Method.Method, uri.OriginalString, uri.AbsolutePath, form, signature));

        var (status, body) = routes.TryGetValue((request.Method.Method, uri.AbsolutePath), out var respond)
            ? respond(form)
            : (HttpStatusCode.NotFound, "");
        return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "text/xml") };
    }

    private static Dictionary<string, string> ParseForm(string encoded) =>
        encoded.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => Decode(kv[0]), kv => kv.Length > 1 ? Decode(kv[1]) : "");

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}

public sealed record RecordedRequest(string Method, string Url, string Path, IReadOnlyDictionary<string, string> Form, string? Signature);
