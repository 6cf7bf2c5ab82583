using Microsoft.Extensions.Options;

namespace Ivr.Api.Shop;

/// <summary>The <c>Shop</c> section: where the shop's API is (docs/shop-api.yaml) and how long it may take.</summary>
public sealed class ShopOptions
{
    public const string SectionName = "Shop";

    /// <summary>The shop API's base URL, e.g. https://shop.example.com/hotline-api. Without it: no lookups, except the
    /// demo shop in local mode.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer ...</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long the shop may take to answer one request, in milliseconds.</summary>
    public int TimeoutMs { get; set; } = 2500;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);
}

internal static class ShopOptionsValidation
{
    public static IServiceCollection AddShopOptions(this IServiceCollection services)
    {
        services.AddOptions<ShopOptions>().BindConfiguration(ShopOptions.SectionName)
            .Validate(o => !o.IsConfigured || (Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                                               && string.IsNullOrEmpty(uri.Query)),
                "Shop:BaseUrl must be an absolute http(s) URL without a query, the base of the shop's hotline API, e.g. https://shop.example.com/hotline-api (docs/shop-api.yaml)")
            .Validate(o => o.TimeoutMs is >= 200 and <= 10_000,
                "Shop:TimeoutMs must be between 200 and 10000 (milliseconds the shop may take; a caller waits that long at most)")
            .Validate(o => o.IsConfigured || string.IsNullOrEmpty(o.ApiKey),
                "Shop:ApiKey is set but Shop:BaseUrl is not: set Shop:BaseUrl to the shop's API, or remove the key")
            .Validate(o => string.IsNullOrEmpty(o.ApiKey) || o.ApiKey.All(c => c is > ' ' and < (char)127),
                "Shop:ApiKey must be printable ASCII without spaces (it is sent as a bearer token)")
            .Validate<IOptions<TwilioOptions>>((o, twilio) => !o.IsConfigured || twilio.Value.IsLocalMode
                                                              || o.BaseUrl!.StartsWith("https://", StringComparison.OrdinalIgnoreCase),
                "Shop:BaseUrl must use https with Twilio credentials: callers' numbers and the API key are sent to it")
            .ValidateOnStart();
        return services;
    }
}
