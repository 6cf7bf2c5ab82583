using Ivr.Flows.Model;
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
            "24:73", "menus.main.options.\"1\".speech.de-DE", "keywords for 'de-DE', which is not one of the hotline's languages");

    [Fact]
    public void ASingleSpeechKeyword_NeedsNoList()
    {
        var option = Load(Replace("en-US: [order]", "en-US: order")).Definition!.Menus["main"].Options[0];

        Assert.Equal(["order"], option.Speech["en-US"]);
    }
}

public class MessageRuleTests
{
    [Fact]
    public void Messages_OverrideTheBuiltInTexts_PerLanguage()
    {
        var yaml = Valid + "\nmessages:\n  goodbye: { en-US: Bye now. }\n  invalid_input: Ups.";

        var result = Load(yaml);

        Assert.Empty(result.Problems);
        var messages = result.Definition!.Messages;
        Assert.Equal("Bye now.", messages.Get(SystemMessages.Goodbye, "en-US"));
        Assert.Equal("Dziękujemy za telefon. Do widzenia.", messages.Get(SystemMessages.Goodbye, "pl-PL"));
        Assert.Equal("Ups.", messages.Get(SystemMessages.InvalidInput, "en-US"));
    }

    [Fact]
    public void AnUnknownMessageKey_IsAnError() =>
        SingleError(Valid + "\nmessages:\n  goodby: Bye.",
            "30:3", "messages.goodby", "unknown message 'goodby' (did you mean 'goodbye'?)");

    [Fact]
    public void AMessageInAnUnconfiguredLanguage_IsAnError() =>
        SingleError(Valid + "\nmessages:\n  goodbye: { de-DE: Tschüss. }",
            "30:14", "messages.goodbye.de-DE", "language 'de-DE' is not one of the hotline's languages");

    [Fact]
    public void AnUnknownPlaceholder_IsAnError() =>
        SingleError(Valid + "\nmessages:\n  closed: { en-US: \"{departmnet} is closed, open {when}.\" }",
            "30:21", "messages.closed.en-US", "unknown placeholder {departmnet} in message 'closed' (it can use {department}, {when})");

    [Fact]
    public void ALanguageWithoutBuiltInTexts_NeedsEveryMessage()
    {
        var yaml = Valid.Replace("[pl-PL, en-US]", "[pl-PL, en-US, de-DE]")
            .Replace("{ pl-PL: dział zamówień, en-US: the orders team }", "Bestellungen")
            .Replace("{ pl-PL: Wybierz, en-US: Choose }", "Wählen")
            .Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "Tschüss")
            + "\nmessages:\n  goodbye: { de-DE: Auf Wiederhören. }";

        var result = Load(yaml);

        Assert.Null(result.Definition);
        Assert.Equal(SystemMessages.Defaults.Count - 1, result.Errors.Count());
        AssertProblem(result.Errors.First(), "29:1", "messages", "message 'invalid_input' has no built-in de-DE text; add messages.invalid_input.de-DE");
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("'goodbye'"));
    }

    [Fact]
    public void ALanguageWithoutBuiltInTexts_WithoutAMessagesSection_IsReportedAtTheLanguage()
    {
        var yaml = Valid.Replace("[pl-PL, en-US]", "[pl-PL, en-US, de-DE]")
            .Replace("{ pl-PL: dział zamówień, en-US: the orders team }", "Bestellungen")
            .Replace("{ pl-PL: Wybierz, en-US: Choose }", "Wählen")
            .Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "Tschüss");

        var result = Load(yaml);

        Assert.All(result.Errors, e => AssertProblem(e, "4:30", "hotline.languages[2]", "has no built-in de-DE text"));
        Assert.Contains(result.Errors, e => e.Message.Contains("message 'goodbye' has no built-in de-DE text"));
    }

    [Fact]
    public void ALanguageWithoutBuiltInTexts_LoadsWhenEveryMessageIsGiven()
    {
        var messages = string.Join("\n", SystemMessages.Defaults.Keys.Select(key => $"  {key}: {{ de-DE: \"{key} auf Deutsch\" }}"));
        var yaml = Valid.Replace("[pl-PL, en-US]", "[pl-PL, en-US, de-DE]")
            .Replace("{ pl-PL: dział zamówień, en-US: the orders team }", "Bestellungen")
            .Replace("{ pl-PL: Wybierz, en-US: Choose }", "Wählen")
            .Replace("{ pl-PL: Do widzenia., en-US: Goodbye. }", "Tschüss")
            + "\nmessages:\n" + messages;

        var result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Equal("goodbye auf Deutsch", result.Definition!.Messages.Get(SystemMessages.Goodbye, "de-DE"));
    }
}
