using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Ivr.Simulator.Tests;

/// <summary>Answers like the hotline service: callers go into the 'sales' queue, and whenever a caller waits and an
/// agent is free it redirects that caller through the REST API to TwiML that dials the agent with a whisper.</summary>
public sealed class FakeHotline : HttpMessageHandler
{
    public const string BaseUrl = "https://shop.example.com";
    private const string Queue = BaseUrl + "/voice/queue/sales";

    private readonly Lock gate = new();
    private readonly List<string> waiting = [];
    private readonly Queue<string> freeAgents;
    private readonly Dictionary<int, string> agentsByEntry = [];
    private readonly bool redirectInBackground;
    private int entries;

    /// <param name="redirectInBackground">Redirect from a background task on the thread pool, as the service's
    /// distributor does, instead of from inside the webhook.</param>
    public FakeHotline(IEnumerable<string> agents, bool redirectInBackground = false)
    {
        freeAgents = new Queue<string>(agents);
        this.redirectInBackground = redirectInBackground;
    }

    public List<RecordedRequest> Requests { get; } = [];

    public List<(HttpStatusCode Status, string Body)> RestAnswers { get; } = [];

    public HttpClient? Rest { get; set; }

    public static Uri VoiceUrl => new(BaseUrl + "/voice/incoming");
    public static Uri StatusUrl => new(BaseUrl + "/voice/status");

    public IReadOnlyList<RecordedRequest> To(string path)
    {
        lock (gate)
            return Requests.Where(r => r.Path == path).ToList();
    }

    /// <summary>The REST client of the service: Basic auth as Twilio's SDK sends it.</summary>
    public static HttpClient RestClient(Switchboard board, string? authToken = null) => new(board.CreateRestHandler())
    {
        BaseAddress = new Uri("https://api.twilio.com/"),
        DefaultRequestHeaders =
        {
            Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(
                Encoding.UTF8.GetBytes($"{board.Options.AccountSid}:{authToken ?? board.Options.AuthToken}"))),
        },
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var form = Form(await request.Content!.ReadAsStringAsync(cancellationToken));
        var query = Form(uri.Query.TrimStart('?'));
        lock (gate)
            Requests.Add(new RecordedRequest("POST", uri.OriginalString, uri.AbsolutePath, form, null));

        var entry = query.TryGetValue("entry", out var e) ? int.Parse(e, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var twiml = uri.AbsolutePath switch
        {
            "/voice/incoming" => $"""<Say>Welcome.</Say><Enqueue waitUrl="{Queue}/wait" action="{Queue}/done">sales</Enqueue>""",
            "/voice/queue/sales/wait" => await WaitAsync(form["CallSid"]),
            "/voice/queue/sales/connect" => Connect(entry),
            "/voice/queue/sales/whisper" => "<Say>Customer from the sales queue.</Say>",
            "/voice/queue/sales/dialed" => await DialedAsync(entry, form["DialCallStatus"]),
            "/voice/queue/sales/done" => "<Say>Ignored.</Say>",
            "/voice/callback" => $"""<Gather numDigits="1" action="{BaseUrl}/voice/callback-key"><Say>Press 1 to talk to us.</Say></Gather>""",
            "/voice/callback-key" => "<Say>Thanks.</Say><Hangup/>",
            _ => null,
        };
        return twiml is null
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("") }
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(FakeTwilioServer.Response(twiml), Encoding.UTF8, "text/xml") };
    }

    private async Task<string> WaitAsync(string callSid)
    {
        lock (gate)
        {
            if (!waiting.Contains(callSid))
                waiting.Add(callSid);
        }
        await OfferAsync();
        return """<Say>Please hold.</Say><Pause length="20"/>""";
    }

    private string Connect(int entry)
    {
        string agent;
        lock (gate)
            agent = agentsByEntry[entry];
        return $"""<Say>Connecting.</Say><Dial action="{Queue}/dialed?entry={entry}" timeout="20" answerOnBridge="true"><Number url="{Queue}/whisper?entry={entry}">{agent}</Number></Dial>""";
    }

    private async Task<string> DialedAsync(int entry, string status)
    {
        lock (gate)
            freeAgents.Enqueue(agentsByEntry[entry]);
        await OfferAsync();
        return status == "completed" ? "<Say>Thank you.</Say><Hangup/>" : "<Say>Nobody answered.</Say><Hangup/>";
    }

    /// <summary>Longest-waiting caller to longest-free agent, as the service's distributor does.</summary>
    private async Task OfferAsync()
    {
        if (redirectInBackground)
        {
            _ = Task.Run(RedirectWaitingAsync);
            return;
        }
        await RedirectWaitingAsync();
    }

    private async Task RedirectWaitingAsync()
    {
        while (true)
        {
            string callSid;
            int entry;
            lock (gate)
            {
                if (waiting.Count == 0 || freeAgents.Count == 0)
                    return;
                callSid = waiting[0];
                waiting.RemoveAt(0);
                entry = ++entries;
                agentsByEntry[entry] = freeAgents.Dequeue();
            }
            var form = new FormUrlEncodedContent([new("Url", $"{Queue}/connect?entry={entry}"), new("Method", "POST")]);
            using var response = await Rest!.PostAsync($"2010-04-01/Accounts/{SimulatorOptions.DefaultAccountSid}/Calls/{callSid}.json", form);
            var body = await response.Content.ReadAsStringAsync();
            lock (gate)
            {
                RestAnswers.Add((response.StatusCode, body));
                // The caller hung up meanwhile: the agent is free again.
                if (!response.IsSuccessStatusCode)
                    freeAgents.Enqueue(agentsByEntry[entry]);
            }
        }
    }

    private static Dictionary<string, string> Form(string encoded) =>
        encoded.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => Decode(kv[0]), kv => kv.Length > 1 ? Decode(kv[1]) : "");

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
