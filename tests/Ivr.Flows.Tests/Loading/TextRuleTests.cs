using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

public class TextRuleTests
{
    [Fact]
    public void APlainString_IsTheSameTextForEveryLanguage()
    {
        var say = Load(Valid).Definition!.Menus["welcome"].Say!;

        Assert.Equal(("Dzień dobry.", "Dzień dobry."), (say.For("pl-PL"), say.For("en-US")));
    }

    [Fact]
    public void ATextMap_MissingAConfiguredLanguage_IsAnError() =>
        SingleError(Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "{ pl-PL: Do widzenia. }"),
            "27:10", "menus.bye.say", "missing translation for en-US; a caller must never hear silence");

    [Fact]
    public void ATextMap_WithALanguageThatIsNotConfigured_IsAnError() =>
        SingleError(Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "{ pl-PL: Do widzenia., en-US: Goodbye., de-DE: Tschüss. }"),
            "27:50", "menus.bye.say.de-DE", "language 'de-DE' is not one of the hotline's languages (pl-PL, en-US)");

    [Fact]
    public void AnEmptyText_IsAnError() =>
        SingleError(Replace("say: Dzień dobry.", "say: \"\""),
            "19:10", "menus.welcome.say", "expected a text (a string, or a map from language to string), found ''");

    [Fact]
    public void AMissingTitle_IsAnError() =>
        SingleError(Replace("    title: { pl-PL: dział zamówień, en-US: the orders team }\n", ""),
            "10:5", "departments.orders.title", "missing 'title'");

    [Fact]
    public void ATextForAPollyVoice_MayHave3000Characters()
    {
        var ok = Load(Replace("pl-PL: Wybierz", $"pl-PL: {new string('a', 3000)}"));
        Assert.Empty(ok.Problems);

        SingleError(Replace("pl-PL: Wybierz", $"pl-PL: {new string('a', 3001)}"),
            "22:22", "menus.main.prompt.pl-PL", "the pl-PL text is 3001 characters long; Twilio's <Say> takes at most 3000 with voice Polly.Ewa");
    }

    [Fact]
    public void ATextForAnotherVoice_MayHave4096Characters()
    {
        var ok = Load(Replace("en-US: Choose", $"en-US: {new string('a', 4096)}"));
        Assert.Empty(ok.Problems);

        SingleError(Replace("en-US: Choose", $"en-US: {new string('a', 4097)}"),
            "22:38", "menus.main.prompt.en-US", "the en-US text is 4097 characters long; Twilio's <Say> takes at most 4096 with the default voice");
    }

    [Fact]
    public void APlainString_IsHeldToTheStrictestVoice() =>
        SingleError(Replace("say: Dzień dobry.", $"say: {new string('a', 3500)}"),
            "19:10", "menus.welcome.say", "the pl-PL text is 3500 characters long; Twilio's <Say> takes at most 3000");

    [Fact]
    public void OptionLanguage_MustBeConfigured() =>
        SingleError(Replace("{ next: bye }", "{ language: de-DE, next: bye }"),
            "25:24", "menus.main.options.\"2\".language", "language 'de-DE' is not one of the hotline's languages (pl-PL, en-US)");

    [Fact]
    public void OptionLanguage_SwitchesTheCall()
    {
        var option = Load(Replace("{ next: bye }", "{ language: en-US, next: bye }")).Definition!.Menus["main"].Options[1];

        Assert.Equal("en-US", option.Language);
    }

    [Fact]
    public void SpeechKeywords_ForAnUnconfiguredLanguage_AreAnError() =>
        SingleError(Replace("en-US: [order] }", "en-US: [order], de-DE: [Bestellung] }"),
            "24:76", "menus.main.options.\"1\".speech.de-DE", "keywords for 'de-DE', which is not one of the hotline's languages");

    [Fact]
    public void ASingleSpeechKeyword_NeedsNoList()
    {
        var option = Load(Replace("en-US: [order]", "en-US: order")).Definition!.Menus["main"].Options[0];

        Assert.Equal(["order"], option.Speech["en-US"]);
    }
}
