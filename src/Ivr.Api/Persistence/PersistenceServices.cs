namespace Ivr.Api.Persistence;

/// <summary>Registers the database and its stores of calls, menu versions and the audit log, with their upkeep (WAL checkpoints, retention).</summary>
public static class PersistenceServices
{
    public static IServiceCollection AddPersistence(this IServiceCollection services)
    {
        services.AddSingleton<Database>();
        services.AddHostedService<WalCheckpointer>();
        services.AddSingleton<CallStore>();
        services.AddSingleton<MenuVersionStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<SharedLimits>();
        services.AddSingleton<Retention>();
        services.AddHostedService(provider => provider.GetRequiredService<Retention>());
        return services;
    }
}
