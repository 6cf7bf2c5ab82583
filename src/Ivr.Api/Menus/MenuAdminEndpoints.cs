using System.Text.Json;
using System.Text.Json.Serialization;
using Ivr.Api.Twilio;
using Ivr.Flows.Graph;
using Ivr.Flows.Loading;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ivr.Api.Menus;

/// <summary>
/// The menu admin API: the live menu, its versions, a diff of two, checking and saving a text, rollback, the graph.
/// Mapped on a group that carries the access rule (<c>/admin/api</c> with the API key).
/// </summary>
public static class MenuAdminEndpoints
{
    /// <summary>A menu larger than this is refused before it is parsed (the sample is about 12 kB).</summary>
    public const int MaxContentLength = 1_000_000;

    public sealed record ContentRequest(string? Content);

    public sealed record ProblemView(int Line, int Column, string Path, string Message, string Severity);

    public sealed record RejectedReloadView(DateTimeOffset At, string File, IReadOnlyList<string> Problems);

    public sealed record MenuView(
        long Id, string Version, DateTimeOffset LoadedAt, string Source, string File, string Content,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RejectedReloadView? RejectedReload);

    public sealed record ValidationView(bool Valid, IReadOnlyList<ProblemView> Problems);

    public sealed record ActivatedView(long Id, string Version);

    public sealed record VersionView(long Id, string Version, DateTimeOffset LoadedAt, string Source, string File, bool Live, string Content);

    public sealed record DiffLineView(
        string Kind, string Text,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? OldLine,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? NewLine);

    public sealed record DiffView(long From, long To, IReadOnlyList<DiffLineView> Lines, string Unified);

    public sealed record HealthView(
        string Status, string MenuVersion,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RejectedReloadView? RejectedReload,
        TwilioHealth.View Twilio);

    public static IEndpointRouteBuilder MapMenuAdmin(this IEndpointRouteBuilder group)
    {
        group.MapGet("/menu", (MenuCatalog menus) =>
        {
            var live = menus.Live;
            return TypedResults.Ok(new MenuView(live.ActivationId, live.Definition.Version, live.LoadedAt, live.Source,
                menus.FilePath, live.Content, Rejected(menus)));
        });

        group.MapPost("/menu/validate", async Task<Results<Ok<ValidationView>, ProblemHttpResult>> (
            HttpRequest request, MenuAdmin admin, CancellationToken ct) =>
        {
            var (content, problem) = await ReadContentAsync(request, ct);
            if (content is null)
                return problem!;
            var result = admin.Validate(content);
            return TypedResults.Ok(new ValidationView(result.IsValid, Views(result.Problems)));
        });

        group.MapPut("/menu", SaveAsync);
        group.MapGet("/menu/versions", async (MenuAdmin admin, CancellationToken ct) => TypedResults.Ok(await admin.ListAsync(ct)));
        group.MapGet("/menu/versions/{id}", FindAsync);
        group.MapGet("/menu/diff", DiffAsync);
        group.MapPost("/menu/versions/{id}/rollback", RollBackAsync);
        group.MapGet("/menu/graph", (MenuCatalog menus) =>
            TypedResults.Text(MenuGraph.ToMermaid(menus.Current), "text/plain; charset=utf-8"));
        return group;
    }

    /// <summary>What <c>/healthz</c> says about the menu: the live version, and the refused edit if the latest one was.</summary>
    /// <summary>What /healthz says, to anyone: the live version and a refused edit, naming the file but not where it lives.</summary>
    public static HealthView Health(MenuCatalog menus, TwilioHealth twilio) =>
        new("ok", menus.Current.Version, Rejected(menus) is { } rejected ? rejected with { File = Path.GetFileName(rejected.File) } : null,
            twilio.Current());

    private static async Task<Results<Ok<ActivatedView>, ProblemHttpResult>> SaveAsync(
        HttpRequest request, MenuAdmin admin, ILogger<MenuAdmin> logger, CancellationToken ct)
    {
        var (content, problem) = await ReadContentAsync(request, ct);
        if (content is null)
            return problem!;
        return await ChangeAsync(async () => await admin.SaveAsync(content, ct), null, logger);
    }

    private static async Task<Results<Ok<ActivatedView>, ProblemHttpResult>> RollBackAsync(
        string id, MenuAdmin admin, ILogger<MenuAdmin> logger, CancellationToken ct)
    {
        if (!long.TryParse(id, out var number))
            return NoSuchVersion(id);
        return await ChangeAsync(() => admin.RollBackAsync(number, ct), id, logger);
    }

    private static async Task<Results<Ok<VersionView>, ProblemHttpResult>> FindAsync(string id, MenuAdmin admin, CancellationToken ct)
    {
        if (!long.TryParse(id, out var number) || await admin.FindAsync(number, ct) is not { } found)
            return NoSuchVersion(id);
        var info = found.Info;
        return TypedResults.Ok(new VersionView(info.Id, info.Version, info.LoadedAt, info.Source, info.File, info.Live, found.Content));
    }

    private static async Task<Results<Ok<DiffView>, ProblemHttpResult>> DiffAsync(string? from, string? to, MenuAdmin admin, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Two versions are needed",
                detail: "Give the ids of both versions: menu/diff?from=3&to=5 (menu/versions lists them).");
        if (!long.TryParse(from, out var fromId) || await admin.FindAsync(fromId, ct) is null)
            return NoSuchVersion(from);
        if (!long.TryParse(to, out var toId) || await admin.DiffAsync(fromId, toId, ct) is not { } diff)
            return NoSuchVersion(to);

        var lines = diff.Hunks.SelectMany(hunk => hunk.Lines)
            .Select(line => new DiffLineView(line.Kind.ToString().ToLowerInvariant(), line.Text, line.OldLine, line.NewLine))
            .ToList();
        var unified = LineDiff.Unified(diff.Hunks, $"version {diff.From.Id} ({diff.From.Version})", $"version {diff.To.Id} ({diff.To.Version})");
        return TypedResults.Ok(new DiffView(diff.From.Id, diff.To.Id, lines, unified));
    }

    /// <summary>Runs a save or rollback; <paramref name="id"/> is the version rolled back to (null for a save).</summary>
    private static async Task<Results<Ok<ActivatedView>, ProblemHttpResult>> ChangeAsync(
        Func<Task<MenuChange?>> change, string? id, ILogger logger)
    {
        MenuChange? outcome;
        try
        {
            outcome = await change();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.LogError(exception, "The menu file could not be written; the live menu is unchanged");
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError,
                title: "The menu file could not be written",
                detail: $"{exception.Message} The live menu is unchanged; check that the service may write the menu file's folder.");
        }

        if (outcome is null)
            return NoSuchVersion(id);
        if (outcome.Live is not { } live)
        {
            var errors = outcome.Problems.Count(p => p.Severity == ProblemSeverity.Error);
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "The menu has errors; nothing was saved",
                detail: $"{errors} error(s); each problem gives its line, column and path.",
                extensions: new Dictionary<string, object?> { ["problems"] = Views(outcome.Problems) });
        }
        return TypedResults.Ok(new ActivatedView(live.ActivationId, live.Definition.Version));
    }

    /// <summary>The <c>content</c> of a JSON body, or the 400 that says what to send instead.</summary>
    private static async Task<(string? Content, ProblemHttpResult? Problem)> ReadContentAsync(HttpRequest request, CancellationToken ct)
    {
        ContentRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<ContentRequest>(ct);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: the body is not declared as JSON.
            return (null, BadBody($"The body is not JSON of the form {{\"content\": \"...\"}}: {exception.Message}"));
        }
        if (body?.Content is not { } content)
            return (null, BadBody("Send the menu as JSON: {\"content\": \"<the YAML>\"}."));
        if (content.Length > MaxContentLength)
            return (null, BadBody($"The menu is longer than {MaxContentLength} characters."));
        return (content, null);
    }

    private static ProblemHttpResult BadBody(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable request", detail: detail);

    private static ProblemHttpResult NoSuchVersion(string? id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such menu version",
            detail: $"There is no menu version '{id}'; menu/versions lists them.");

    private static RejectedReloadView? Rejected(MenuCatalog menus) =>
        menus.RejectedReload is { } rejected
            ? new RejectedReloadView(rejected.At, rejected.File, rejected.Problems.Select(p => p.ToString()).ToList())
            : null;

    private static IReadOnlyList<ProblemView> Views(IEnumerable<MenuProblem> problems) =>
        problems.Select(p => new ProblemView(p.Line, p.Column, p.Path, p.Message, p.Severity.ToString().ToLowerInvariant())).ToList();
}
