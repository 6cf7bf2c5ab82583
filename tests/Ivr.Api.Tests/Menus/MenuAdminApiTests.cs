using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ivr.Api.Tests;

/// <summary>The menu admin API under /admin/api: versions, diff, validation, save and rollback, behind the API key.</summary>
public sealed class MenuAdminApiTests : IAsyncLifetime
{
    private readonly MenuFolder _folder = new();
    private HotlineFactory _factory = null!;
    private HttpClient _client = null!;

    private static readonly string Broken = MenuFolder.Sample.Replace("\"0\": { next: operator,", "\"0\": { next: operatorr,");

    public Task InitializeAsync()
    {
        _factory = _folder.Hotline();
        _client = _factory.CreateClient();
        _client.DefaultRequestHeaders.Add("X-Api-Key", MenuFolder.ApiKey);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private async Task<JsonElement> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        await JsonAsync(await _client.GetAsync(path), expected);

    private async Task<JsonElement> SaveAsync(string content, HttpStatusCode expected = HttpStatusCode.OK) =>
        await JsonAsync(await _client.PutAsJsonAsync("/admin/api/menu", new { content }), expected);

    private async Task<List<JsonElement>> VersionsAsync() =>
        (await GetAsync("/admin/api/menu/versions")).EnumerateArray().ToList();

    [Fact]
    public async Task TheLiveMenu_IsShownWithItsVersionAndContent()
    {
        var menu = await GetAsync("/admin/api/menu");

        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), menu.GetProperty("version").GetString());
        Assert.Equal(MenuFolder.Sample, menu.GetProperty("content").GetString());
        Assert.Equal(_folder.FilePath, menu.GetProperty("file").GetString());
        Assert.Equal(HotlineFactory.WednesdayMorning, menu.GetProperty("loadedAt").GetDateTimeOffset());
        Assert.False(menu.TryGetProperty("rejectedReload", out _));
    }

    [Fact]
    public async Task ASave_WritesTheFile_AndNewCallsGetIt()
    {
        var saved = await SaveAsync(MenuFolder.Edition(1));

        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Edition(1)), saved.GetProperty("version").GetString());
        Assert.Equal(MenuFolder.Edition(1), _folder.Read());
        Assert.Equal([_folder.FilePath], Directory.GetFiles(_folder.Folder));
        var call = new SteppedCall(_factory, new TwilioRequests(_client));
        await call.StartAsync();
        Assert.Equal([1], MenuFolder.EditionsIn(call.Spoken).Distinct());

        var versions = await VersionsAsync();
        Assert.Equal(["console", "start"], versions.Select(v => v.GetProperty("source").GetString()));
        Assert.Equal([true, false], versions.Select(v => v.GetProperty("live").GetBoolean()));
        Assert.Equal(saved.GetProperty("id").GetInt64(), versions[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task AnInvalidSave_Is422WithEveryProblem_AndWritesNothing()
    {
        var refused = await SaveAsync(Broken, HttpStatusCode.UnprocessableEntity);

        var problem = refused.GetProperty("problems").EnumerateArray()
            .Single(p => p.GetProperty("path").GetString() == "menus.main.options.\"0\".next");
        Assert.Equal("error", problem.GetProperty("severity").GetString());
        Assert.Contains("'operatorr'", problem.GetProperty("message").GetString());
        var line = Broken.Split('\n').TakeWhile(l => !l.Contains("next: operatorr")).Count() + 1;
        Assert.Equal(line, problem.GetProperty("line").GetInt32());
        Assert.True(problem.GetProperty("column").GetInt32() > 1);
        Assert.Equal(MenuFolder.Sample, _folder.Read());
        Assert.Single(await VersionsAsync());
    }

    [Fact]
    public async Task AnUnclosedBrace_IsASyntaxProblemWithItsPosition_NotAServerError()
    {
        // "name: {Sklep" makes YamlDotNet's scanner throw an exception of its own rather than a parse error.
        var brace = MenuFolder.Sample.Replace("  name: ", "  name: {");
        Assert.NotEqual(MenuFolder.Sample, brace);

        var validated = await JsonAsync(await _client.PostAsJsonAsync("/admin/api/menu/validate", new { content = brace }), HttpStatusCode.OK);
        var refused = await SaveAsync(brace, HttpStatusCode.UnprocessableEntity);

        Assert.False(validated.GetProperty("valid").GetBoolean());
        foreach (var answer in new[] { validated, refused })
        {
            var problem = Assert.Single(answer.GetProperty("problems").EnumerateArray());
            Assert.Equal("(syntax)", problem.GetProperty("path").GetString());
            Assert.True(problem.GetProperty("line").GetInt32() > 1);
            Assert.True(problem.GetProperty("column").GetInt32() >= 1);
            Assert.Contains("not valid YAML", problem.GetProperty("message").GetString());
        }
        Assert.Equal(MenuFolder.Sample, _folder.Read());
    }

    [Fact]
    public async Task Validate_ListsProblemsWithoutSavingAnything()
    {
        var invalid = await JsonAsync(await _client.PostAsJsonAsync("/admin/api/menu/validate", new { content = Broken }), HttpStatusCode.OK);
        var valid = await JsonAsync(await _client.PostAsJsonAsync("/admin/api/menu/validate", new { content = MenuFolder.Edition(1) }), HttpStatusCode.OK);

        Assert.False(invalid.GetProperty("valid").GetBoolean());
        Assert.Contains(invalid.GetProperty("problems").EnumerateArray(), p => p.GetProperty("message").GetString()!.Contains("'operatorr'"));
        Assert.True(valid.GetProperty("valid").GetBoolean());
        Assert.Equal(MenuFolder.Sample, _folder.Read());
        Assert.Single(await VersionsAsync());
    }

    [Fact]
    public async Task ARollback_RewritesTheFile_AsANewVersion_WhileACallOnTheEditFinishesOnIt()
    {
        var start = (await VersionsAsync()).Single().GetProperty("id").GetInt64();
        await SaveAsync(MenuFolder.Edition(1));
        var onEdit = new SteppedCall(_factory, new TwilioRequests(_client));
        await onEdit.StartAsync();

        var rolledBack = await JsonAsync(await _client.PostAsync($"/admin/api/menu/versions/{start}/rollback", null), HttpStatusCode.OK);

        Assert.Equal(MenuFolder.VersionOf(MenuFolder.Sample), rolledBack.GetProperty("version").GetString());
        Assert.NotEqual(start, rolledBack.GetProperty("id").GetInt64());
        Assert.Equal(MenuFolder.Sample, _folder.Read());
        var versions = await VersionsAsync();
        Assert.Equal(["rollback", "console", "start"], versions.Select(v => v.GetProperty("source").GetString()));
        Assert.Equal([true, false, false], versions.Select(v => v.GetProperty("live").GetBoolean()));
        Assert.Equal(versions[2].GetProperty("version").GetString(), versions[0].GetProperty("version").GetString());

        var newCall = new SteppedCall(_factory, new TwilioRequests(_client));
        await newCall.StartAsync();
        Assert.Empty(MenuFolder.EditionsIn(newCall.Spoken));
        var heardBefore = onEdit.Spoken.Count;
        await onEdit.PressAsync("1");
        Assert.Equal([1], MenuFolder.EditionsIn(onEdit.Spoken.Skip(heardBefore)).Distinct());
        Assert.Single(onEdit.StoredVersions.Distinct());
    }

    [Fact]
    public async Task AVersion_IsShownWithItsContent()
    {
        var saved = await SaveAsync(MenuFolder.Edition(2));
        var id = saved.GetProperty("id").GetInt64();

        var version = await GetAsync($"/admin/api/menu/versions/{id}");

        Assert.Equal(MenuFolder.Edition(2), version.GetProperty("content").GetString());
        Assert.Equal("console", version.GetProperty("source").GetString());
        Assert.True(version.GetProperty("live").GetBoolean());
    }

    [Fact]
    public async Task TheDiff_ShowsChangedLinesWithTheirNumbers()
    {
        var start = (await VersionsAsync()).Single().GetProperty("id").GetInt64();
        var edited = MenuFolder.Sample.Replace("  attempts: 3\n", "  attempts: 4\n");
        var saved = (await SaveAsync(edited)).GetProperty("id").GetInt64();

        var diff = await GetAsync($"/admin/api/menu/diff?from={start}&to={saved}");

        var line = MenuFolder.Sample.Split('\n').ToList().IndexOf("  attempts: 3") + 1;
        var lines = diff.GetProperty("lines").EnumerateArray().Select(l => (
            Kind: l.GetProperty("kind").GetString(), Text: l.GetProperty("text").GetString(),
            Old: l.TryGetProperty("oldLine", out var o) ? o.GetInt32() : (int?)null,
            New: l.TryGetProperty("newLine", out var n) ? n.GetInt32() : (int?)null)).ToList();
        Assert.Equal(8, lines.Count);
        Assert.Equal(("removed", "  attempts: 3", line, (int?)null), lines[3]);
        Assert.Equal(("added", "  attempts: 4", (int?)null, line), lines[4]);
        Assert.All(lines.Take(3).Concat(lines.Skip(5)), l => Assert.Equal("context", l.Kind));
        Assert.Equal(line - 3, lines[0].Old);
        Assert.Contains($"@@ -{line - 3},7 +{line - 3},7 @@", diff.GetProperty("unified").GetString());
    }

    [Fact]
    public async Task TheGraph_IsMermaidText()
    {
        var response = await _client.GetAsync("/admin/api/menu/graph");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        var graph = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("flowchart TD", graph);
        Assert.Contains("menu_welcome -->|next| menu_main", graph);
    }

    [Theory]
    [InlineData("/admin/api/menu/versions/999")]
    [InlineData("/admin/api/menu/versions/latest")]
    [InlineData("/admin/api/menu/diff?from=1&to=999")]
    [InlineData("/admin/api/menu/diff?from=999&to=1")]
    public async Task AnUnknownVersion_Is404ProblemDetails(string path)
    {
        var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("menu/versions", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task RollingBackToAnUnknownVersion_Is404_AndChangesNothing()
    {
        var response = await _client.PostAsync("/admin/api/menu/versions/999/rollback", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Single(await VersionsAsync());
    }

    [Fact]
    public async Task ADiffWithoutBothVersions_Is400()
    {
        var problem = await GetAsync("/admin/api/menu/diff?from=1", HttpStatusCode.BadRequest);

        Assert.Contains("from=", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{\"content\": ", "application/json")]
    [InlineData("{}", "application/json")]
    [InlineData("{\"content\": 42}", "application/json")]
    [InlineData("hotline: {}", "text/plain")]
    public async Task AnUnreadableBody_Is400ProblemDetails(string body, string contentType)
    {
        var response = await _client.PutAsync("/admin/api/menu", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MenuFolder.Sample, _folder.Read());
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key", HttpStatusCode.Unauthorized)]
    public async Task WithoutTheRightKey_NothingIsShownOrChanged(string? key, HttpStatusCode expected)
    {
        var client = _factory.CreateClient();
        if (key is not null)
            client.DefaultRequestHeaders.Add("X-Api-Key", key);

        Assert.Equal(expected, (await client.GetAsync("/admin/api/menu")).StatusCode);
        Assert.Equal(expected, (await client.GetAsync("/admin/api/menu/versions")).StatusCode);
        Assert.Equal(expected, (await client.PutAsJsonAsync("/admin/api/menu", new { content = MenuFolder.Edition(1) })).StatusCode);
        Assert.Equal(expected, (await client.PutAsync("/admin/api/menu", new StringContent("{", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(expected, (await client.PostAsync("/admin/api/menu/versions/1/rollback", null)).StatusCode);
        Assert.Equal(MenuFolder.Sample, _folder.Read());
    }

    [Fact]
    public async Task WithNoKeyConfigured_TheApiIsClosed()
    {
        using var folder = new MenuFolder();
        await using var factory = folder.Hotline(new() { ["Admin:ApiKey"] = null });
        var client = factory.CreateClient();

        var response = await client.PutAsJsonAsync("/admin/api/menu", new { content = MenuFolder.Edition(1) });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/admin/api/menu")).StatusCode);
        Assert.Equal(MenuFolder.Sample, folder.Read());
    }
}
