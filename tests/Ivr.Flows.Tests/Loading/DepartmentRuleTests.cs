using static Ivr.Flows.Tests.Loading.MenuYaml;

namespace Ivr.Flows.Tests.Loading;

public class DepartmentRuleTests
{
    private static string Hours(string hours) =>
        Replace("hours: { mon-fri: \"08:00-20:00\", sat: \"09:00-14:00\" }", $"hours: {hours}");

    [Theory]
    [InlineData("{ mon: \"8-20\" }", "'8-20'")]
    [InlineData("{ mon: \"08:00 to 20:00\" }", "'08:00 to 20:00'")]
    [InlineData("{ mon: \"08:00-20:60\" }", "'08:00-20:60'")]
    [InlineData("{ mon: \"25:00-26:00\" }", "'25:00-26:00'")]
    [InlineData("{ mon: \"08:00-12:00,\" }", "''")]
    [InlineData("{ mon: \"٠٨:٠٠-٢٠:٠٠\" }", "'٠٨:٠٠-٢٠:٠٠'")]
    public void AMalformedHoursRange_IsAnError(string hours, string shown) =>
        SingleError(Hours(hours), "11:19", "departments.orders.hours.mon", $"malformed hours {shown} (use HH:MM-HH:MM");

    [Fact]
    public void AnEndBeforeTheStart_IsAnError() =>
        SingleError(Hours("{ mon: \"20:00-08:00\" }"),
            "11:19", "departments.orders.hours.mon", "'20:00-08:00' ends before it starts");

    [Fact]
    public void OverlappingRangesInADay_AreAnError() =>
        SingleError(Hours("{ mon: \"08:00-12:00, 11:00-17:00\" }"),
            "11:19", "departments.orders.hours.mon", "ranges 08:00-12:00 and 11:00-17:00 overlap");

    [Fact]
    public void SeveralRangesAndMidnight_AreRead()
    {
        var weekly = Load(Hours("{ mon: \"13:00-17:00, 08:00-12:00\", sun: \"20:00-24:00\" }")).Definition!.Departments["orders"].Hours.Weekly;

        Assert.Equal([new(new TimeOnly(8, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))], weekly[DayOfWeek.Monday]);
        Assert.Equal(TimeOnly.MaxValue, weekly[DayOfWeek.Sunday].Single().End);
    }

    [Theory]
    [InlineData("monday")]
    [InlineData("Mon")]
    [InlineData("mon-fri-sat")]
    [InlineData("weekdays")]
    public void ABadDayKey_IsAnError(string day) =>
        SingleError(Hours($"{{ {day}: \"08:00-20:00\" }}"),
            "11:14", $"departments.orders.hours.{day}", $"bad day '{day}' (use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri)");

    [Fact]
    public void ADayRange_MayWrapRoundTheWeek()
    {
        var weekly = Load(Hours("{ fri-mon: \"10:00-14:00\" }")).Definition!.Departments["orders"].Hours.Weekly;

        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Friday, DayOfWeek.Saturday], weekly.Keys.Order());
    }

    [Fact]
    public void OverlappingDayKeys_AreAnError() =>
        SingleError(Hours("{ mon-fri: \"08:00-20:00\", fri: \"09:00-14:00\" }"),
            "11:38", "departments.orders.hours.fri", "fri is already covered by 'mon-fri' (line 11)");

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("24.12.2026")]
    [InlineData("2026-12-4")]
    public void AClosedDateThatDoesNotParse_IsAnError(string date) =>
        SingleError(Replace("[\"2026-12-24\"]", $"[\"2026-12-24\", \"{date}\"]"),
            "12:28", "departments.orders.closed[1]", $"'{date}' is not a date (use YYYY-MM-DD, e.g. 2026-12-24)");

    [Theory]
    [InlineData("+48 22 123 45 01")]
    [InlineData("48221234501")]
    [InlineData("+048221234501")]
    [InlineData("+4812345")]
    [InlineData("+4822123450123456")]
    [InlineData("+4٨٢٢١٢٣٤٥٠١")]
    public void AnAgentNumberThatIsNotE164_IsAnError(string number) =>
        SingleError(Replace("\"+48221234501\"", $"\"{number}\""),
            "14:30", "departments.orders.agents[0].phone", $"'{number}' is not an E.164 number");

    [Theory]
    [InlineData("+48111111111")]
    [InlineData("+48301234567")]
    [InlineData("+4990012345678")]
    [InlineData("+99912345678")]
    public void AnAgentNumberNoCountryGivesOut_IsAnError(string number) =>
        SingleError(Replace("\"+48221234501\"", $"\"{number}\""),
            "14:30", "departments.orders.agents[0].phone", $"'{number}' is not a number in use");

    [Theory]
    [InlineData("+4915123456789")]
    [InlineData("+447912345678")]
    [InlineData("+33612345678")]
    [InlineData("+48500100200")]
    public void AnAgentNumberFromAnyCountry_IsAccepted(string number) =>
        Assert.True(Load(Replace("\"+48221234501\"", $"\"{number}\"")).IsValid);

    [Fact]
    public void AnAgentWithNoAddress_IsAnError() =>
        SingleError(Replace("{ name: Anna, phone: \"+48221234501\" }", "{ name: Anna }"),
            "14:9", "departments.orders.agents[0]", "the agent has no address; give exactly one of phone");

    [Fact]
    public void AnAgentWithTwoAddresses_IsAnError() =>
        SingleError(Replace("{ name: Anna, phone: \"+48221234501\" }", "{ name: Anna, phone: \"+48221234501\", client: anna }"),
            "14:46", "departments.orders.agents[0].client", "an agent has exactly one of phone, sip, client; this one already has 'phone'");

    [Fact]
    public void ASipAddressWithoutSipPrefix_IsAnError() =>
        SingleError(Replace("\"sip:piotr@example.sip.twilio.com\"", "\"piotr@example.sip.twilio.com\""),
            "15:29", "departments.orders.agents[1].sip", "is not a SIP address (it starts with sip:");

    [Fact]
    public void AClientIdentityWithOddCharacters_IsAnError() =>
        SingleError(Replace("sip: \"sip:piotr@example.sip.twilio.com\"", "client: \"piotr kowalski\""),
            "15:32", "departments.orders.agents[1].client", "is not a Twilio client identity");

    [Fact]
    public void DuplicateAgentNames_AreAnError() =>
        SingleError(Replace("{ name: Piotr,", "{ name: anna,"),
            "15:17", "departments.orders.agents[1].name", "agent name 'anna' is used twice in this department (first at line 14)");

    [Fact]
    public void ADepartmentWithAnEmptyAgentList_IsAnError() =>
        SingleError(Replace("    agents:\n      - { name: Anna, phone: \"+48221234501\" }\n      - { name: Piotr, sip: \"sip:piotr@example.sip.twilio.com\" }", "    agents: []"),
            "13:13", "departments.orders.agents", "no agents");

    [Fact]
    public void ADepartmentWithoutAgents_IsAnError() =>
        SingleError(Replace("    agents:\n      - { name: Anna, phone: \"+48221234501\" }\n      - { name: Piotr, sip: \"sip:piotr@example.sip.twilio.com\" }\n", ""),
            "10:5", "departments.orders.agents", "department 'orders' has no agents");

    [Fact]
    public void ANegativeOfferCallbackAfter_IsAnError() =>
        SingleError(Replace("offer_callback_after: 120", "offer_callback_after: -5"),
            "16:27", "departments.orders.offer_callback_after", "-5 is out of range; use a whole number 0 or more");

    [Fact]
    public void OfferCallbackAfter_IsOptional()
    {
        var definition = Load(Replace("    offer_callback_after: 120\n", "")).Definition!;

        Assert.Null(definition.Departments["orders"].OfferCallbackAfterSeconds);
    }
}
