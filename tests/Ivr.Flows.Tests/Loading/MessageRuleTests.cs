using Ivr.Flows.Model;
using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

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
            "30:20", "messages.closed.en-US", "unknown placeholder {departmnet} in message 'closed' (it can use {department}, {when})");

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
        AssertProblem(result.Errors.First(), "30:3", "messages", "message 'invalid_input' has no built-in de-DE text; add messages.invalid_input.de-DE");
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

        Assert.All(result.Errors, e => AssertProblem(e, "4:29", "hotline.languages[2]", "has no built-in de-DE text"));
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
