using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Simulator;

namespace Ivr.Api.Tests;

/// <summary>
/// Returning callers, the post-call survey and the care figures, through the switchboard and the real service with
/// the sample menu file (complaints: survey csat, nps, resolved; returning callers within 7 days).
/// </summary>
public sealed class CustomerCareEndToEndTests
{
    private const string Agnieszka = "+48221234521";
    private const string Michal = "+48221234522";
    private const string Returning = "+48600100200";
    private const string Newcomer = "+48600100300";

    private static readonly TimeSpan Talk = TimeSpan.FromSeconds(60);

    private static SwitchboardWorld Build() => SwitchboardWorld.Build(new Dictionary<string, SimulatedAgent>
    {
        [Agnieszka] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), Talk),
        [Michal] = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), Talk),
    }, Draw.Fixed(TimeSpan.FromMinutes(30)));

    private static IncomingCall Call(TimeSpan at, string from, params string[] script) =>
        new(at, new ScriptedCaller(script)) { From = from };

    private static Ivr.Api.Menus.MenuCatalog Menus(SwitchboardWorld world) =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Ivr.Api.Menus.MenuCatalog>(world.Factory.Services);

    private static string FirstAgentDialed(CallRecord call) => call.Events.OfType<Dialed>().First().Targets.Single().Address;

    [Fact]
    public async Task AReturningCaller_PressingOne_GoesStraightBackToTheDepartment_AndToTheSameAgent()
    {
        await using var world = Build();

        // The first call goes to complaints: both agents are free and have never worked, so Agnieszka (first by
        // name) takes it. Ten minutes later Michał has been free longest, so a new caller gets him; the returning
        // caller is kept for Agnieszka.
        var calls = await world.Board.RunAsync(
        [
            Call(TimeSpan.Zero, Returning, "3"),
            Call(TimeSpan.FromMinutes(10), Returning, "1"),
            Call(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1), Newcomer, "3"),
        ], until: TimeSpan.FromMinutes(30));

        Assert.All(calls, call => Assert.False(call.HadApplicationError, call.Transcript()));
        var (first, again, newcomer) = (calls[0], calls[1], calls[2]);
        Assert.Equal(Agnieszka, FirstAgentDialed(first));

        Assert.Contains("Dzwonisz w sprawie z dzisiaj, dział reklamacji? Wciśnij 1.", again.Spoken);
        Assert.DoesNotContain(again.Spoken, text => text.StartsWith("Status zamówienia", StringComparison.Ordinal));
        Assert.Contains(again.Requests, r => r.Url.Contains("/voice/queue/complaints/connect", StringComparison.Ordinal));
        Assert.Equal(Agnieszka, FirstAgentDialed(again));
        Assert.Equal(Michal, FirstAgentDialed(newcomer));
        Assert.DoesNotContain(newcomer.Spoken, text => text.StartsWith("Dzwonisz w sprawie", StringComparison.Ordinal));

        // The agent hears, in one sentence, which contact this is and how the last one went.
        var whisper = again.Events.OfType<Whispered>().Single().Text;
        Assert.Contains("Drugi kontakt w ciągu tygodnia, poprzednio: dział reklamacji, czas czekania mniej niż minutę, rozmowa, konsultant: Agnieszka.", whisper);
        Assert.DoesNotContain("kontakt", newcomer.Events.OfType<Whispered>().Single().Text);
    }

    [Fact]
    public async Task AReturningCaller_WhoSaysNothing_GoesOnToTheMainMenu()
    {
        await using var world = Build();

        var calls = await world.Board.RunAsync(
        [
            Call(TimeSpan.Zero, Returning, "3"),
            Call(TimeSpan.FromMinutes(5), Returning, "-", "4"),
        ], until: TimeSpan.FromMinutes(20));

        var again = calls[1];
        Assert.False(again.HadApplicationError, again.Transcript());
        var spoken = again.Spoken.ToList();
        var offer = spoken.IndexOf("Dzwonisz w sprawie z dzisiaj, dział reklamacji? Wciśnij 1.");
        Assert.True(offer > 0, again.Transcript());
        Assert.StartsWith("Status zamówienia", spoken[offer + 1]);
        // The main menu takes the caller's next key as usual: 4 is delivery.
        Assert.Contains(Menus(world).Current.Menus["delivery"].Prompt!.For("pl-PL"), spoken);
    }

    [Fact]
    public async Task TheSurvey_AnsweredByKeys_IsStoredWithTheContact()
    {
        await using var world = Build();

        var call = (await world.Board.RunAsync([Call(TimeSpan.Zero, Newcomer, "3", "4", "9", "1")], until: TimeSpan.FromMinutes(10))).Single();

        Assert.False(call.HadApplicationError, call.Transcript());
        Assert.Contains("Dziękujemy za odpowiedzi. Do widzenia.", call.Spoken);
        var survey = await SurveyOfAsync(world, Newcomer);
        Assert.Equal(new Dictionary<string, int> { ["csat"] = 4, ["nps"] = 9, ["resolved"] = 1 }, survey);
    }

    [Fact]
    public async Task TheSurvey_AnsweredBySpeech_UnderstandsPolishNumberWords()
    {
        await using var world = Build();

        var call = (await world.Board.RunAsync([Call(TimeSpan.Zero, Newcomer, "3", "pięć", "dziesięć", "nie")], until: TimeSpan.FromMinutes(10))).Single();

        Assert.False(call.HadApplicationError, call.Transcript());
        var survey = await SurveyOfAsync(world, Newcomer);
        Assert.Equal(new Dictionary<string, int> { ["csat"] = 5, ["nps"] = 10, ["resolved"] = 0 }, survey);
    }

    [Fact]
    public async Task TheSurvey_AskedAgainOnceAfterABadAnswer_ThenMovesOn()
    {
        await using var world = Build();

        // "#" alone is no answer; 11 is out of range twice; silence twice.
        var call = (await world.Board.RunAsync([Call(TimeSpan.Zero, Newcomer, "3", "#", "3", "11", "11", "-", "-")], until: TimeSpan.FromMinutes(10))).Single();

        Assert.False(call.HadApplicationError, call.Transcript());
        var spoken = call.Spoken.ToList();
        Assert.Equal(3, spoken.Count(s => s == "Przepraszamy, nie zrozumieliśmy odpowiedzi."));
        Assert.Equal(2, spoken.Count(s => s == "Pomijamy to pytanie."));
        Assert.Equal("Dziękujemy za odpowiedzi. Do widzenia.", spoken[^1]);
        Assert.Equal(new Dictionary<string, int> { ["csat"] = 3 }, await SurveyOfAsync(world, Newcomer));
    }

    [Fact]
    public async Task TheSurvey_IsSkippedByHangingUp_AndNothingIsStored()
    {
        await using var world = Build();

        var call = (await world.Board.RunAsync([Call(TimeSpan.Zero, Newcomer, "3")], until: TimeSpan.FromMinutes(10))).Single();

        Assert.False(call.HadApplicationError, call.Transcript());
        Assert.Contains(call.Spoken, s => s.StartsWith("Dziękujemy za rozmowę. Mamy jeszcze krótkie pytania", StringComparison.Ordinal));
        Assert.Equal("completed", call.Status);
        using var db = world.Factory.OpenDatabase();
        Assert.Equal(0L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM survey_answers"));
        Assert.Equal("answered", db.ExecuteScalar<string>("SELECT state FROM queue_entries"));
    }

    [Fact]
    public async Task TheFigures_AreComputedFromKnownCalls()
    {
        await using var world = Build();

        // Returning calls complaints twice within a week (the first did not settle it), the newcomer once.
        var calls = await world.Board.RunAsync(
        [
            Call(TimeSpan.Zero, Returning, "3", "5", "10", "2"),
            Call(TimeSpan.FromMinutes(1), Newcomer, "3", "4", "8", "1"),
            Call(TimeSpan.FromMinutes(15), Returning, "1", "2", "6", "1"),
        ], until: TimeSpan.FromMinutes(40));
        Assert.All(calls, call => Assert.False(call.HadApplicationError, call.Transcript()));

        var stats = await world.Api.GetFromJsonAsync<JsonElement>("/api/stats");
        var care = stats.GetProperty("care");
        Assert.Equal(3, care.GetProperty("calls").GetInt32());
        Assert.Equal(0, care.GetProperty("selfService").GetInt32());
        var complaints = care.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("key").GetString() == "complaints");
        Assert.Equal(3, complaints.GetProperty("conversations").GetInt32());
        Assert.Equal(2 / 3.0, complaints.GetProperty("csat").GetDouble(), 3);              // 5 and 4 of 5, 4, 2
        Assert.Equal(0.0, complaints.GetProperty("nps").GetDouble(), 3);                   // one promoter (10), one detractor (6)
        Assert.Equal(2 / 3.0, complaints.GetProperty("firstContactResolution").GetDouble(), 3); // the first call came back
        Assert.Equal(1 / 3.0, complaints.GetProperty("repeatCallRate").GetDouble(), 3);
        Assert.Equal(2 / 3.0, complaints.GetProperty("resolvedYes").GetDouble(), 3);

        // Per agent, from who took which call.
        var agents = care.GetProperty("agents").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!);
        var byAgent = calls.GroupBy(FirstAgentDialed).ToDictionary(g => g.Key == Agnieszka ? "Agnieszka" : "Michał", g => g.ToList());
        foreach (var (name, taken) in byAgent)
        {
            var figures = agents[name];
            Assert.Equal(taken.Count, figures.GetProperty("conversations").GetInt32());
            var csat = taken.Select(c => c == calls[0] ? 5 : c == calls[1] ? 4 : 2).ToList();
            Assert.Equal(csat.Count(v => v >= 4) / (double)csat.Count, figures.GetProperty("csat").GetDouble(), 3);
        }

        var dashboard = await world.Api.GetFromJsonAsync<JsonElement>("/admin/api/dashboard");
        Assert.Equal(2 / 3.0, dashboard.GetProperty("care").GetProperty("departments").EnumerateArray()
            .Single(d => d.GetProperty("key").GetString() == "complaints").GetProperty("csat").GetDouble(), 3);
    }

    [Fact]
    public async Task TheContactHistory_ShowsCallsAndSurveys_AndRefusesANumberThatIsNotE164()
    {
        await using var world = Build();
        await world.Board.RunAsync([Call(TimeSpan.Zero, Returning, "3", "4", "9", "1")], until: TimeSpan.FromMinutes(10));

        var view = await world.Api.GetFromJsonAsync<JsonElement>($"/admin/api/contacts/{Uri.EscapeDataString(Returning)}");
        var contacts = view.GetProperty("contacts").EnumerateArray().ToList();
        var call = contacts.Single(c => c.GetProperty("kind").GetString() == "call");
        Assert.Equal("complaints", call.GetProperty("department").GetString());
        Assert.Equal("answered", call.GetProperty("outcome").GetString());
        Assert.Equal("Agnieszka", call.GetProperty("agent").GetString());
        Assert.Equal(["main"], call.GetProperty("menuPath").EnumerateArray().Select(m => m.GetString()));
        var survey = contacts.Single(c => c.GetProperty("kind").GetString() == "survey");
        Assert.Equal(4, survey.GetProperty("answers").GetProperty("csat").GetInt32());
        Assert.Equal(1, view.GetProperty("contactsLastSevenDays").GetInt32());

        using var bad = await world.Api.GetAsync("/admin/api/contacts/0048600100200");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("E.164", await bad.Content.ReadAsStringAsync());
        using var anonymous = world.Factory.CreateClient();
        using var refused = await anonymous.GetAsync($"/admin/api/contacts/{Uri.EscapeDataString(Returning)}");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static async Task<Dictionary<string, int>> SurveyOfAsync(SwitchboardWorld world, string number)
    {
        var view = await world.Api.GetFromJsonAsync<JsonElement>($"/admin/api/contacts/{Uri.EscapeDataString(number)}");
        var surveys = view.GetProperty("contacts").EnumerateArray().Where(c => c.GetProperty("kind").GetString() == "survey").ToList();
        return surveys.Count == 0 ? [] : surveys.Single().GetProperty("answers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
    }
}
