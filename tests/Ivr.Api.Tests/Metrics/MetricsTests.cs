using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests.Metrics;

/// <summary>
/// The metrics' listeners hear every host in the process by the meter's name, so these tests run alone, after the
/// others, and compare counters before and after what they do.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary>What a Prometheus server reads at /metrics after calls made through the real webhooks.</summary>
[Collection(MetricsCollection.Name)]
public sealed partial class MetricsTests : IAsyncLifetime
{
    private const string ApiKey = "metrics-key";

    private readonly RecordingTwilioCalls _rest = new();
    private HotlineFactory _factory = null!;
    private HttpClient _api = null!;
    private TwilioRequests _twilio = null!;

    public Task InitializeAsync()
    {
        _factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = ApiKey }, services: s => s.AddSingleton<ITwilioCalls>(_rest));
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Add(ApiKeyFilter.HeaderName, ApiKey);
        _twilio = new TwilioRequests(_api);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Metrics_AreForTheApiKeyOnly()
    {
        using var anonymous = _factory.CreateClient();
        using var noKey = await anonymous.GetAsync("/metrics");
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { ApiKeyFilter.HeaderName, "guess" } } };
        using var wrong = await anonymous.SendAsync(wrongKey);
        await using var closed = new HotlineFactory();
        using var noKeyConfigured = await closed.CreateClient().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, noKeyConfigured.StatusCode);
        Assert.DoesNotContain("http_server_request_duration", await noKey.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AfterACall_TheWebhookDurationsShow_ByRoute_InSeconds()
    {
        var callSid = TwilioRequests.NewCallSid();
        var welcome = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        await _twilio.TwimlAsync(TwilioRequests.GatherAction(welcome), TwilioRequests.Gathered(callSid, digits: "9"));

        var scrape = await ScrapeAsync();

        var incoming = scrape.Single("http_server_request_duration_seconds_count", ("http_route", "/voice/incoming"), ("http_response_status_code", "200"));
        Assert.True(incoming >= 1, $"POST /voice/incoming counted {incoming} times");
        Assert.True(scrape.Single("http_server_request_duration_seconds_count", ("http_route", "/voice/gather")) >= 1);
        // Buckets are upper bounds in seconds, fine enough for a webhook of a few milliseconds.
        Assert.Contains(scrape.Series, s => s.Name == "http_server_request_duration_seconds_bucket"
            && s.Labels.GetValueOrDefault("http_route") == "/voice/incoming" && s.Labels.GetValueOrDefault("le") == "0.005");
        Assert.True(scrape.Sum("ivr_writer_batch_size_count") >= 1, "the writer's batches are counted");
        Assert.True(scrape.Sum("ivr_writer_commit_duration_seconds_count") >= 1, "the writer's commits are timed");
    }

    [Fact]
    public async Task WhenAWebhookFails_TheApologyIsCounted()
    {
        var before = (await ScrapeAsync()).Sum("ivr_apologies_total", ("then", "call_again"));
        using (var db = _factory.OpenDatabase())
            db.Execute("DROP TABLE call_events");

        await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));

        var after = (await ScrapeAsync()).Sum("ivr_apologies_total", ("then", "call_again"));
        Assert.Equal(before + 1, after);
    }

    [Fact]
    public async Task ACallerInAQueue_ShowsAsWaiting_InTheirDepartment_WithTheLongestWait_AndTheAgentsByState()
    {
        var before = await ScrapeAsync();
        Assert.Equal(0, before.Single("ivr_queue_callers", ("department", "complaints")));

        await ACallerWaitsForComplaintsAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(30));

        var scrape = await ScrapeAsync();
        Assert.Equal(1, scrape.Single("ivr_queue_callers", ("department", "complaints")));
        Assert.Equal(0, scrape.Single("ivr_queue_callers", ("department", "orders")));
        Assert.Equal(30, scrape.Single("ivr_queue_longest_wait_seconds", ("department", "complaints")));
        Assert.Equal(2, scrape.Single("ivr_agents", ("department", "complaints"), ("state", "away")));
        Assert.Equal(0, scrape.Single("ivr_agents", ("department", "complaints"), ("state", "available")));
    }

    [Fact]
    public async Task TheFiguresOfNow_AreReadAgain_OnlyAfterASecond()
    {
        var first = await ScrapeAsync();
        Assert.Equal(0, first.Single("ivr_queue_callers", ("department", "complaints")));
        await ACallerWaitsForComplaintsAsync();

        var sameSecond = await ScrapeAsync();
        _factory.Clock.Advance(TimeSpan.FromSeconds(1));
        var nextSecond = await ScrapeAsync();

        Assert.Equal(0, sameSecond.Single("ivr_queue_callers", ("department", "complaints")));
        Assert.Equal(1, nextSecond.Single("ivr_queue_callers", ("department", "complaints")));
    }

    /// <summary>Every agent is away, and a caller chooses complaints ("3"): they wait in its queue.</summary>
    private async Task ACallerWaitsForComplaintsAsync()
    {
        foreach (var agent in (await _api.GetFromJsonAsync<JsonElement>("/api/agents")).EnumerateArray())
            (await _api.PutAsJsonAsync($"/api/agents/{agent.GetProperty("id").GetString()}/status", new { status = "away" })).EnsureSuccessStatusCode();
        var callSid = TwilioRequests.NewCallSid();
        var welcome = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        await _twilio.TwimlAsync(TwilioRequests.GatherAction(welcome), TwilioRequests.Gathered(callSid, digits: "3"));
    }

    private async Task<Scrape> ScrapeAsync()
    {
        using var response = await _api.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return Scrape.Parse(text);
    }

    private sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Prometheus's text format, as a scraper reads it: one series a line, name{labels} value.</summary>
    private sealed record Scrape(IReadOnlyList<Series> Series, string Text)
    {
        public static Scrape Parse(string text) => new(text.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => SeriesLine().Match(line))
            .Where(match => match.Success)
            .Select(match => new Series(
                match.Groups["name"].Value,
                LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value),
                double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .ToList(), text);

        private IEnumerable<Series> Matching(string name, (string Key, string Value)[] labels) =>
            Series.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value));

        public double Single(string name, params (string Key, string Value)[] labels)
        {
            var found = Matching(name, labels).ToList();
            Assert.True(found.Count == 1, $"{found.Count} series {name} with {string.Join(", ", labels)} in:\n{Text}");
            return found[0].Value;
        }

        public double Sum(string name, params (string Key, string Value)[] labels) => Matching(name, labels).Sum(s => s.Value);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();
}
