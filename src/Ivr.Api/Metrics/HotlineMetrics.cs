using System.Diagnostics.Metrics;
using Ivr.Api.Queues;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Ivr.Api.Metrics;

/// <summary>
/// The service's own figures for Prometheus at <c>/metrics</c> (behind <c>Admin:ApiKey</c>), beside ASP.NET Core's
/// request durations: what happened (apologies, Twilio requests, writer batches) is counted as it happens, through
/// the one-line hooks below; what is true now (callers waiting, agents, today's callbacks) is read from the same
/// figures as <c>/api/stats</c> when Prometheus asks, at most once a second.
/// </summary>
public static class HotlineMetrics
{
    public const string MeterName = "Ivr.Hotline";
    public const string Path = "/metrics";

    private static readonly Meter Events = new(MeterName);

    private static readonly Counter<long> Apologies = Events.CreateCounter<long>(
        "ivr.apologies", "{apology}", "Callers who heard the apology because something failed, by what came after it");

    private static readonly Counter<long> TwilioRequests = Events.CreateCounter<long>(
        "ivr.twilio.requests", "{request}", "REST requests to Twilio (create, update, fetch a call) by outcome");

    private static readonly Histogram<int> WriterBatch = Events.CreateHistogram(
        "ivr.writer.batch.size", "{write}", "Writes committed together by the database writer",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });

    private static readonly Histogram<double> WriterCommit = Events.CreateHistogram(
        "ivr.writer.commit.duration", "s", "Time the database writer took for one batch, from the first write to the commit",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

    /// <summary>A webhook's duration: finer than ASP.NET Core's default buckets, as a webhook takes milliseconds.</summary>
    private static readonly double[] WebhookBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The caller hears the apology, then is <paramref name="transferred"/> to the fallback number or asked to call again.</summary>
    public static void ApologyPlayed(bool transferred) =>
        Apologies.Add(1, new KeyValuePair<string, object?>("then", transferred ? "transferred" : "call_again"));

    /// <summary>One REST request to Twilio ended: answered, refused (4xx), unreachable, not_sent (breaker open) or error.</summary>
    public static void TwilioRequestEnded(string outcome) =>
        TwilioRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>The writer committed <paramref name="writes"/> writes in <paramref name="took"/>.</summary>
    public static void WriterCommitted(int writes, TimeSpan took)
    {
        WriterBatch.Record(writes);
        WriterCommit.Record(took.TotalSeconds);
    }

    public static WebApplicationBuilder AddHotlineMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HotlineGauges>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter(MeterName)
            .AddView("http.server.request.duration", new ExplicitBucketHistogramConfiguration { Boundaries = WebhookBuckets })
            // The gauges keep their own one-second snapshot; a cached scrape would only make counters lag.
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>GET /metrics in Prometheus's text format, with the admin API key in X-Api-Key.</summary>
    public static IEndpointRouteBuilder MapHotlineMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            var options = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
            if (ApiKeyFilter.Refusal(context.Request, options.ApiKey) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }
            await context.RequestServices.GetRequiredService<HotlineGauges>().RefreshAsync(context.RequestAborted);
            await next(context);
        }), optionsName: null);
        return app;
    }
}
