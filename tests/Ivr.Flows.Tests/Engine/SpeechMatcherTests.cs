using Ivr.Flows.Engine;

namespace Ivr.Flows.Tests.Engine;

public class SpeechMatcherTests
{
    [Theory]
    [InlineData("Zamówienie, proszę!", new[] { "zamowienie", "prosze" })]
    [InlineData("ŁÓDŹ żółć", new[] { "lodz", "zolc" })]
    [InlineData("  ", new string[0])]
    public void Words_AreLowercaseWithoutDiacriticsOrPunctuation(string text, string[] expected) =>
        Assert.Equal(expected, SpeechMatcher.Words(text));

    [Fact]
    public void ShortWordsMustMatchExactly()
    {
        var options = TestMenus.Definition.Menus["main"].Options;
        Assert.Null(SpeechMatcher.Match(options, "zwr", "pl-PL"));
        Assert.Equal("2", SpeechMatcher.Match(options, "zwrotu", "pl-PL")?.Key);
        Assert.Null(SpeechMatcher.Match(options, "pogoda na jutro", "pl-PL"));
    }
}
