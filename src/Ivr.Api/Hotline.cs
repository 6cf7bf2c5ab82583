using Ivr.Api.Care;
using Ivr.Api.Callbacks;
using Ivr.Api.Admin;
using Ivr.Api.LocalPhone;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Simulation;
using Ivr.Api.Shop;
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
        builder.AddSimulationClock();
        KeepNumbersOutOfFrameworkLogs(builder);
        builder.Services.AddHotlineOptions();
        builder.Services.AddSingleton<Database>();
        builder.Services.AddHostedService<WalCheckpointer>();
        builder.Services.AddSingleton<CallStore>();
        builder.Services.AddSingleton<MenuVersionStore>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<SharedLimits>();
        builder.Services.AddSingleton<WebhookReplays>();
        builder.Services.AddSingleton<MenuCatalog>();
        builder.Services.AddSingleton<MenuAdmin>();
        builder.Services.AddSingleton<Health>();
        builder.Services.AddSingleton<Retention>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Retention>());
        builder.Services.AddHostedService<MenuFileWatcher>();
        builder.Services.AddSingleton<MenuSync>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MenuSync>());
        builder.Services.AddSingleton<VoiceCalls>();
        builder.Services.AddSingleton<AgentStore>();
        builder.Services.AddSingleton<QueueStore>();
        builder.Services.AddSingleton<QueueCalls>();
        builder.Services.AddSingleton<StatsStore>();
        builder.Services.AddSingleton<DepartmentRates>();
        builder.Services.AddSingleton<RatesRefresher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RatesRefresher>());
        builder.Services.AddSingleton<WaitAnnouncer>();
        builder.Services.AddSingleton<QueueDistributor>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QueueDistributor>());
        builder.Services.AddSingleton<RingChecks>();
        builder.Services.AddSingleton<QueueSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QueueSweeper>());
        builder.Services.AddCustomerCare();
        builder.Services.AddSingleton<CallbackStore>();
        builder.Services.AddSingleton<CallbackBookings>();
        builder.Services.AddSingleton<CallbackDispatcher>();
        builder.Services.AddSingleton<CallbackCalls>();
        builder.Services.AddSingleton<CallbackRateLimits>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CallbackDispatcher>());
        builder.Services.AddTwilioRestClient();
        ShopClient.AddShop(builder.Services);
        builder.Services.AddAdminConsole();
        builder.Services.AddLocalPhone();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<IvrOptions>>((forwarded, ivr) =>
        {
            // X-Forwarded-* are believed only from the proxies in Ivr:TrustedProxies, walking back from the
            // connection through trusted hops; anyone else's are ignored (the middleware is not even used without any).
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.ForwardLimit = null;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            var (addresses, networks, _) = ivr.Value.ParsedProxies();
            foreach (var address in addresses)
                forwarded.KnownProxies.Add(address);
            foreach (var network in networks)
                forwarded.KnownIPNetworks.Add(network);
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
            SimulationClockRegistration.Announce(app.Services, logger);
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

        // With no known proxies the middleware would believe everyone, so it runs only when some are configured.
        if (app.Services.GetRequiredService<IOptions<IvrOptions>>().Value.ParsedProxies() is { } proxies
            && proxies.Addresses.Count + proxies.Networks.Count > 0)
            app.UseForwardedHeaders();
        app.UseBodyLimits();
        app.UseAuthentication();
        app.UseVoiceSafetyNet();
        app.MapVoice();
        app.MapAgents();
        app.MapStats();
        app.MapLocalPhone();
        app.MapDemoShop();
        app.MapCallbackForm();
        app.MapCallbackApi();
        app.MapAdminConsole();
        // Console users reach what their role allows (ConsoleAccess); the API key reaches everything.
        var adminApi = app.MapGroup("/admin/api").AddEndpointFilter<AdminApiFilter>();
        adminApi.MapMenuAdmin();
        adminApi.MapGroup("").AllowConsoleRole(ConsoleRole.Supervisor).MapMenuDiagram();
        adminApi.MapGroup("").AllowConsoleRole(ConsoleRole.Viewer).MapDashboard();
        adminApi.MapGroup("").AllowConsoleRole(ConsoleRole.Supervisor).MapCallbackAdmin();
        adminApi.MapAudit();
        adminApi.MapSupervisorViews();
        adminApi.MapGroup("").AllowConsoleRole(ConsoleRole.Supervisor).MapContacts();
        adminApi.MapGet("/health", (HttpContext http, Health health) => health.AnswerAsync(http, detailed: true))
            .AllowConsoleRole(ConsoleRole.Viewer);
        app.MapGet("/healthz", (HttpContext http, Health health) => health.AnswerAsync(http));
        return true;
    }

    /// <summary>
    /// ASP.NET Core logs every request's full URL at Information, and the HTTP client every URL it calls; webhook
    /// URLs can carry a caller's number (a callback to confirm). Those categories log warnings only, unless
    /// Logging:LogLevel says otherwise for them.
    /// </summary>
    private static void KeepNumbersOutOfFrameworkLogs(WebApplicationBuilder builder)
    {
        foreach (var category in new[] { "Microsoft.AspNetCore", "System.Net.Http.HttpClient" })
        {
            if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
                builder.Logging.AddFilter(category, LogLevel.Warning);
        }
    }

    private static void WarnAboutLocalShortcuts(WebApplication app, ILogger logger)
    {
        var twilio = app.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        var ivr = app.Services.GetRequiredService<IOptions<IvrOptions>>().Value;
        if (twilio.IsLocalMode && ivr.LocalModeIsOpen)
            logger.LogWarning("LOCAL MODE, OPEN: no Twilio credentials (Twilio:AccountSid, Twilio:AuthToken), and Ivr:LocalMode=open: " +
                              "ANY address that reaches this service may use the browser phone at /phone and send webhooks signed " +
                              "with the simulator's public token. Never run it like this where strangers can reach it");
        else if (twilio.IsLocalMode)
            logger.LogWarning("LOCAL MODE: no Twilio credentials (Twilio:AccountSid, Twilio:AuthToken). Webhooks signed by the " +
                              "local simulator and the browser phone at /phone are accepted from this machine only (loopback); " +
                              "set Twilio credentials to take real calls");
        var shop = app.Services.GetRequiredService<IOptions<ShopOptions>>().Value;
        if (!shop.IsConfigured && twilio.IsLocalMode)
            logger.LogWarning("LOCAL MODE: Shop:BaseUrl is not set, so order lookups are answered by the built-in demo shop " +
                              "(served under /demo-shop; the default number of /phone and the phone command, {OneOrder}, has one " +
                              "open order, {TwoOrders} has two)",
                PhoneMask.Number(Ivr.Simulator.FakeShop.OneOrderCaller), PhoneMask.Number(Ivr.Simulator.FakeShop.TwoOrdersCaller));
        else if (!shop.IsConfigured)
            logger.LogWarning("Shop:BaseUrl is not set: menus with lookup go to their on_error menu and {{first_name|...}} " +
                              "uses its fallback. Set Shop:BaseUrl (docs/shop-api.yaml) to look orders up in the shop");
        if (!ivr.ValidateSignatures)
            logger.LogWarning("Ivr:ValidateSignatures is false: X-Twilio-Signature is NOT checked and anyone who " +
                              "can reach this service can drive calls. Use this only on a local machine");
    }
}
