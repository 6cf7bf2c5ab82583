using Twilio.TwiML;

namespace Ivr.Api.Voice;

/// <summary>
/// The one path of every <c>/voice</c> webhook: the signature filter (403 for a forgery), the replay filter (a
/// repeated delivery gets the first answer), the form read once into a <see cref="VoiceRequest"/>, the feature's
/// handler, and its TwiML. Whatever fails on the way is answered in one place, <see cref="UseVoiceFailures"/>.
/// </summary>
public static class VoiceWebhooks
{
    /// <summary>Registers the pipeline's pieces and the call webhooks (the menus).</summary>
    public static IServiceCollection AddVoice(this IServiceCollection services)
    {
        services.AddSingleton<WebhookReplays>();
        services.AddSingleton<CallMenus>();
        services.AddSingleton<Apologies>();
        services.AddSingleton<CallWebhooks>();
        return services;
    }

    /// <summary>The <c>/voice</c> group; each feature maps its webhooks on it with <see cref="MapWebhook{THandlers}"/>.</summary>
    public static RouteGroupBuilder MapVoiceWebhooks(this IEndpointRouteBuilder app) =>
        app.MapGroup("/voice")
            .AddEndpointFilter<TwilioSignatureFilter>()
            // After the signature check: a delivery Twilio repeats gets the first one's answer and changes nothing.
            .AddEndpointFilter(app.ServiceProvider.GetRequiredService<WebhookReplays>())
            .DisableAntiforgery();

    /// <summary>
    /// A POST webhook: the form is read only here, after the filters (an unsigned request is refused before its body
    /// is read), and <paramref name="handle"/> answers with TwiML.
    /// </summary>
    public static RouteHandlerBuilder MapWebhook<THandlers>(this RouteGroupBuilder voice, string pattern,
        Func<THandlers, VoiceRequest, CancellationToken, Task<VoiceResponse>> handle) where THandlers : notnull =>
        voice.MapPost(pattern, async (HttpContext http, THandlers handlers) =>
        {
            var answer = await handle(handlers, await VoiceRequest.ReadAsync(http), http.RequestAborted);
            // An answer stored with the step is the rendering of this very response: it is not rendered twice.
            return http.Features.Get<WebhookDelivery>()?.Answer ?? new TwimlResult(answer);
        });

    /// <summary>
    /// A webhook whose handler stores its answer, and the idempotency token it was delivered with, in the write of
    /// its step (<see cref="WebhookDelivery"/>), and writes nothing else: one write per webhook instead of a claim, the
    /// step and the answer (see <see cref="WebhookReplays"/>).
    /// </summary>
    public static RouteHandlerBuilder KeepsItsAnswerInItsStep(this RouteHandlerBuilder route) =>
        route.WithMetadata(new AnswerKeptInStep());

    /// <summary>A webhook that fails while the caller holds in a queue answers a pause instead: they keep their place.</summary>
    public static RouteHandlerBuilder KeepsHoldingOnFailure(this RouteHandlerBuilder route) =>
        route.WithMetadata(new KeepHoldingOnFailure());

    /// <summary>
    /// The one place a voice webhook's failure (database, menu, a bug, a body the form reader refuses) becomes TwiML:
    /// the apology in the call's language, or a pause in a queue's hold music. Logged with the CallSid.
    /// </summary>
    public static IApplicationBuilder UseVoiceFailures(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/voice"))
            {
                await next(context);
                return;
            }
            try
            {
                await next(context);
            }
            catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                var callSid = context.Features.Get<VoiceRequest>()?.CallSid;
                var services = context.RequestServices;
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(VoiceWebhooks))
                    .LogError(exception, "Voice webhook {Path} for call {CallSid} failed; the caller hears an apology", context.Request.Path, callSid);
                context.Response.Clear();
                var answer = context.GetEndpoint()?.Metadata.GetMetadata<KeepHoldingOnFailure>() is not null
                    ? new VoiceResponse().Pause(20)
                    : await services.GetRequiredService<Apologies>().ForCallAsync(callSid);
                await new TwimlResult(answer).ExecuteAsync(context);
            }
        });

    private sealed record KeepHoldingOnFailure;

    internal sealed record AnswerKeptInStep;
}
