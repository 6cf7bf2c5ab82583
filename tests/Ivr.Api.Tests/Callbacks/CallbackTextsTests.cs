using Ivr.Api.Callbacks;

namespace Ivr.Api.Tests.Callbacks;

public sealed class CallbackTextsTests
{
    private static readonly TimeZoneInfo Warsaw = TimeZoneInfo.FindSystemTimeZoneById("Europe/Warsaw");
    private static readonly string[] Languages = ["pl-PL", "en-US"];

    // Wednesday 25 November 2026, 10:00 in Warsaw.
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));

    [Theory]
    [InlineData(0, 31, "pl-PL", "dziś ok. 10:35")]
    [InlineData(0, 35, "pl-PL", "dziś ok. 10:35")]
    [InlineData(0, 31, "en-US", "today at about 10:35")]
    [InlineData(22, 1, "pl-PL", "jutro ok. 08:05")]
    [InlineData(22, 1, "en-US", "tomorrow at about 08:05")]
    [InlineData(48, 0, "pl-PL", "w piątek ok. 10:00")]
    [InlineData(96, 0, "pl-PL", "w niedzielę ok. 10:00")]
    [InlineData(48, 0, "en-US", "on Friday at about 10:00")]
    [InlineData(192, 0, "pl-PL", "3 grudnia ok. 10:00")]
    [InlineData(192, 0, "en-US", "on 3 December at about 10:00")]
    public void TheExpectedTime_IsSaidAsAPersonWould_InTheHotlinesZone(int hours, int minutes, string language, string expected)
    {
        var when = Now + TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes);

        Assert.Equal(expected, CallbackTexts.When(when, Now, Warsaw, language));
    }

    [Fact]
    public void AnExpectedTimeAlreadyPast_IsShortly()
    {
        Assert.Equal("za chwilę", CallbackTexts.When(Now - TimeSpan.FromMinutes(3), Now, Warsaw, "pl-PL"));
        Assert.Equal("shortly", CallbackTexts.When(Now, Now, Warsaw, "en-US"));
    }

    [Theory]
    [InlineData(1, "Spróbuj ponownie za 1 minutę.")]
    [InlineData(3, "Spróbuj ponownie za 3 minuty.")]
    [InlineData(10, "Spróbuj ponownie za 10 minut.")]
    [InlineData(22, "Spróbuj ponownie za 22 minuty.")]
    public void TheWaitBeforeTryingAgain_IsInWholeMinutes_WithPolishPlurals(int minutes, string expected)
    {
        Assert.EndsWith(expected, CallbackTexts.Polish.TooMany(TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [InlineData(null, null, "pl-PL")]
    [InlineData(null, "en-US,en;q=0.9", "en-US")]
    [InlineData(null, "en-GB", "en-US")]
    [InlineData(null, "de-DE,en;q=0.5,pl;q=0.8", "pl-PL")]
    [InlineData(null, "fr-FR, de;q=0.9", "pl-PL")]
    [InlineData(null, "en;q=0, pl", "pl-PL")]
    [InlineData(null, "en;q=abc, pl;q=0.1", "pl-PL")]
    [InlineData("en", "pl-PL", "en-US")]
    [InlineData("EN_us", null, "en-US")]
    [InlineData("xx", "en", "en-US")]
    public void TheLanguage_IsTheChosenOne_ThenTheBrowsers_ThenTheHotlinesDefault(string? chosen, string? acceptLanguage, string expected)
    {
        Assert.Equal(expected, WebLanguage.Match(chosen, Languages) ?? WebLanguage.FromAcceptLanguage(acceptLanguage, Languages));
    }
}
