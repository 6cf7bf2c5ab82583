namespace Ivr.Api.Queues;

/// <summary>Registers the queues: agents, the distributor and its checks, the learned rates, wait announcements and the webhooks.</summary>
public static class QueueServices
{
    public static IServiceCollection AddQueues(this IServiceCollection services)
    {
        services.AddSingleton<AgentStore>();
        services.AddSingleton<QueueStore>();
        services.AddSingleton<QueueWebhooks>();
        services.AddSingleton<StatsStore>();
        services.AddSingleton<DepartmentRates>();
        services.AddSingleton<RatesRefresher>();
        services.AddHostedService(provider => provider.GetRequiredService<RatesRefresher>());
        services.AddSingleton<WaitAnnouncer>();
        services.AddSingleton<QueueDistributor>();
        services.AddHostedService(provider => provider.GetRequiredService<QueueDistributor>());
        services.AddSingleton<RingChecks>();
        services.AddSingleton<QueueSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<QueueSweeper>());
        return services;
    }
}
