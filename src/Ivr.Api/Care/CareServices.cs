namespace Ivr.Api.Care;

/// <summary>Registers the customer-care pieces: contact history, the post-call survey and their figures.</summary>
public static class CareServices
{
    public static IServiceCollection AddCustomerCare(this IServiceCollection services)
    {
        services.AddSingleton<ContactStore>();
        services.AddSingleton<SurveyStore>();
        services.AddSingleton<SurveyWebhooks>();
        services.AddSingleton<CareStatsStore>();
        return services;
    }
}
