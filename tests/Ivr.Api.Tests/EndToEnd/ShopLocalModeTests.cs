using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ivr.Api.Shop;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Tests;

/// <summary>The shop in local mode (the demo shop, out of the box), greetings by first name, and the client's edges.</summary>
public sealed class ShopLocalModeTests
{
    private static readonly Uri Incoming = new(HotlineFactory.PublicBaseUrl + "/voice/incoming");

    private static async Task<CallRecord> CallAsync(HotlineFactory factory, string script, string from = CallSetup.DefaultFrom)
    {
        var simulator = new VoiceSimulator(factory.CreateClient(), new SimulatorOptions
        {
            StatusCallbackUrl = new Uri(HotlineFactory.PublicBaseUrl + "/voice/status"),
        });
        var call = await simulator.CallAsync(Incoming, ScriptedCaller.FromScript(script), new CallSetup { From = from });
        Assert.False(call.HadApplicationError, call.Transcript());
        return call;
    }

    [Fact]
    public async Task InLocalMode_TheSampleHotlineReadsAnOrderFromTheDemoShop_OutOfTheBox()
    {
        await using var factory = new HotlineFactory();

        var call = await CallAsync(factory, "1,2,*");

        // 2026-11-25 is a Wednesday: the demo order is expected two days later.
        Assert.Contains("Zamówienie numer 1 0 0 2 3 4: wysłane, jest w drodze do paczkomatu. Przewidywana dostawa w piątek, 27 listopada. " +
                        "Przesyłkę dostarczy InPost.", call.Spoken);
    }

    [Fact]
    public async Task TheDemoShop_IsServedUnderDemoShop_InLocalMode()
    {
        await using var factory = new HotlineFactory();
        var client = factory.CreateClient();

        var orders = await client.GetFromJsonAsync<JsonElement>("/demo-shop/orders?phone=%2B48500100300");
        Assert.Equal(["200301", "200302"], orders.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("number").GetString()));
        var customer = await client.GetFromJsonAsync<JsonElement>("/demo-shop/customers?phone=%2B48500100200");
        Assert.Equal("Anna", customer.GetProperty("firstName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/demo-shop/orders/100234?phone=%2B48500100300")).StatusCode);
    }

    [Fact]
    public async Task WithAShopConfigured_TheDemoShopIsNotServed()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Shop:BaseUrl"] = "http://127.0.0.1:1/api" });

        Assert.Equal(HttpStatusCode.NotFound, (await factory.CreateClient().GetAsync("/demo-shop/orders?phone=%2B48500100300")).StatusCode);
    }

    [Theory]
    [InlineData(CallSetup.DefaultFrom, "Dzień dobry, Anna! Tu Sklep Przykładowy.")]
    [InlineData("+48600700800", "Dzień dobry, witamy! Tu Sklep Przykładowy.")]
    public async Task TheGreeting_UsesTheShopsFirstName_OnlyWhereTheTextAsksForIt(string from, string greeting)
    {
        var folder = Directory.CreateTempSubdirectory("ivr-first-name-");
        var menu = Path.Combine(folder.FullName, "ivr-menus.yaml");
        var sample = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));
        await File.WriteAllTextAsync(menu, sample.Replace(
            "\"Dzień dobry, tu Sklep Przykładowy. Rozmowa może być nagrywana, aby poprawić jakość obsługi.\"",
            "\"Dzień dobry, {first_name|witamy}! Tu Sklep Przykładowy.\""));
        await using var factory = new HotlineFactory(settings: new() { ["Ivr:MenuFile"] = menu });

        var call = await CallAsync(factory, "", from);

        Assert.Equal(greeting, call.Spoken.First());
    }

    [Fact]
    public async Task AShopThatRefusesConnections_IsUnavailable_NotAnException()
    {
        // Port 1 on this machine: nothing listens, the connection is refused at once.
        using var http = new HttpClient();
        var client = new ShopClient(http, Options.Create(new ShopOptions { BaseUrl = "http://127.0.0.1:1/api" }),
            Options.Create(new TwilioOptions()), TimeProvider.System, NullLogger<ShopClient>.Instance);

        var answer = await client.OrderAsync("100234", "+48500100200", CancellationToken.None);

        Assert.Equal(ShopFailure.Unreachable, answer.Failure);
    }

    [Fact]
    public async Task AFailingShop_IsLoggedOncePerKindOfFailure_WithNumbersMasked_AndAgainWhenItAnswers()
    {
        var logs = new CollectedLogs();
        var shop = new FakeShop(TimeProvider.System) { Behaviour = FakeShopBehaviour.Html };
        using var http = new HttpClient(new SharedHandler(shop));
        var client = new ShopClient(http, Options.Create(new ShopOptions { BaseUrl = "https://shop.test/api" }),
            Options.Create(new TwilioOptions()), TimeProvider.System, new LoggerAdapter(logs));

        for (var i = 0; i < 3; i++)
            Assert.Equal(ShopFailure.BadAnswer, (await client.OrdersAsync("+48500100200", CancellationToken.None)).Failure);
        shop.Behaviour = FakeShopBehaviour.ServerError;
        await client.OrdersAsync("+48500100200", CancellationToken.None);
        await client.OrdersAsync("+48500100200", CancellationToken.None);
        shop.Behaviour = FakeShopBehaviour.Answers;
        Assert.Null((await client.OrdersAsync("+48500100200", CancellationToken.None)).Failure);

        var lines = logs.Lines.Select(l => l.Message).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("BadAnswer", lines[0]);
        Assert.Contains("ServerError", lines[1]);
        Assert.Contains("answers again", lines[2]);
        Assert.All(lines, line => Assert.DoesNotContain("500100200", line));
        Assert.Contains("+48******200", lines[0]);
    }

    private sealed class LoggerAdapter(CollectedLogs logs) : ILogger<ShopClient>
    {
        private readonly ILogger _inner = logs.CreateLogger("shop");
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _inner.Log(logLevel, eventId, state, exception, formatter);
    }

    [Theory]
    [InlineData("Shop:TimeoutMs", "50", "Shop:TimeoutMs must be between 200 and 10000")]
    [InlineData("Shop:BaseUrl", "shop.example.com", "Shop:BaseUrl must be an absolute http(s) URL")]
    [InlineData("Shop:ApiKey", "key", "Shop:ApiKey is set but Shop:BaseUrl is not")]
    public void AnInvalidShopSetting_IsRefused_NamingTheKeyAndTheFix(string key, string value, string message)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var services = new ServiceCollection().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddOptions<TwilioOptions>();
        ShopOptionsValidation.AddShopOptions(services);

        var refused = Assert.Throws<OptionsValidationException>(() => services.BuildServiceProvider().GetRequiredService<IOptions<ShopOptions>>().Value);
        Assert.Contains(refused.Failures, failure => failure.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void AShopOverPlainHttp_IsRefused_WithTwilioCredentials()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Shop:BaseUrl"] = "http://shop.example.com/api",
                ["Twilio:AccountSid"] = SwitchboardWorld.AccountSid,
                ["Twilio:AuthToken"] = "token",
            }).Build();
        var services = new ServiceCollection().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.SectionName);
        ShopOptionsValidation.AddShopOptions(services);

        var refused = Assert.Throws<OptionsValidationException>(() => services.BuildServiceProvider().GetRequiredService<IOptions<ShopOptions>>().Value);
        Assert.Contains(refused.Failures, failure => failure.StartsWith("Shop:BaseUrl must use https with Twilio credentials", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("100234", "100234")]
    [InlineData("100 234", "100234")]
    [InlineData("numer 100-234", "100234")]
    [InlineData("12", null)]
    [InlineData("abc", null)]
    [InlineData("123456789012345678901", null)]
    public void AnOrderNumber_IsItsDigits_WithinALength(string given, string? number) =>
        Assert.Equal(number, OrderLookupWebhooks.OrderNumber(given));
}
