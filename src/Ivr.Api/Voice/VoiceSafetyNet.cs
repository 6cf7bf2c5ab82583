namespace Ivr.Api.Voice;

/// <summary>
/// The last line of defence for voice webhooks: an exception that escapes everything else (a body the form
/// reader refuses, a bug in a filter) still gets valid TwiML with an apology, never Twilio's "application error".
/// </summary>
public static class VoiceSafetyNet
{
    public static IApplicationBuilder UseVoiceSafetyNet(this IApplicationBuilder app) =>
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
                var services = context.RequestServices;
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(VoiceSafetyNet))
                    .LogError(exception, "Voice webhook {Path} failed before it could be answered; the caller hears an apology",
                        context.Request.Path);
                context.Response.Clear();
                await services.GetRequiredService<VoiceCalls>().Apology().ExecuteAsync(context);
            }
        });
}
