using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Ivr.Api.Menus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ivr.Api.Tests;

/// <summary>
/// Edits of the menu file while the service runs: valid ones go live for new calls, broken ones are refused. The
/// tests apply each edit through the catalog's reload, as the file watcher does once the file has settled, and
/// await it; <see cref="AnEditorThatSavesByRenaming_IsPickedUp"/> shows the real watcher noticing an edit by itself.
/// </summary>
public sealed class MenuReloadTests
{
    private static IReadOnlyList<(string Version, string Source)> Activations(HotlineFactory factory)
    {
        using var db = factory.OpenDatabase();
        return db.Query<(string, string)>("SELECT version, source FROM menu_activations ORDER BY id").ToList();
    }

    private static async Task<SteppedCall> StartCallAsync(HotlineFactory factory, TwilioRequests twilio)
    {
        var call = new SteppedCall(factory, twilio);
        await call.StartAsync();
        return call;
    }

    [Fact]
    public async Task CallsInProgress_KeepTheirVersion_WhileTheFileIsRewrittenAgainAndAgain()
    {
        using var folder = new MenuFolder(MenuFolder.Edition(0));
        await using var factory = folder.UnwatchedHotline();
        var client = factory.CreateClient();
        var twilio = new TwilioRequests(client);
        const int lastEdition = 6;
        string?[] keys = [null, "1", "*", null, "1"];

        // Each round two calls start on the live edition; meanwhile every call in progress takes its next step while
        // the file is rewritten (in place or by renaming, as editors do) and reloaded. Calls span several editions.
        var inProgress = new List<(SteppedCall Call, int Step)>();
        var calls = new List<SteppedCall>();
        for (var edition = 1; edition <= lastEdition + keys.Length; edition++)
        {
            if (edition <= lastEdition)
            {
                for (var i = 0; i < 2; i++)
                    inProgress.Add((await StartCallAsync(factory, twilio), 0));
            }
            var steps = inProgress.Select(c => c.Call.PressAsync(keys[c.Step])).ToList();
            if (edition <= lastEdition)
            {
                var next = edition;
                steps.Add(Task.Run(async () =>
                {
                    if (next % 2 == 0)
                        folder.WriteByRename(MenuFolder.Edition(next));
                    else
                        folder.Write(MenuFolder.Edition(next));
                    Assert.Equal(FileReload.Activated, await folder.ReloadAsync(factory));
                }));
            }
            await Task.WhenAll(steps);
            inProgress = inProgress.Select(c => (c.Call, c.Step + 1)).ToList();
            calls.AddRange(inProgress.Where(c => c.Step == keys.Length).Select(c => c.Call));
            inProgress.RemoveAll(c => c.Step == keys.Length);
        }
        Assert.Empty(inProgress);
        Assert.Equal(2 * lastEdition, calls.Count);

        Assert.All(calls, call =>
        {
            // One whole menu per call: the edition heard in every prompt, and the version stored at every step.
            var edition = Assert.Single(MenuFolder.EditionsIn(call.Spoken).Distinct());
            var version = Assert.Single(call.StoredVersions.Distinct());
            Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(edition)), version);
        });
        Assert.True(calls.Select(c => MenuFolder.EditionsIn(c.Spoken).First()).Distinct().Count() >= 2,
            "the calls should have met more than one version of the menu");
        Assert.Contains(calls, call => call.LiveVersions.Any(live => live != call.StoredVersions[0]));

        var last = MenuFolder.VersionOf(MenuFolder.Edition(lastEdition));
        Assert.Equal(last, (await MenuFolder.HealthAsync(client)).GetProperty("menuVersion").GetString());
        var newCall = await StartCallAsync(factory, twilio);
        Assert.Equal([lastEdition], MenuFolder.EditionsIn(newCall.Spoken).Distinct());

        // Only whole files ever went live.
        var editions = Enumerable.Range(0, lastEdition + 1).Select(n => MenuFolder.VersionOf(MenuFolder.Edition(n))).ToList();
        Assert.All(Activations(factory), activation => Assert.Contains(activation.Version, editions));
        Assert.Equal(last, Activations(factory)[^1].Version);
    }

    [Fact]
    public async Task ACallInProgress_FinishesOnItsVersion_AndNewCallsStartOnTheEdit()
    {
        using var folder = new MenuFolder(MenuFolder.Edition(1));
        await using var factory = folder.UnwatchedHotline();
        var client = factory.CreateClient();
        var twilio = new TwilioRequests(client);
        var before = await StartCallAsync(factory, twilio);

        folder.Write(MenuFolder.Edition(2));
        Assert.Equal(FileReload.Activated, await folder.ReloadAsync(factory));
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(2)), (await MenuFolder.HealthAsync(client)).GetProperty("menuVersion").GetString());
        await before.PressAsync("1");
        var after = await StartCallAsync(factory, twilio);

        Assert.Equal([1], MenuFolder.EditionsIn(before.Spoken).Distinct());
        Assert.Equal([2], MenuFolder.EditionsIn(after.Spoken).Distinct());
        Assert.Equal([(MenuFolder.VersionOf(MenuFolder.Edition(1)), "start"), (MenuFolder.VersionOf(MenuFolder.Edition(2)), "file")],
            Activations(factory));
    }

    [Fact]
    public async Task ABrokenEdit_IsRefused_TheLastGoodVersionStaysLive_UntilAGoodEdit()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.UnwatchedHotline();
        var client = factory.CreateClient();
        var twilio = new TwilioRequests(client);
        var good = MenuFolder.VersionOf(MenuFolder.Sample);

        folder.Write(MenuFolder.Sample.Replace("\"0\": { next: operator,", "\"0\": { next: operatorr,"));
        Assert.Equal(FileReload.Rejected, await folder.ReloadAsync(factory));
        var refused = await MenuFolder.HealthAsync(client);
        Assert.True(refused.TryGetProperty("rejectedReload", out _), refused.ToString());

        Assert.Equal(good, refused.GetProperty("menuVersion").GetString());
        // Anyone else learns only that the service is up and which version is live.
        var anonymous = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal(["menuVersion", "status"], anonymous.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(good, anonymous.GetProperty("menuVersion").GetString());
        var problems = refused.GetProperty("rejectedReload").GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith("ivr-menus.yaml:") && p.Contains("menus.main.options.\"0\".next:") && p.Contains("'operatorr'"));
        var call = await StartCallAsync(factory, twilio);
        Assert.Empty(MenuFolder.EditionsIn(call.Spoken));
        Assert.Equal(good, Assert.Single(call.StoredVersions));
        client.DefaultRequestHeaders.Add("X-Api-Key", MenuFolder.ApiKey);
        var menu = await client.GetFromJsonAsync<JsonElement>("/admin/api/menu");
        Assert.Equal(good, menu.GetProperty("version").GetString());
        Assert.Equal(problems, menu.GetProperty("rejectedReload").GetProperty("problems").EnumerateArray().Select(p => p.GetString()!));

        folder.Write(MenuFolder.Edition(1));
        Assert.Equal(FileReload.Activated, await folder.ReloadAsync(factory));
        var healthy = await MenuFolder.HealthAsync(client);
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(1)), healthy.GetProperty("menuVersion").GetString());
        Assert.False(healthy.TryGetProperty("rejectedReload", out _), healthy.ToString());
        Assert.Equal(["start", "file"], Activations(factory).Select(a => a.Source));
    }

    [Fact]
    public async Task ADeletedFile_IsRefused_AndTheMenuStaysLive_UntilItIsBack()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.UnwatchedHotline();
        var client = factory.CreateClient();

        File.Delete(folder.FilePath);
        Assert.Equal(FileReload.Rejected, await folder.ReloadAsync(factory));
        var refused = await MenuFolder.HealthAsync(client);
        Assert.True(refused.TryGetProperty("rejectedReload", out _), refused.ToString());

        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), refused.GetProperty("menuVersion").GetString());
        Assert.Contains("does not exist", refused.GetProperty("rejectedReload").GetProperty("problems")[0].GetString());
        var call = await StartCallAsync(factory, new TwilioRequests(client));
        Assert.NotEmpty(call.Spoken);

        folder.Write(MenuFolder.Sample);
        Assert.Equal(FileReload.Unchanged, await folder.ReloadAsync(factory));
        var back = await MenuFolder.HealthAsync(client);
        Assert.False(back.TryGetProperty("rejectedReload", out _), back.ToString());
        Assert.Equal(["start"], Activations(factory).Select(a => a.Source));
    }

    [Fact]
    public async Task AFileSavedInTwoWrites_GoesLiveOnlyWhole()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.UnwatchedHotline();
        var client = factory.CreateClient();
        // The first write alone is a valid menu too; it must not go live on its own.
        var firstPart = MenuFolder.Edition(1);
        var whole = firstPart + "# saved in two writes\n";

        // The file is read between the editor's two writes; by the time that read is applied, the file is whole.
        string? halfway;
        await using (var stream = new FileStream(folder.FilePath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(firstPart));
            await stream.FlushAsync();
            halfway = await MenuCatalog.ReadFileAsync(folder.FilePath);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(whole[firstPart.Length..]));
        }
        Assert.Equal(firstPart, halfway);
        Assert.Equal(FileReload.ChangedMeanwhile, await MenuFolder.ReloadAsync(factory, halfway));
        Assert.Equal(FileReload.Activated, await folder.ReloadAsync(factory));

        Assert.Equal(MenuFolder.VersionOf(whole), (await MenuFolder.HealthAsync(client)).GetProperty("menuVersion").GetString());
        Assert.Equal([(MenuFolder.VersionOf(MenuFolder.Sample), "start"), (MenuFolder.VersionOf(whole), "file")], Activations(factory));
    }

    // The real file watcher: it notices the rename by itself. The test awaits the watcher's signal that it applied
    // the change (bounded generously for a loaded machine), then checks the version through /healthz.
    [Fact]
    public async Task AnEditorThatSavesByRenaming_IsPickedUp()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.Hotline();
        var client = factory.CreateClient();
        var watcher = factory.Services.GetServices<IHostedService>().OfType<MenuFileWatcher>().Single();
        var activated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Reloaded += reload =>
        {
            if (reload == FileReload.Activated)
                activated.TrySetResult();
        };

        folder.WriteByRename(MenuFolder.Edition(3));
        await activated.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(3)), (await MenuFolder.HealthAsync(client)).GetProperty("menuVersion").GetString());

        var call = await StartCallAsync(factory, new TwilioRequests(client));
        Assert.Equal([3], MenuFolder.EditionsIn(call.Spoken).Distinct());
        Assert.Equal("file", Activations(factory)[^1].Source);
    }

    [Fact]
    public async Task AnEditThatRemovesAnAgent_TakesThemOutOfTheAgentList()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.UnwatchedHotline();
        var client = factory.CreateClient();
        var edited = MenuFolder.Sample.Replace("      - { name: Piotr, phone: \"+48221234502\" }\n", "");
        Assert.NotEqual(MenuFolder.Sample, edited);

        folder.Write(edited);
        Assert.Equal(FileReload.Activated, await folder.ReloadAsync(factory));

        using var db = factory.OpenDatabase();
        var orders = db.Query<string>("SELECT id FROM agents WHERE department = 'orders' ORDER BY id").ToList();
        Assert.Equal(["orders.anna", "orders.katarzyna"], orders);
    }
}
