using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Tests.Hosting;

/// <summary>Numbers in the settings are read by the numbering plan of their country when the service starts.</summary>
public sealed class NumberSettingsTests
{
    [Theory]
    [InlineData("+48111111111")]
    [InlineData("+4990012345678")]
    [InlineData("0048 22 123")]
    public void AFallbackNumberNoCountryGivesOut_IsRefused_NamingTheKey(string number)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Options<IvrOptions>(("Ivr:FallbackNumber", number)));

        Assert.Contains(failure.Failures, message => message.StartsWith("Ivr:FallbackNumber must be an E.164 number", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("+48221234567")]
    [InlineData("+4930123456")]
    [InlineData("+447912345678")]
    public void AFallbackNumberInUse_IsTaken(string number) =>
        Assert.Equal(number, Options<IvrOptions>(("Ivr:FallbackNumber", number)).FallbackNumber);

    [Fact]
    public void ATwilioNumberNoCountryGivesOut_IsRefused_NamingTheKey()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Options<TwilioOptions>(("Twilio:PhoneNumber", "+48111111111")));

        Assert.Contains(failure.Failures, message => message.StartsWith("Twilio:PhoneNumber must be your Twilio number in E.164", StringComparison.Ordinal));
    }

    private static T Options<T>(params (string Key, string Value)[] settings) where T : class
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddHotlineOptions();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<T>>().Value;
    }
}
