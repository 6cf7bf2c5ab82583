using Ivr.Flows.Engine;

namespace Ivr.Flows.Tests.Engine;

public class SpokenTimeTests
{
    private static readonly DateTime Wednesday = new(2026, 11, 25, 21, 0, 0);

    [Theory]
    [InlineData("2026-11-25 22:30", "pl-PL", "dziś o 22:30")]
    [InlineData("2026-11-26 08:00", "pl-PL", "jutro o 8:00")]
    [InlineData("2026-11-30 08:00", "pl-PL", "w poniedziałek o 8:00")]
    [InlineData("2026-12-01 09:00", "pl-PL", "we wtorek o 9:00")]
    [InlineData("2026-12-05 09:00", "pl-PL", "5 grudnia o 9:00")]
    [InlineData("2026-11-26 08:00", "en-US", "tomorrow at 8:00")]
    [InlineData("2026-11-28 09:00", "en-US", "on Saturday at 9:00")]
    [InlineData("2026-12-05 09:00", "en-US", "on 5 December at 9:00")]
    public void SaysTheMomentAsAPersonWould(string moment, string language, string expected) =>
        Assert.Equal(expected, SpokenTime.Say(DateTime.Parse(moment), Wednesday, language));
}

public class SpokenDateTests
{
    [Theory]
    [InlineData("2026-12-04", "pl-PL", "w piątek, 4 grudnia")]
    [InlineData("2026-12-04", "en-US", "on Friday, December 4")]
    [InlineData("2026-12-01", "pl-PL", "dziś")]
    [InlineData("2026-12-02", "en-US", "tomorrow")]
    [InlineData("2026-12-09", "pl-PL", "w środę, 9 grudnia")]
    [InlineData("2027-08-01", "en-US", "on Sunday, August 1, 2027")]
    public void ADeliveryDate_IsSaidAsAPersonWould(string date, string language, string said) =>
        Assert.Equal(said, Ivr.Flows.Engine.SpokenTime.SayDate(DateOnly.Parse(date), new DateOnly(2026, 12, 1), language));
}
