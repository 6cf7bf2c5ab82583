namespace Ivr.Api.Callbacks;

/// <summary>Registers callbacks: their store and bookings, the dispatcher that places them, and their webhooks.</summary>
public static class CallbackServices
{
    public static IServiceCollection AddCallbacks(this IServiceCollection services)
    {
        services.AddSingleton<CallbackStore>();
        services.AddSingleton<CallbackBookings>();
        services.AddSingleton<CallbackDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<CallbackDispatcher>());
        services.AddSingleton<CallbackRateLimits>();
        services.AddSingleton<BookingDialogWebhooks>();
        services.AddSingleton<LeaveForCallbackWebhooks>();
        services.AddSingleton<ReturningCallerWebhooks>();
        services.AddSingleton<CallbackLegWebhooks>();
        return services;
    }
}
