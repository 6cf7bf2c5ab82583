using System.Diagnostics;
using System.Net;
using System.Xml.Linq;
using Dapper;
using Ivr.Api.Menus;
using Ivr.Flows.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

public sealed class VoiceWebhookTests : IAsyncLifetime
{
    private readonly HotlineFactory _factory = new();
    private TwilioRequests _twilio = null!;
    private MenuDefinition _menus = null!;

    public Task InitializeAsync()
    {
        _twilio = new TwilioRequests(_factory.CreateClient());
        _menus = _factory.Services.GetRequiredService<MenuCatalog>().Current;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private string Prompt(string menu, string language) => _menus.Menus[menu].Prompt!.For(language);

    // The menu a caller reaches by pressing 9 for English in the main menu.
    private string EnglishMenu => EnglishMenuOf(_menus);

    internal static string EnglishMenuOf(MenuDefinition menus) =>
        ((MenuAction.GoTo)menus.Menus["main"].Options.Single(o => o.Key == "9").Action).Menu;

    [Fact]
    public async Task IncomingCall_IsGreeted_AndAskedTheMainMenu_WithKeysAndSpeech()
    {
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));

        var greeting = twiml.Root!.Elements("Say").First();
        Assert.Equal(_menus.Menus[_menus.Hotline.Start].Say!.For("pl-PL"), greeting.Value);
        Assert.Equal("pl-PL", greeting.Attribute("language")?.Value);
        Assert.Equal(_menus.VoiceFor("pl-PL"), greeting.Attribute("voice")?.Value);

        var gather = twiml.Descendants("Gather").Single();
        Assert.Equal("dtmf speech", gather.Attribute("input")?.Value);
        Assert.Equal("1", gather.Attribute("numDigits")?.Value);
        Assert.Equal("pl-PL", gather.Attribute("language")?.Value);
        Assert.Equal($"{HotlineFactory.PublicBaseUrl}/voice/gather?step=1", gather.Attribute("action")?.Value);
        Assert.False(string.IsNullOrEmpty(gather.Attribute("hints")?.Value));
        Assert.Equal(Prompt("main", "pl-PL"), gather.Element("Say")?.Value);

        // A verb after the Gather handles no input.
        var after = gather.ElementsAfterSelf().Single();
        Assert.Equal("Redirect", after.Name.LocalName);
        Assert.Equal($"{HotlineFactory.PublicBaseUrl}/voice/gather?step=1", after.Value);
    }

    [Fact]
    public async Task English_IsChosenWithNine_AndTheMenuSpeaksEnglish()
    {
        var callSid = TwilioRequests.NewCallSid();
        var first = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var english = await _twilio.TwimlAsync(TwilioRequests.GatherAction(first), TwilioRequests.Gathered(callSid, digits: "9"));

        var gather = english.Descendants("Gather").Single();
        Assert.Equal("en-US", gather.Attribute("language")?.Value);
        Assert.Equal(Prompt(EnglishMenu, "en-US"), gather.Element("Say")?.Value);
        Assert.Equal("en-US", gather.Element("Say")?.Attribute("language")?.Value);
    }

    [Fact]
    public async Task NoInput_ThroughTheRedirect_ReplaysTheMenuWithAnApology()
    {
        var callSid = TwilioRequests.NewCallSid();
        var first = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var replay = await _twilio.TwimlAsync(TwilioRequests.GatherAction(first), TwilioRequests.Gathered(callSid));

        Assert.Equal([_menus.Messages.Get(SystemMessages.NoInput, "pl-PL"), Prompt("main", "pl-PL")],
            replay.Descendants("Gather").Single().Elements("Say").Select(s => s.Value));
        Assert.Equal("/voice/gather?step=2", TwilioRequests.GatherAction(replay));
    }

    [Fact]
    public async Task ARepeatedActionRequest_IsNotAppliedTwice()
    {
        var callSid = TwilioRequests.NewCallSid();
        var first = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var action = TwilioRequests.GatherAction(first);
        await _twilio.TwimlAsync(action, TwilioRequests.Gathered(callSid, digits: "9"));
        var stale = await _twilio.TwimlAsync(action, TwilioRequests.Gathered(callSid, digits: "9"));

        // The caller is in English after the first "9"; the stale copy only replays where they are.
        var gather = stale.Descendants("Gather").Single();
        Assert.Equal(Prompt(EnglishMenu, "en-US"), gather.Elements("Say").Single().Value);
    }

    [Theory]
    [InlineData("digits")]
    [InlineData("unicode")]
    [InlineData("speech")]
    public async Task AbsurdInput_GetsANormalAnswer(string kind)
    {
        var callSid = TwilioRequests.NewCallSid();
        var first = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var form = kind switch
        {
            "digits" => TwilioRequests.Gathered(callSid, digits: new string('7', 5000)),
            "unicode" => TwilioRequests.Gathered(callSid, digits: "١٢٣\u202E\uFFFF😀"),
            _ => TwilioRequests.Gathered(callSid, speech: string.Concat(Enumerable.Repeat("zażółć gęślą jaźń 🙂 <&> ", 400))),
        };
        var replay = await _twilio.TwimlAsync(TwilioRequests.GatherAction(first), form);

        Assert.Equal([_menus.Messages.Get(SystemMessages.InvalidInput, "pl-PL"), Prompt("main", "pl-PL")],
            replay.Descendants("Gather").Single().Elements("Say").Select(s => s.Value));
    }

    [Fact]
    public async Task AFormTheServiceCannotRead_GetsAnApology_NotAnError()
    {
        // A NUL in a form value makes the form reader refuse the body before any handler runs.
        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.Gathered(TwilioRequests.NewCallSid(), digits: "1\u00002"));

        Assert.Equal([_menus.Messages.Get(SystemMessages.ErrorCallAgain, "pl-PL")], TwilioRequests.Spoken(twiml));
        Assert.NotNull(twiml.Root!.Element("Hangup"));
    }

    [Fact]
    public async Task AFailingHoldWebhook_KeepsTheCallerHolding_WithAPause()
    {
        var callSid = TwilioRequests.NewCallSid();
        await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        using (var db = _factory.OpenDatabase())
            db.Execute("DROP TABLE queue_entries");
        var hold = TwilioRequests.Gathered(callSid);
        hold["QueueTime"] = "60";

        var twiml = await _twilio.TwimlAsync("/voice/queue/orders/wait", hold);

        Assert.Empty(TwilioRequests.Spoken(twiml));
        Assert.Equal("20", twiml.Root!.Element("Pause")?.Attribute("length")?.Value);
    }

    [Fact]
    public async Task AFailingSurveyWebhook_ApologisesInTheCallersLanguage()
    {
        var callSid = TwilioRequests.NewCallSid();
        var first = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        await _twilio.TwimlAsync(TwilioRequests.GatherAction(first), TwilioRequests.Gathered(callSid, digits: "9"));
        using (var db = _factory.OpenDatabase())
            db.Execute("DROP TABLE queue_entries");

        var twiml = await _twilio.TwimlAsync("/voice/survey/orders?entry=1&q=0", TwilioRequests.Gathered(callSid, digits: "5"));

        Assert.Equal([_menus.Messages.Get(SystemMessages.ErrorCallAgain, "en-US")], TwilioRequests.Spoken(twiml));
        Assert.NotNull(twiml.Root!.Element("Hangup"));
    }

    [Fact]
    public async Task AnUnknownCallOnAnActionUrl_StartsAtTheBeginning()
    {
        var twiml = await _twilio.TwimlAsync("/voice/gather?step=4", TwilioRequests.Gathered(TwilioRequests.NewCallSid(), digits: "1"));

        Assert.Equal(_menus.Menus[_menus.Hotline.Start].Say!.For("pl-PL"), TwilioRequests.Spoken(twiml)[0]);
        Assert.Equal("/voice/gather?step=1", TwilioRequests.GatherAction(twiml));
    }

    [Fact]
    public async Task EveryStep_IsStored_WithTheMenuVersionTheCallStartedOn()
    {
        var callSid = TwilioRequests.NewCallSid();
        var first = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        await _twilio.TwimlAsync(TwilioRequests.GatherAction(first), TwilioRequests.Gathered(callSid, digits: "9"));

        using var db = _factory.OpenDatabase();
        var call = db.QuerySingle<(string Version, string Menu, string Language, long Step)>(
            "SELECT menu_version, menu, language, step FROM calls WHERE call_sid = @callSid", new { callSid });
        Assert.Equal((_menus.Version, EnglishMenu, "en-US", 2L), call);
        var events = db.Query<(string From, string To, string Trigger, string? Input)>(
            "SELECT from_menu, to_menu, trigger, input FROM call_events WHERE call_sid = @callSid ORDER BY id", new { callSid }).ToList();
        Assert.Equal([("(new)", "main", "start", null), ("main", EnglishMenu, "key:next", "9")], events);
    }

    [Fact]
    public async Task TheStatusCallback_RecordsTheEndOfTheCall()
    {
        var callSid = TwilioRequests.NewCallSid();
        await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
        var status = TwilioRequests.Gathered(callSid);
        status["CallStatus"] = "completed";
        status["CallDuration"] = "37";
        await _twilio.TwimlAsync("/voice/status", status);

        using var db = _factory.OpenDatabase();
        var call = db.QuerySingle<(string Status, long Duration, string Phase)>(
            "SELECT end_status, duration_seconds, phase FROM calls WHERE call_sid = @callSid", new { callSid });
        Assert.Equal(("completed", 37L, "Finished"), call);
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("missing")]
    [InlineData("wrong-url")]
    [InlineData("other-token")]
    public async Task AWebhookWithoutAValidSignature_Gets403(string kind)
    {
        var form = TwilioRequests.IncomingCall(TwilioRequests.NewCallSid());
        var pairs = form.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).ToList();
        var signature = kind switch
        {
            "forged" => "L/OH5YylLD5NRKLltdqwSvS0BnU=",
            "missing" => "",
            "wrong-url" => Ivr.Api.Tests.Voice.TwilioSignatureTests.Compute(TwilioOptions.LocalAuthToken, "https://evil.test/voice/incoming", pairs),
            _ => Ivr.Api.Tests.Voice.TwilioSignatureTests.Compute("another-token", HotlineFactory.PublicBaseUrl + "/voice/incoming", pairs),
        };
        using var response = await _twilio.PostAsync("/voice/incoming", form, signature);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var db = _factory.OpenDatabase();
        Assert.Equal(0L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM calls"));
    }

    [Fact]
    public async Task WhenTheDatabaseFails_TheCallerHearsAnApology_NotSilence()
    {
        await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));
        using (var db = _factory.OpenDatabase())
            db.Execute("DROP TABLE call_events");

        var twiml = await _twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));

        Assert.Equal([_menus.Messages.Get(SystemMessages.ErrorCallAgain, "pl-PL")], TwilioRequests.Spoken(twiml));
        Assert.NotNull(twiml.Root!.Element("Hangup"));
    }
}

public sealed class FallbackNumberTests
{
    [Fact]
    public async Task WhenTheServiceFails_AndAFallbackIsSet_TheCallerIsTransferred()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Ivr:FallbackNumber"] = "+48221234599" });
        var twilio = new TwilioRequests(factory.CreateClient());
        await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));
        using (var db = factory.OpenDatabase())
            db.Execute("DROP TABLE calls");

        var twiml = await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));

        var messages = factory.Services.GetRequiredService<MenuCatalog>().Current.Messages;
        Assert.Equal([messages.Get(SystemMessages.ErrorTransfer, "pl-PL")], TwilioRequests.Spoken(twiml));
        Assert.Equal("+48221234599", twiml.Descendants("Number").Single().Value.Trim());
    }
}

public sealed class RestartTests
{
    [Fact]
    public async Task ARestartedService_ContinuesTheCallWhereItWas()
    {
        var database = Path.Combine(Path.GetTempPath(), $"ivr-restart-{Guid.NewGuid():N}.db");
        var callSid = TwilioRequests.NewCallSid();
        string action;
        await using (var before = new HotlineFactory(database))
        {
            var twilio = new TwilioRequests(before.CreateClient());
            var first = await twilio.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(callSid));
            var english = await twilio.TwimlAsync(TwilioRequests.GatherAction(first), TwilioRequests.Gathered(callSid, digits: "9"));
            action = TwilioRequests.GatherAction(english);
        }

        await using var after = new HotlineFactory(database);
        var again = new TwilioRequests(after.CreateClient());
        var twiml = await again.TwimlAsync(action, TwilioRequests.Gathered(callSid));

        // Still in English, at the main menu, one "no input" later: nothing was lost.
        var menus = after.Services.GetRequiredService<MenuCatalog>().Current;
        var englishMenu = VoiceWebhookTests.EnglishMenuOf(menus);
        Assert.Equal([menus.Messages.Get(SystemMessages.NoInput, "en-US"), menus.Menus[englishMenu].Prompt!.For("en-US")],
            twiml.Descendants("Gather").Single().Elements("Say").Select(s => s.Value));
    }
}
