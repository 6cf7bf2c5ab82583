using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Api.Care;
using Ivr.Api.LocalPhone;
using Ivr.Api.Menus;
using Ivr.Api.Twilio;
using Ivr.Flows.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>The browser phone's API in local mode: calls through the service's own switchboard, in fast real time.</summary>
public sealed class LocalPhoneTests : IAsyncLifetime
{
    private readonly LocalPhoneHotline _hotline = new();
    private MenuDefinition _menus = null!;

    public Task InitializeAsync()
    {
        _menus = _hotline.Services.GetRequiredService<MenuCatalog>().Current;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _hotline.DisposeAsync();

    private string Prompt(string menu) => _menus.Menus[menu].Prompt!.For("pl-PL");

    [Fact]
    public async Task ACallFromThePhone_HearsTheWelcomeInPolish_ReachesTheOrdersTeam_AndTalksToAnAgent()
    {
        var line = await _hotline.OpenLineAsync();

        using var call = await _hotline.PostAsync(line, "call");
        Assert.Equal(HttpStatusCode.Accepted, call.StatusCode);
        // Pressed while the welcome plays: each menu takes its key when it listens.
        using var keys = await _hotline.PostAsync(line, "keys", new { keys = "11" });
        Assert.Equal(HttpStatusCode.Accepted, keys.StatusCode);
        var transcript = await _hotline.FollowAsync(line, t => t.State == "agent");

        var welcome = transcript.Said.First();
        Assert.Equal(_menus.Menus["welcome"].Say!.For("pl-PL"), welcome.Text);
        Assert.Equal("pl-PL", welcome.Language);
        Assert.Contains(transcript.Said, s => s.Text == Prompt("order_status"));
        Assert.Equal(["You pressed 1", "You pressed 1"], transcript.Events.Where(e => e.Type == "heard").Select(e => e.Text));
        Assert.Contains(transcript.Events, e => e.Type == "agent" && e.Text.Contains("+4822123450"));

        // The agent talks for 20 s, then the service thanks and hangs up; the line is free again.
        var ended = await _hotline.FollowAsync(line, t => t.State == "ended");
        Assert.Equal(["agent-left", "hung-up", "ended"], ended.Events.Select(e => e.Type).TakeLast(3));
        using var db = _hotline.OpenDatabase();
        Assert.Equal("answered", db.ExecuteScalar<string>("SELECT state FROM queue_entries WHERE department = 'orders'"));
    }

    [Fact]
    public async Task WhatTheCallerHearsAsTheyJoinTheQueue_IsHeardWaitingInTheQueue_AndTheAgentIsTheirsOnlyOnceThroughTheWhisper()
    {
        var line = await _hotline.OpenLineAsync();

        await _hotline.PostAsync(line, "call");
        await _hotline.PostAsync(line, "keys", new { keys = "11" });
        var transcript = await _hotline.FollowAsync(line, t => t.State == "agent");

        // The last key chose the orders team: from then on the line is in the queue, announcement included.
        var types = transcript.Events.Select(e => e.Type).ToList();
        var chose = types.LastIndexOf("heard");
        var queued = types.IndexOf("queued");
        Assert.True(queued > chose, transcript.ToString());
        Assert.DoesNotContain("said", types[(chose + 1)..queued]);
        Assert.True(types.IndexOf("agent-picked-up") is var picked && picked > queued && picked < types.IndexOf("agent"), transcript.ToString());
    }

    [Fact]
    public async Task AfterTheComplaintsAgentHangsUp_TheSurveyAsks_AndTheAnswersAreKept()
    {
        var line = await _hotline.OpenLineAsync();
        string Message(string key) => _menus.Messages.Get(key, "pl-PL");

        await _hotline.PostAsync(line, "call");
        await _hotline.PostAsync(line, "keys", new { keys = "3" });
        await _hotline.FollowAsync(line, t => t.Said.Any(s => s.Text == Message(SystemMessages.SurveyCsat)));
        await _hotline.PostAsync(line, "keys", new { keys = "5" });
        await _hotline.FollowAsync(line, t => t.Said.Any(s => s.Text == Message(SystemMessages.SurveyNps)));
        await _hotline.PostAsync(line, "keys", new { keys = "10" });
        await _hotline.FollowAsync(line, t => t.Said.Any(s => s.Text == Message(SystemMessages.SurveyResolved)));
        await _hotline.PostAsync(line, "speech", new { text = "tak" });
        var transcript = await _hotline.FollowAsync(line, t => t.State == "ended");

        Assert.Contains(transcript.Said, s => s.Text == Message(SystemMessages.SurveyThanks));
        using var db = _hotline.OpenDatabase();
        Assert.Equal([("csat", 5L), ("nps", 10L), ("resolved", 1L)],
            db.Query<(string, long)>("SELECT question, answer FROM survey_answers ORDER BY id"));
    }

    [Fact]
    public async Task TheOrderStatus_FromTheDemoShop_IsReadOnThePhone_AndKeptAsALookupThatServedTheCaller()
    {
        var line = await _hotline.OpenLineAsync();
        using var started = await _hotline.PostAsync(line, "call");
        var callSid = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("callSid").GetString()!;

        // 1 order status, 2 the status from the shop: the demo shop has one open order for the phone's number.
        await _hotline.PostAsync(line, "keys", new { keys = "12" });
        var heard = await _hotline.FollowAsync(line, t => t.Said.Any(s => s.Text == Prompt("order_found")));
        await _hotline.PostAsync(line, "hangup");
        await _hotline.FollowAsync(line, t => t.State == "ended");
        await _hotline.Services.GetRequiredService<LocalSwitchboard>().Board!.RecordOf(callSid)!.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains(heard.Said, s => s.Text.StartsWith("Zamówienie numer 1 0 0 2 3 4: wysłane", StringComparison.Ordinal));
        var now = _hotline.Clock.GetUtcNow();
        var history = await _hotline.Services.GetRequiredService<ContactStore>().HistoryAsync("+48500100200", now);
        var lookup = Assert.Single(history, c => c.Kind == ContactKind.Lookup);
        Assert.Equal((callSid, "100234", "found"), (lookup.CallSid, lookup.OrderNumber, lookup.Outcome));
        // Heard the status and hung up without an agent: the call counts as self-service.
        var care = await _hotline.Services.GetRequiredService<CareStatsStore>().ForWindowAsync(_menus.Departments.Keys, now);
        Assert.Equal((1, 1), (care.Calls, care.SelfService));
    }

    [Fact]
    public async Task SayingNothing_TheMenuAsksAgainWhenItsTimeoutIsUp()
    {
        var line = await _hotline.OpenLineAsync();

        await _hotline.PostAsync(line, "call");
        var transcript = await _hotline.FollowAsync(line, t => t.Said.Count(s => s.Text == Prompt("main")) == 2);

        Assert.Contains(transcript.Events, e => e.Type == "listening");
        // Told as a note of the line, not as something the caller said.
        Assert.Contains(transcript.Events, e => e.Type == "no-input" && e.Text == "Nothing was pressed or said");
        Assert.Equal("menu", transcript.State);
    }

    [Fact]
    public async Task WordsFromThePage_AreSpeechToTheMenu()
    {
        var line = await _hotline.OpenLineAsync();

        await _hotline.PostAsync(line, "call");
        using var said = await _hotline.PostAsync(line, "speech", new { text = "zamówienie" });
        var transcript = await _hotline.FollowAsync(line, t => t.Said.Any(s => s.Text == Prompt("order_status")));

        Assert.Equal(HttpStatusCode.Accepted, said.StatusCode);
        Assert.Contains(transcript.Events, e => e.Type == "heard" && e.Text == "You said \u201czamówienie\u201d");
    }

    [Fact]
    public async Task HangingUp_EndsTheCall_AndTheServiceRecordsItsEnd()
    {
        var line = await _hotline.OpenLineAsync();
        using var started = await _hotline.PostAsync(line, "call");
        var callSid = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("callSid").GetString();
        await _hotline.FollowAsync(line, t => t.Said.Any());

        using var hangup = await _hotline.PostAsync(line, "hangup");
        var transcript = await _hotline.FollowAsync(line, t => t.State == "ended");

        Assert.Equal(HttpStatusCode.Accepted, hangup.StatusCode);
        Assert.Contains(transcript.Events, e => e.Type == "hung-up" && e.Text == "You hung up");
        // The switchboard finishes the call's record once the service has answered its status callback.
        var board = _hotline.Services.GetRequiredService<LocalSwitchboard>().Board!;
        await board.RecordOf(callSid!)!.WaitAsync(TimeSpan.FromSeconds(20));
        using (var db = _hotline.OpenDatabase())
            Assert.Equal("completed", db.ExecuteScalar<string>("SELECT end_status FROM calls WHERE call_sid = @callSid", new { callSid }));
        using var again = await _hotline.PostAsync(line, "hangup");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task ACallbackToTheNumberOfAnOpenPhone_RingsIt_AndAnsweringPutsThePersonOnTheLine()
    {
        var line = await _hotline.OpenLineAsync("+48600700800");
        var twilio = _hotline.Services.GetRequiredService<ITwilioCalls>();

        var created = await twilio.CreateCallAsync(new CreateCallRequest
        {
            To = "+48600700800", From = "+48221000000", Url = new Uri(_hotline.BaseAddress, "/voice/incoming"),
            // Ten minutes of ring on the fast clock: time enough to answer on a busy machine.
            TimeoutSeconds = 600,
        }, CancellationToken.None);
        var ringing = await _hotline.FollowAsync(line, t => t.State == "incoming");
        using var answer = await _hotline.PostAsync(line, "answer");
        var transcript = await _hotline.FollowAsync(line, t => t.Said.Any());

        Assert.Equal("queued", created.Status);
        Assert.Equal("Incoming call from +48221000000", ringing.Events.Single(e => e.Type == "incoming").Text);
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal(_menus.Menus["welcome"].Say!.For("pl-PL"), transcript.Said.First().Text);
        Assert.Equal("menu", transcript.State);
    }

    [Fact]
    public async Task ACallbackNobodyAnswers_IsAMissedCall_AndANumberWithoutAPhoneIsNotAnswered()
    {
        var line = await _hotline.OpenLineAsync("+48600700801");
        var twilio = _hotline.Services.GetRequiredService<ITwilioCalls>();

        await twilio.CreateCallAsync(new CreateCallRequest
        {
            To = "+48600700801", From = "+48221000000", Twiml = "<Response><Say>Hello.</Say></Response>", TimeoutSeconds = 10,
        }, CancellationToken.None);
        var transcript = await _hotline.FollowAsync(line, t => t.State == "ended");

        Assert.Equal(["incoming", "ended"], transcript.Events.Select(e => e.Type));
        Assert.Equal("Missed call", transcript.Events.Last().Text);

        var nobody = await twilio.CreateCallAsync(new CreateCallRequest
        {
            To = "+48600700899", From = "+48221000000", Twiml = "<Response><Say>Hello.</Say></Response>", TimeoutSeconds = 1,
        }, CancellationToken.None);
        Assert.Equal("queued", nobody.Status);
    }

    [Fact]
    public async Task TheServiceCanAskAboutACall_OfItsOwnSwitchboard_AndOneNobodyHasIsUnknown()
    {
        var twilio = _hotline.Services.GetRequiredService<ITwilioCalls>();
        var created = await twilio.CreateCallAsync(new CreateCallRequest
        {
            To = "+48600700898", From = "+48221000000", Twiml = "<Response><Say>Hello.</Say></Response>", TimeoutSeconds = 600,
        }, CancellationToken.None);

        var fetched = await twilio.FetchCallAsync(created.Sid, CancellationToken.None);
        // Neither the local switchboard nor a phone command has this one (nothing listens on the phone command's port).
        var unknown = await Assert.ThrowsAsync<TwilioApiException>(
            () => twilio.FetchCallAsync("CA" + new string('7', 32), CancellationToken.None));

        Assert.Equal(created.Sid, fetched.Sid);
        Assert.Contains(fetched.Status, new[] { "queued", "ringing" });
        Assert.Equal((404, 20404), (unknown.HttpStatus, unknown.Code));
    }

    [Theory]
    [InlineData("+48 500 100 200")]
    [InlineData("500 100 200")]
    [InlineData("0048 500-100-200")]
    public async Task ANumberTypedWithSpaces_OpensALine_AsTheCallbackFormTakesIt(string typed)
    {
        using var opened = await _hotline.Http.PostAsJsonAsync("/phone/api/lines", new { number = typed });

        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var line = await opened.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("+48500100200", line.GetProperty("number").GetString());
    }

    [Fact]
    public async Task BadRequests_GetClearErrors()
    {
        using var badNumber = await _hotline.Http.PostAsJsonAsync("/phone/api/lines", new { number = "500 100 20x" });
        Assert.Equal(HttpStatusCode.BadRequest, badNumber.StatusCode);
        Assert.Contains("E.164", await badNumber.Content.ReadAsStringAsync());

        var line = await _hotline.OpenLineAsync();
        using var noCall = await _hotline.PostAsync(line, "keys", new { keys = "1" });
        Assert.Equal(HttpStatusCode.Conflict, noCall.StatusCode);
        using var nothingRings = await _hotline.PostAsync(line, "answer");
        Assert.Equal(HttpStatusCode.Conflict, nothingRings.StatusCode);

        await _hotline.PostAsync(line, "call");
        using var second = await _hotline.PostAsync(line, "call");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        using var notAKey = await _hotline.PostAsync(line, "keys", new { keys = "1a" });
        Assert.Equal(HttpStatusCode.BadRequest, notAKey.StatusCode);
        Assert.Contains("0123456789*#", await notAKey.Content.ReadAsStringAsync());
        using var nothingSaid = await _hotline.PostAsync(line, "speech", new { text = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, nothingSaid.StatusCode);
        using var unknown = await _hotline.Http.GetAsync("/phone/api/lines/nope/events");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("POST /phone/api/lines", await unknown.Content.ReadAsStringAsync());
        using var garbage = await _hotline.Http.PostAsync($"/phone/api/lines/{line}/keys", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
    }

    [Fact]
    public async Task ThePage_AndItsScript_AreServed()
    {
        using var redirect = await _hotline.Http.GetAsync("/phone");
        var page = await _hotline.Http.GetStringAsync("/phone/");
        using var script = await _hotline.Http.GetAsync("/phone/phone.js");

        Assert.Equal("/phone/", redirect.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("id=\"transcript\"", page);
        Assert.Contains("data-key=\"#\"", page);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task RestRequests_ForCallsOfThePhoneCommand_GoOnToItsPort()
    {
        var local = _hotline.Services.GetRequiredService<LocalSwitchboard>();
        var line = await _hotline.OpenLineAsync();
        using var started = await _hotline.PostAsync(line, "call");
        var callSid = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("callSid").GetString();
        var calls = $"{TwilioOptions.LocalApiBaseUrl}/2010-04-01/Accounts/{TwilioCallsClient.LocalAccountSid}/Calls";

        Assert.True(local.Answers(new HttpRequestMessage(HttpMethod.Post, $"{calls}.json")));
        Assert.True(local.Answers(new HttpRequestMessage(HttpMethod.Post, $"{calls}/{callSid}.json")));
        Assert.False(local.Answers(new HttpRequestMessage(HttpMethod.Post, $"{calls}/CA{new string('0', 32)}.json")));
        Assert.False(local.Answers(new HttpRequestMessage(HttpMethod.Post, $"https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json")));
    }
}

/// <summary>With Twilio credentials there is no simulator to call through, and no phone page.</summary>
public sealed class LocalPhoneOutsideLocalModeTests
{
    [Fact]
    public async Task WithTwilioCredentials_ThePhoneIsNotThere()
    {
        await using var factory = new HotlineFactory(settings: new()
        {
            ["Twilio:AccountSid"] = "AC" + new string('1', 32),
            ["Twilio:AuthToken"] = "secret",
            ["Twilio:PhoneNumber"] = "+48221234567",
        });
        using var http = factory.CreateClient();

        using var page = await http.GetAsync("/phone/");
        using var open = await http.PostAsJsonAsync("/phone/api/lines", new { number = "+48500100200" });

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, open.StatusCode);
        Assert.False(factory.Services.GetRequiredService<LocalSwitchboard>().Answers(
            new HttpRequestMessage(HttpMethod.Post, $"{TwilioOptions.LocalApiBaseUrl}/2010-04-01/Accounts/AC1/Calls.json")));
    }
}
