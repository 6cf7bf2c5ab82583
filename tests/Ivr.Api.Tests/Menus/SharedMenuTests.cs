using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Ivr.Api.Menus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

/// <summary>
/// Two instances on one database, each with its own copy of the menu file (two machines): an edit on either is live
/// on both after one poll; calls keep their version whichever instance answers them.
/// </summary>
public sealed class SharedMenuTests : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"ivr-shared-{Guid.NewGuid():N}.db");
    private readonly MenuFolder _folderA = new();
    private readonly MenuFolder _folderB = new();
    private readonly FakeTimeProvider _pollClockB = new(HotlineFactory.WednesdayMorning);
    private HotlineFactory _a = null!;
    private HotlineFactory _b = null!;
    private HttpClient _clientA = null!;
    private HttpClient _clientB = null!;

    private static readonly string Broken = MenuFolder.Sample.Replace("\"0\": { next: operator,", "\"0\": { next: operatorr,");

    private HotlineFactory Host(MenuFolder folder, Action<IServiceCollection>? services = null) => new(_database,
        new Dictionary<string, string?> { ["Ivr:MenuFile"] = folder.FilePath, ["Admin:ApiKey"] = MenuFolder.ApiKey }, services);

    public Task InitializeAsync()
    {
        _a = Host(_folderA);
        _clientA = Admin(_a.CreateClient());
        // B looks at the database when its own poll clock says so, and only then.
        _b = Host(_folderB, services => services.AddSingleton(provider => new MenuSync(
            provider.GetRequiredService<MenuCatalog>(), _pollClockB, provider.GetRequiredService<ILogger<MenuSync>>())));
        _clientB = Admin(_b.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        _folderA.Dispose();
        _folderB.Dispose();
    }

    private static HttpClient Admin(HttpClient client)
    {
        client.DefaultRequestHeaders.Add("X-Api-Key", MenuFolder.ApiKey);
        return client;
    }

    private async Task PollBAsync()
    {
        var round = _b.Services.GetRequiredService<MenuSync>().NextRound;
        _pollClockB.Advance(MenuSync.PollInterval);
        await round.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static string LiveVersion(HotlineFactory host) => host.Services.GetRequiredService<MenuCatalog>().Current.Version;

    private static async Task<JsonElement> SaveAsync(HttpClient client, string content, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.PutAsJsonAsync("/admin/api/menu", new { content });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<List<JsonElement>> VersionsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/admin/api/menu/versions")).EnumerateArray().ToList();

    [Fact]
    public async Task ASaveOnOneInstance_IsLiveOnTheOtherAfterItsPoll_AndCallsKeepTheirVersionOnEither()
    {
        // The second instance found the first one's menu in the database: the same content, nothing new recorded.
        Assert.Single(await VersionsAsync(_clientB));
        var twilioA = new TwilioRequests(_clientA);
        var twilioB = new TwilioRequests(_clientB);
        var startedOnA = TwilioRequests.NewCallSid();
        var actionOnA = TwilioRequests.GatherAction(await twilioA.TwimlAsync("/voice/incoming", TwilioRequests.IncomingCall(startedOnA)));
        var startedOnB = new SteppedCall(_b, twilioB);
        await startedOnB.StartAsync();

        var saved = await SaveAsync(_clientA, MenuFolder.Edition(1));
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), LiveVersion(_b));
        await PollBAsync();

        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(1)), LiveVersion(_b));
        Assert.Equal(MenuFolder.Edition(1), _folderB.Read());
        var newOnB = new SteppedCall(_b, twilioB);
        await newOnB.StartAsync();
        Assert.Equal([1], MenuFolder.EditionsIn(newOnB.Spoken).Distinct());
        // Both earlier calls go on with the menu they started on, one of them now answered by the other instance.
        await startedOnB.PressAsync("1");
        Assert.Empty(MenuFolder.EditionsIn(startedOnB.Spoken));
        var continuedOnB = await twilioB.TwimlAsync(actionOnA, TwilioRequests.Gathered(startedOnA, "1"));
        Assert.NotEmpty(TwilioRequests.Spoken(continuedOnB));
        Assert.Empty(MenuFolder.EditionsIn(TwilioRequests.Spoken(continuedOnB)));
        var onB = await VersionsAsync(_clientB);
        Assert.Equal(saved.GetProperty("id").GetInt64(), onB.Single(v => v.GetProperty("live").GetBoolean()).GetProperty("id").GetInt64());
        // Following the database records nothing: the history is the start and the save.
        Assert.Equal(["console", "start"], onB.Select(v => v.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task ARollbackOnOneInstance_IsLiveOnTheOther_AndARefusedEditReachesNeither()
    {
        var start = (await VersionsAsync(_clientA)).Single().GetProperty("id").GetInt64();
        await SaveAsync(_clientB, MenuFolder.Edition(1));
        await _a.Services.GetRequiredService<MenuCatalog>().FollowDatabaseAsync();
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(1)), LiveVersion(_a));

        using (var rollback = await _clientA.PostAsync($"/admin/api/menu/versions/{start}/rollback", null))
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        await PollBAsync();
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), LiveVersion(_b));
        Assert.Equal(MenuFolder.Sample, _folderB.Read());

        await SaveAsync(_clientB, Broken, HttpStatusCode.UnprocessableEntity);
        await PollBAsync();
        Assert.False(await _a.Services.GetRequiredService<MenuCatalog>().FollowDatabaseAsync());
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), LiveVersion(_a));
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), LiveVersion(_b));
        Assert.Equal(["rollback", "console", "start"], (await VersionsAsync(_clientA)).Select(v => v.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task AnOutOfDateFile_DoesNotUndoASave_WhenAnInstanceStartsAgain()
    {
        await SaveAsync(_clientA, MenuFolder.Edition(1));
        await _b.DisposeAsync();
        // B was stopped before it followed the save: its file still holds the menu the database has replaced.
        File.WriteAllText(_folderB.FilePath, MenuFolder.Sample);

        _b = Host(_folderB);
        _clientB = Admin(_b.CreateClient());

        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(1)), LiveVersion(_b));
        Assert.Equal(MenuFolder.Edition(1), _folderB.Read());
        Assert.Equal(["console", "start"], (await VersionsAsync(_clientB)).Select(v => v.GetProperty("source").GetString()));

        // An edit made while an instance was stopped is new content: it goes live for everyone.
        await _b.DisposeAsync();
        File.WriteAllText(_folderB.FilePath, MenuFolder.Edition(2));
        _b = Host(_folderB);
        _clientB = Admin(_b.CreateClient());
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(2)), LiveVersion(_b));
        await _a.Services.GetRequiredService<MenuCatalog>().FollowDatabaseAsync();
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(2)), LiveVersion(_a));
        Assert.Equal(MenuFolder.Edition(2), _folderA.Read());
    }
}
