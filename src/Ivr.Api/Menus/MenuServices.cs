namespace Ivr.Api.Menus;

/// <summary>Registers the menus: the catalog of versions, their editing, the file watcher and the agents' sync.</summary>
public static class MenuServices
{
    public static IServiceCollection AddMenus(this IServiceCollection services)
    {
        services.AddSingleton<MenuCatalog>();
        services.AddSingleton<MenuAdmin>();
        services.AddHostedService<MenuFileWatcher>();
        services.AddSingleton<MenuSync>();
        services.AddHostedService(provider => provider.GetRequiredService<MenuSync>());
        return services;
    }
}
