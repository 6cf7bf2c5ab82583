using Ivr.Api.Callbacks;
using Ivr.Api.Admin;
using Ivr.Api.LocalPhone;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Twilio;
using Ivr.Api.Voice;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Ivr.Api;

/// <summary>What the service is made of: its registrations, then what it does before it takes calls.</summary>
public static class Hotline
{
    public static WebApplicationBuilder AddHotline(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHotlineOptions();
        builder.Services.AddSingleton<Database>();
        builder.Services.AddHostedService<WalCheckpointer>();
        builder.Services.AddSingleton<CallStore>();
        builder.Services.AddSingleton<MenuVersionStore>();
        builder.Services.AddSingleton<MenuCatalog>();
        builder.Services.AddSingleton<MenuAdmin>();
        builder.Services.AddHostedService<MenuFileWatcher>();
        builder.Services.AddSingleton<VoiceCalls>();
        builder.Services.AddSingleton<AgentStore>();
        builder.Services.AddSingleton<QueueStore>();
        builder.Services.AddSingleton<QueueCalls>();
        builder.Services.AddSingleton<StatsStore>();
        builder.Services.AddSingleton<DepartmentRates>();
        builder.Services.AddSingleton<WaitAnnouncer>();
        builder.Services.AddSingleton<QueueDistributor>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QueueDistributor>());
        builder.Services.AddSingleton<QueueSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QueueSweeper>());
        builder.Services.AddSingleton<CallbackStore>();
        builder.Services.AddSingleton<CallbackBookings>();
        builder.Services.AddSingleton<CallbackDispatcher>();
        builder.Services.AddSingleton<CallbackCalls>();
        builder.Services.AddSingleton<CallbackRateLimits>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CallbackDispatcher>());
        builder.Services.AddTwilioRestClient();
        builder.Services.AddAdminConsole();
        builder.Services.AddLocalPhone();
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            // Behind a tunnel or proxy the public scheme and host come from X-Forwarded-*; Ivr:PublicBaseUrl overrides both.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
        });
        return builder;
    }

    /// <summary>
    /// Creates the database, loads the menu and maps the endpoints. Returns false, having printed every problem,
    /// when the menu file is invalid: the service must not take calls it cannot answer.
    /// </summary>
    public static async Task<bool> PrepareHotlineAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ivr.Hotline");
        try
        {
            WarnAboutLocalShortcuts(app, logger);
        }
        catch (OptionsValidationException invalid)
        {
            Console.Error.WriteLine("The configuration is invalid; the service does not start:");
            foreach (var failure in invalid.Failures)
                Console.Error.WriteLine($"  {failure}");
            return false;
        }

        await app.Services.GetRequiredService<Database>().MigrateAsync();
        var catalog = app.Services.GetRequiredService<MenuCatalog>();
        var result = await catalog.LoadAsync();
        if (!result.IsValid)
        {
            var errors = result.Errors.ToList();
            Console.Error.WriteLine($"The menu file {catalog.FilePath} has {errors.Count} error(s); the service does not start:");
            foreach (var problem in errors)
                Console.Error.WriteLine(problem.ToString());
            return false;
        }

        await app.Services.GetRequiredService<DepartmentRates>().LoadAsync(app.Services.GetRequiredService<TimeProvider>().GetUtcNow());

        app.UseForwardedHeaders();
        app.UseAuthentication();
        app.UseVoiceSafetyNet();
        app.MapVoice();
        app.MapAgents();
        app.MapStats();
        app.MapLocalPhone();
        app.MapCallbackForm();
        app.MapCallbackApi();
        app.MapAdminConsole();
        var adminApi = app.MapGroup("/admin/api").AddEndpointFilter<AdminApiFilter>();
        adminApi.MapMenuAdmin();
        adminApi.MapMenuDiagram();
        adminApi.MapDashboard();
        adminApi.MapCallbackAdmin();
        app.MapGet("/healthz", (MenuCatalog menus) => TypedResults.Ok(MenuAdminEndpoints.Health(menus)));
        return true;
    }

    private static void WarnAboutLocalShortcuts(WebApplication app, ILogger logger)
    {
        var twilio = app.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        var ivr = app.Services.GetRequiredService<IOptions<IvrOptions>>().Value;
        if (twilio.IsLocalMode)
            logger.LogInformation("Local mode: no Twilio credentials (Twilio:AccountSid, Twilio:AuthToken); " +
                                  "webhooks are accepted when signed by the local simulator");
        if (!ivr.ValidateSignatures)
            logger.LogWarning("Ivr:ValidateSignatures is false: X-Twilio-Signature is NOT checked and anyone who " +
                              "can reach this service can drive calls. Use this only on a local machine");
    }
}
