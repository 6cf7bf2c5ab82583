using Dapper;
using Ivr.Api.Menus;
using Ivr.Flows.Model;
using Ivr.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>Whole calls through the simulator, which executes the service's TwiML as Twilio does.</summary>
public sealed class SimulatedCallTests : IAsyncLifetime
{
    private readonly HotlineFactory _factory = new();
    private VoiceSimulator _simulator = null!;
    private MenuDefinition _menus = null!;

    private static readonly Uri Incoming = new(HotlineFactory.PublicBaseUrl + "/voice/incoming");

    public Task InitializeAsync()
    {
        _simulator = new VoiceSimulator(_factory.CreateClient(), new SimulatorOptions
        {
            StatusCallbackUrl = new Uri(HotlineFactory.PublicBaseUrl + "/voice/status"),
        });
        _menus = _factory.Services.GetRequiredService<MenuCatalog>().Current;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<CallRecord> CallAsync(string script, string from = CallSetup.DefaultFrom)
    {
        var call = await _simulator.CallAsync(Incoming, ScriptedCaller.FromScript(script), new CallSetup { From = from });
        Assert.False(call.HadApplicationError, call.Transcript());
        return call;
    }

    private string Say(string menu, string language) => _menus.Menus[menu].Say!.For(language);
    private string Prompt(string menu, string language) => _menus.Menus[menu].Prompt!.For(language);

    [Fact]
    public async Task KeysOneAndOne_TakeTheCallerToTheOrdersQueue()
    {
        var call = await CallAsync("1,1");

        Assert.Equal(
            [Say("welcome", "pl-PL"), Prompt("main", "pl-PL"), Prompt("order_status", "pl-PL"),
             "Łączymy z: dział zamówień. Prosimy pozostać na linii."],
            call.Spoken.Take(4));
        Assert.Equal("orders", call.Events.OfType<Enqueued>().Single().Queue);

        using var db = _factory.OpenDatabase();
        var entry = db.QuerySingle<(string Department, string State)>(
            "SELECT department, state FROM queue_entries WHERE call_sid = @CallSid", new { call.CallSid });
        Assert.Equal(("orders", "abandoned"), entry);
        Assert.Equal("completed", db.ExecuteScalar<string>("SELECT end_status FROM calls WHERE call_sid = @CallSid", new { call.CallSid }));
    }

    [Fact]
    public async Task AnEnglishCaller_HearsEverythingInEnglish()
    {
        var call = await CallAsync("9,2,1");

        Assert.Contains(Say("returns_info", "en-US"), call.Spoken);
        var afterChoice = call.Events.OfType<Said>().SkipWhile(s => s.Text != Prompt("main_en", "en-US")).ToList();
        Assert.NotEmpty(afterChoice);
        Assert.All(afterChoice, said => Assert.Equal("en-US", said.Language));
    }

    [Fact]
    public async Task ACallerWhoSpeaks_IsUnderstood_WithoutDiacritics()
    {
        var call = await CallAsync("zamowienie,konsultant");

        Assert.Equal("orders", call.Events.OfType<Enqueued>().Single().Queue);
    }

    [Fact]
    public async Task ACallerWhoSaysNothing_IsAskedAgain_ThenOfferedAnAgent()
    {
        var call = await CallAsync("-,-,-,1");

        var noInput = _menus.Messages.Get(SystemMessages.NoInput, "pl-PL");
        Assert.Equal(3, call.Spoken.Count(text => text == noInput));
        Assert.Contains(Prompt("operator", "pl-PL"), call.Spoken);
        Assert.Equal("orders", call.Events.OfType<Enqueued>().Single().Queue);
    }

    [Fact]
    public async Task OnSaturdayEvening_TheCallerHearsWhenTheTeamOpens_AndMayAskForACallbackThen()
    {
        _factory.Clock.Now = new DateTimeOffset(2026, 11, 28, 19, 0, 0, TimeSpan.FromHours(1));
        var call = await CallAsync("0,1,-");

        Assert.Contains("Dział zamówień: teraz nieczynne. Zapraszamy w poniedziałek o 8:00.", call.Spoken);
        Assert.Contains("Jeśli chcesz, żebyśmy oddzwonili w poniedziałek o 8:00, naciśnij 1.", call.Spoken);
        Assert.Empty(call.Events.OfType<Enqueued>());
        Assert.Equal("twiml", call.Events.OfType<HungUp>().Single().By);
    }

    [Fact]
    public async Task ACallbackRequest_ConfirmsTheCallersNumber_AndSaysTheReference()
    {
        var call = await CallAsync("2,3,1", from: "+48601222333");

        Assert.Contains("Oddzwonimy na numer 6 0 1 2 2 2 3 3 3. Naciśnij 1, aby potwierdzić, lub 2, aby podać inny numer.", call.Spoken);
        using var db = _factory.OpenDatabase();
        var booking = db.QuerySingle<(string Department, string Number, string Status, string Reference)>(
            "SELECT department, number, status, reference FROM callbacks WHERE call_sid = @CallSid", new { call.CallSid });
        Assert.Equal(("returns", "+48601222333"), (booking.Department, booking.Number));
        Assert.Contains(booking.Status, new[] { "pending", "dialing" }); // dialing once the dispatcher got to it
        var spokenReference = string.Join(" ", booking.Reference.ToCharArray());
        Assert.Contains(call.Spoken, text => text.StartsWith($"Dziękujemy, oddzwonimy. Numer zgłoszenia: {spokenReference}. Przewidywany czas telefonu: dziś o "));
        Assert.Equal("twiml", call.Events.OfType<HungUp>().Single().By);
    }

    [Fact]
    public async Task ACallerWithAWithheldNumber_KeysOneIn_AndABadOneIsExplained()
    {
        var call = await CallAsync("2,3,700123456#,500100200#,1", from: "anonymous");

        Assert.Contains("Na numery specjalne i o podwyższonej opłacie nie oddzwaniamy. Podaj numer komórkowy lub stacjonarny.", call.Spoken);
        Assert.Contains("Oddzwonimy na numer 5 0 0 1 0 0 2 0 0. Naciśnij 1, aby potwierdzić, lub 2, aby podać inny numer.", call.Spoken);
        using var db = _factory.OpenDatabase();
        Assert.Equal("+48500100200", db.QuerySingle<string>("SELECT number FROM callbacks WHERE call_sid = @CallSid", new { call.CallSid }));
    }

    [Fact]
    public async Task ACallerWithABookedCallback_CanCancelIt_AndGoesOnToTheMenu()
    {
        // Wednesday 18:00: the returns team has closed, so the callback waits for tomorrow morning.
        _factory.Clock.Now = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.FromHours(1));
        await CallAsync("2,3,1", from: "+48601222333");

        var second = await CallAsync("2,-", from: "+48601222333");

        Assert.StartsWith("Masz zamówione oddzwonienie: dział zwrotów, numer zgłoszenia", second.Spoken.First());
        Assert.Contains("Oddzwonienie zostało anulowane.", second.Spoken);
        Assert.Contains(Prompt("main", "pl-PL"), second.Spoken);
        using var db = _factory.OpenDatabase();
        Assert.Equal("canceled", db.QuerySingle<string>("SELECT status FROM callbacks WHERE number = '+48601222333'"));
    }

    [Fact]
    public async Task GoodbyeFromTheOperatorMenu_EndsTheCall()
    {
        var call = await CallAsync("0,3");

        Assert.Equal(Say("goodbye", "pl-PL"), call.Spoken.Last());
        Assert.Equal("twiml", call.Events.OfType<HungUp>().Single().By);
    }

    [Fact]
    public async Task RandomCallers_NeverHearAnApplicationError()
    {
        var random = new Random(20261123);
        string[] steps = ["0", "1", "2", "3", "4", "5", "9", "*", "#", "-", "zamówienie", "zwrot", "kurier", "English",
                          "polski", "konsultant", "co?", "ąę 😀", "12345"];
        for (var caller = 0; caller < 40; caller++)
        {
            var script = string.Join(",", Enumerable.Range(0, random.Next(1, 9)).Select(_ => steps[random.Next(steps.Length)]));
            var call = await _simulator.CallAsync(Incoming, ScriptedCaller.FromScript(script));
            Assert.False(call.HadApplicationError, $"script {script}: {call.Transcript()}");
            Assert.NotEmpty(call.Spoken);
        }
    }
}
