using Ivr.Api.Callbacks;

namespace Ivr.Api.Tests.Callbacks;

public sealed class PhoneNumberTests
{
    private static readonly IReadOnlyList<string> PolandOnly = new CallbackOptions().CountryCodes;
    private static readonly IReadOnlyList<string> PolandAndGermany = new CallbackOptions { AllowedCountryCodes = "48, +49" }.CountryCodes;
    private static readonly IReadOnlyList<string> FourCountries = new CallbackOptions { AllowedCountryCodes = "48,49,44,33" }.CountryCodes;

    [Theory]
    [InlineData("500100200", "+48500100200")]
    [InlineData("500 100 200", "+48500100200")]
    [InlineData("500-100-200", "+48500100200")]
    [InlineData("(50) 010-02.00", "+48500100200")]
    [InlineData("500\u00A0100\u00A0200", "+48500100200")]
    [InlineData(" 500 100 200 ", "+48500100200")]
    [InlineData("+48 500 100 200", "+48500100200")]
    [InlineData("+48500100200", "+48500100200")]
    [InlineData("0048 500 100 200", "+48500100200")]
    [InlineData("48 500 100 200", "+48500100200")]
    [InlineData("22 123 45 67", "+48221234567")]
    [InlineData("0 22 123 45 67", "+48221234567")]
    [InlineData("0 500 100 200", "+48500100200")]
    public void PolishNumbers_AsPolesWriteThem_BecomeE164(string typed, string expected)
    {
        var result = PhoneNumbers.Parse(typed, PolandOnly);

        Assert.Null(result.Problem);
        Assert.Equal(expected, result.Number);
    }

    [Theory]
    [InlineData("", PhoneNumberProblem.Missing)]
    [InlineData("   ", PhoneNumberProblem.Missing)]
    [InlineData(null, PhoneNumberProblem.Missing)]
    [InlineData("12345", PhoneNumberProblem.TooShort)]
    [InlineData("50010020", PhoneNumberProblem.TooShort)]
    [InlineData("+48 500 100 20", PhoneNumberProblem.TooShort)]
    [InlineData("+48 500 100 2000", PhoneNumberProblem.TooLong)]
    [InlineData("+1234567890123456", PhoneNumberProblem.TooLong)]
    [InlineData("5001002000000000000000000000000000000000000", PhoneNumberProblem.TooLong)]
    [InlineData("5001002001", PhoneNumberProblem.NeedsCountryCode)]
    [InlineData("500 ABC 200", PhoneNumberProblem.Characters)]
    [InlineData("five hundred", PhoneNumberProblem.Characters)]
    [InlineData("++48500100200", PhoneNumberProblem.Characters)]
    [InlineData("500_100_200", PhoneNumberProblem.Characters)]
    [InlineData("５００１００２００", PhoneNumberProblem.Characters)]
    [InlineData("701 234 567", PhoneNumberProblem.SpecialRate)]
    [InlineData("0 700 123 456", PhoneNumberProblem.SpecialRate)]
    [InlineData("+48 708 123 456", PhoneNumberProblem.SpecialRate)]
    [InlineData("801 234 567", PhoneNumberProblem.SpecialRate)]
    [InlineData("0048 800 123 456", PhoneNumberProblem.SpecialRate)]
    [InlineData("+800 1234 5678", PhoneNumberProblem.SpecialRate)]
    [InlineData("+49 30 1234567", PhoneNumberProblem.CountryNotAllowed)]
    [InlineData("+44 20 7946 0000", PhoneNumberProblem.CountryNotAllowed)]
    [InlineData("0049 30 1234567", PhoneNumberProblem.CountryNotAllowed)]
    public void NumbersWeCannotCall_AreRefused_WithTheReason(string? typed, PhoneNumberProblem problem)
    {
        var result = PhoneNumbers.Parse(typed, PolandOnly);

        Assert.Null(result.Number);
        Assert.Equal(problem, result.Problem);
    }

    [Theory]
    [InlineData("+49 30 1234567", "+49301234567")]
    [InlineData("0049 151 23456789", "+4915123456789")]
    [InlineData("500 100 200", "+48500100200")]
    public void OtherCountries_AreAccepted_WhenConfigured(string typed, string expected)
    {
        Assert.Equal(expected, PhoneNumbers.Parse(typed, PolandAndGermany).Number);
    }

    [Theory]
    [InlineData("+49 900 1234567", PhoneNumberProblem.SpecialRate)]
    [InlineData("+49 180 1234567", PhoneNumberProblem.SpecialRate)]
    [InlineData("+44 20 7946 0000", PhoneNumberProblem.CountryNotAllowed)]
    public void AConfiguredCountry_StillRefusesItsPremiumRanges_AndOthersStayRefused(string typed, PhoneNumberProblem problem)
    {
        Assert.Equal(problem, PhoneNumbers.Parse(typed, PolandAndGermany).Problem);
    }

    [Theory]
    [InlineData("+49 900 1234567")]
    [InlineData("0049 900 3 123456")]
    [InlineData("+49 180 1234567")]
    [InlineData("+44 70 1234 5678")]
    [InlineData("+44 800 123 4567")]
    [InlineData("+33 8 91 23 45 67")]
    [InlineData("0033 899 12 34 56")]
    [InlineData("+48 39 123 45 67")]
    public void PremiumPersonalAndVoipNumbers_AreRefused_InEveryConfiguredCountry(string typed)
    {
        var result = PhoneNumbers.Parse(typed, FourCountries);

        Assert.Null(result.Number);
        Assert.Equal(PhoneNumberProblem.SpecialRate, result.Problem);
    }

    [Theory]
    [InlineData("+49 151 23456789", "+4915123456789")]
    [InlineData("+44 7912 345678", "+447912345678")]
    [InlineData("0033 6 12 34 56 78", "+33612345678")]
    [InlineData("600 100 200", "+48600100200")]
    public void AMobileFromEachConfiguredCountry_IsAccepted(string typed, string expected)
    {
        Assert.Equal(expected, PhoneNumbers.Parse(typed, FourCountries).Number);
    }

    [Theory]
    [InlineData("111 111 111")]
    [InlineData("+49 900 12345678")]
    public void DigitsNoCountryGivesOut_AreRefused_AsNotInUse(string typed)
    {
        var result = PhoneNumbers.Parse(typed, FourCountries);

        Assert.Equal(PhoneNumberProblem.NotInUse, result.Problem);
        Assert.Contains("Sprawdź cyfry", PhoneNumbers.Message(PhoneNumberProblem.NotInUse, "pl-PL", FourCountries));
        Assert.Contains("Check the digits", PhoneNumbers.Message(PhoneNumberProblem.NotInUse, "en-US", FourCountries));
    }

    [Theory]
    [InlineData("+48500100200", "pl-PL", "4 8 5 0 0 1 0 0 2 0 0")]
    [InlineData("anonymous", "pl-PL", "zastrzeżony")]
    [InlineData("+266696687", "en-US", "withheld")]
    [InlineData(null, "en-US", "withheld")]
    public void TheAgentHearsTheCallersNumber_OrThatItIsWithheld(string? from, string language, string spoken)
    {
        Assert.Equal(spoken, PhoneNumbers.SpokenCaller(from, language));
    }

    [Theory]
    [InlineData(PhoneNumberProblem.Missing, "Podaj numer telefonu.", "Enter your phone number.")]
    [InlineData(PhoneNumberProblem.TooShort, "za krótki", "too short")]
    [InlineData(PhoneNumberProblem.SpecialRate, "podwyższonej opłacie", "premium")]
    [InlineData(PhoneNumberProblem.CountryNotAllowed, "+48, +49", "+48, +49")]
    public void EveryProblem_HasAMessage_InPolishAndEnglish(PhoneNumberProblem problem, string polish, string english)
    {
        Assert.Contains(polish, PhoneNumbers.Message(problem, "pl-PL", PolandAndGermany));
        Assert.Contains(english, PhoneNumbers.Message(problem, "en-US", PolandAndGermany));
        foreach (var each in Enum.GetValues<PhoneNumberProblem>())
            Assert.NotEqual(PhoneNumbers.Message(each, "pl-PL", PolandOnly), PhoneNumbers.Message(each, "en-US", PolandOnly));
    }
}
