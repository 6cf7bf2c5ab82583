using System.Globalization;
using System.Text;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ivr.Api.Admin;

/// <summary>
/// The supervisor's views under /admin/api: the live queue wall and the figures over time (viewers too), the agent
/// board with its away/available control and the call search with its path and CSV export (supervisors and admins).
/// </summary>
public static class SupervisorEndpoints
{
    public sealed record WallView(DateTimeOffset At, string TimeZone, IReadOnlyList<WallDepartment> Departments);

    public sealed record StatusChange(string? Status);

    public sealed record CallsView(IReadOnlyList<FoundCall> Calls, bool Truncated);

    public sealed record FiguresView(
        DateTimeOffset From, DateTimeOffset To, string By, string TimeZone, int ServiceLevelSeconds, string? Department,
        IReadOnlyList<FigureRow> Rows, FigureRow Total);

    public static IEndpointRouteBuilder MapSupervisorViews(this IEndpointRouteBuilder adminApi)
    {
        var viewers = adminApi.MapGroup("").AllowConsoleRole(ConsoleRole.Viewer);
        viewers.MapGet("/wall", WallAsync);
        viewers.MapGet("/figures", async (HttpRequest request, SupervisorStore store, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
            await FiguresAsync(request, store, menus.Current, time.GetUtcNow(), ct) is var (view, problem) && view is not null
                ? Results.Ok(view) : problem!);
        viewers.MapGet("/figures.csv", async (HttpRequest request, SupervisorStore store, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
        {
            var (view, problem) = await FiguresAsync(request, store, menus.Current, time.GetUtcNow(), ct);
            if (view is null)
                return problem!;
            var csv = new StringBuilder("period,offered,answered,abandoned,average_wait_seconds,service_level\r\n");
            foreach (var row in view.Rows.Append(view.Total))
                csv.Append(Csv(row.Period, row.Offered, row.Answered, row.Abandoned, row.AverageWaitSeconds, row.ServiceLevel));
            return CsvFile(csv, $"figures-{view.By}.csv");
        });

        var supervisors = adminApi.MapGroup("").AllowConsoleRole(ConsoleRole.Supervisor);
        supervisors.MapGet("/agents", async (AgentStore agents, SupervisorStore store, MenuCatalog menus, TimeProvider time, CancellationToken ct) =>
            TypedResults.Ok(await store.BoardAsync(await agents.ListAsync(ct), menus.Current, time.GetUtcNow(), ct)));
        supervisors.MapPut("/agents/{id}/status", SetStatusAsync);
        supervisors.MapGet("/calls", async (HttpRequest request, SupervisorStore store, MenuCatalog menus, CancellationToken ct) =>
            await SearchAsync(request, store, menus.Current, ct) is var (calls, truncated, problem) && calls is not null
                ? Results.Ok(new CallsView(calls, truncated)) : problem!);
        supervisors.MapGet("/calls.csv", async (HttpRequest request, SupervisorStore store, MenuCatalog menus, CancellationToken ct) =>
        {
            var (calls, _, problem) = await SearchAsync(request, store, menus.Current, ct);
            if (calls is null)
                return problem!;
            var zone = menus.Current.Hotline.TimeZone;
            var csv = new StringBuilder("started_at,call_sid,caller,department,outcome,wait_seconds,talk_seconds,duration_seconds,agent\r\n");
            foreach (var call in calls)
                csv.Append(Csv(TimeZoneInfo.ConvertTime(call.StartedAt, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    call.CallSid, call.Caller, call.Department, call.Outcome, call.WaitSeconds, call.TalkSeconds, call.DurationSeconds, call.Agent));
            return CsvFile(csv, "calls.csv");
        });
        supervisors.MapGet("/calls/{callSid}", async (string callSid, SupervisorStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.PathAsync(callSid, ct)));
        return adminApi;
    }

    private static async Task<Ok<WallView>> WallAsync(
        StatsStore stats, SupervisorStore store, AgentStore agents, MenuCatalog menus, TimeProvider time, CancellationToken ct)
    {
        var definition = menus.Current;
        var now = time.GetUtcNow();
        var staff = await agents.ListAsync(ct);
        var (_, _, figures) = await stats.TodayAsync(definition, staff, now, ct);
        var board = await store.BoardAsync(staff, definition, now, ct);
        var (waiting, due) = await store.WallAsync(now, ct);
        var departments = figures.Select(f =>
        {
            var line = waiting[f.Department].ToList();
            var ofDepartment = board.Where(a => a.Department == f.Department).ToList();
            int Count(params string[] states) => ofDepartment.Count(a => states.Contains(a.State));
            return new WallDepartment(
                f.Department, Title(definition, f.Department),
                line.Select((w, i) => new WaitingCaller(i + 1, w.WaitSeconds, w.Language, w.Callback)).ToList(),
                f.LongestWaitSeconds,
                AgentsFree: Count("available"), AgentsRinging: Count("ringing"), AgentsTalking: Count("talking"),
                AgentsInWrapUp: Count("wrap-up"), AgentsAway: Count("away", "missed", "closed"),
                f.ServiceLevel, due.GetValueOrDefault(f.Department));
        }).ToList();
        return TypedResults.Ok(new WallView(now, definition.Hotline.TimeZone.Id, departments));
    }

    private static async Task<Results<Ok<AgentOnBoard>, NotFound<ProblemDetails>, ValidationProblem>> SetStatusAsync(
        string id, StatusChange change, HttpContext http, AgentStore agents, SupervisorStore store, AuditLog audit,
        QueueDistributor distributor, MenuCatalog menus, TimeProvider time, CancellationToken ct)
    {
        if (AgentLifecycle.TryParse(change.Status) is not { } status)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["status"] = [$"Use \"{AgentLifecycle.Stored.Available}\" or \"{AgentLifecycle.Stored.Away}\"."],
            });
        if (!await agents.SetStatusAsync(id, status, ct))
            return TypedResults.NotFound(new ProblemDetails
            {
                Title = "No such agent",
                Detail = $"There is no agent '{id}'; GET /admin/api/agents lists them.",
                Status = StatusCodes.Status404NotFound,
            });
        var now = time.GetUtcNow();
        await audit.RecordAsync(Actor.Of(http), $"agent-{change.Status}", id, null, now, ct);
        // An agent back may take a waiting caller at once.
        distributor.Wake();
        var board = await store.BoardAsync(await agents.ListAsync(ct), menus.Current, now, ct);
        return TypedResults.Ok(board.Single(a => a.Id == id));
    }

    /// <summary>The call search's filters from the query: number (digits), from/to (local dates, inclusive), department, outcome.</summary>
    private static async Task<(IReadOnlyList<FoundCall>? Calls, bool Truncated, IResult? Problem)> SearchAsync(
        HttpRequest request, SupervisorStore store, MenuDefinition definition, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var zone = definition.Hotline.TimeZone;
        var digits = new string((request.Query["number"].ToString()).Where(char.IsAsciiDigit).ToArray());
        var from = LocalDate(request.Query["from"], "from", errors);
        var to = LocalDate(request.Query["to"], "to", errors);
        var department = Blank(request.Query["department"]);
        if (department is not null && !definition.Departments.ContainsKey(department))
            errors["department"] = [$"Unknown department '{department}'; use one of {string.Join(", ", definition.Departments.Keys)}."];
        var outcome = Blank(request.Query["outcome"]);
        if (outcome is not null && !SupervisorStore.Outcomes.Contains(outcome))
            errors["outcome"] = [$"Unknown outcome '{outcome}'; use one of {string.Join(", ", SupervisorStore.Outcomes)}."];
        if (errors.Count > 0)
            return (null, false, TypedResults.ValidationProblem(errors));
        var start = from is { } f ? StatsStore.HotlineDay(DayStart(f, zone), zone).Start : DateTimeOffset.FromUnixTimeMilliseconds(0);
        var end = to is { } t ? StatsStore.HotlineDay(DayStart(t, zone), zone).End : DateTimeOffset.MaxValue.AddDays(-1);
        var calls = await store.SearchAsync(digits.Length > 0 ? digits : null, start, end, department, outcome, SupervisorStore.MaxCalls + 1, ct);
        return calls.Count > SupervisorStore.MaxCalls ? (calls.Take(SupervisorStore.MaxCalls).ToList(), true, null) : (calls, false, null);
    }

    /// <summary>
    /// The figures' range from the query: range=today|yesterday|7d|30d (the last 7 or 30 days, today included), or
    /// from/to (local dates, inclusive); by=hour|day (hours by default for a day, days for longer).
    /// </summary>
    private static async Task<(FiguresView? View, IResult? Problem)> FiguresAsync(
        HttpRequest request, SupervisorStore store, MenuDefinition definition, DateTimeOffset now, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var zone = definition.Hotline.TimeZone;
        var today = StatsStore.HotlineDay(now, zone);
        DateTimeOffset start, end;
        var range = Blank(request.Query["range"]);
        var from = LocalDate(request.Query["from"], "from", errors);
        var to = LocalDate(request.Query["to"], "to", errors);
        switch (range)
        {
            case null when from is { } f && to is { } t:
                (start, end) = (StatsStore.HotlineDay(DayStart(f, zone), zone).Start, StatsStore.HotlineDay(DayStart(t, zone), zone).End);
                if (end <= start)
                    errors["to"] = ["The range ends before it starts: 'to' is the last day, on or after 'from'."];
                else if (end - start > TimeSpan.FromDays(367))
                    errors["to"] = ["Ask for a year at most."];
                break;
            case null when from is not null || to is not null:
                errors["range"] = ["A custom range needs both 'from' and 'to' (dates such as 2026-11-25)."];
                (start, end) = today;
                break;
            case null or "today":
                (start, end) = today;
                break;
            case "yesterday":
                (start, end) = (StatsStore.HotlineDay(today.Start.AddHours(-12), zone).Start, today.Start);
                break;
            case "7d" or "30d":
                var days = range == "7d" ? 7 : 30;
                (start, end) = (StatsStore.HotlineDay(today.Start.AddDays(-(days - 1)).AddHours(12), zone).Start, today.End);
                break;
            default:
                errors["range"] = ["Use today, yesterday, 7d or 30d, or from and to for a range of your own."];
                (start, end) = today;
                break;
        }
        var by = Blank(request.Query["by"]) ?? (end - start > TimeSpan.FromHours(25) ? "day" : "hour");
        if (by is not ("hour" or "day"))
            errors["by"] = ["Use hour or day."];
        else if (by == "hour" && end - start > TimeSpan.FromDays(31))
            errors["by"] = ["Per hour goes up to 31 days; ask per day for longer ranges."];
        var department = Blank(request.Query["department"]);
        if (department is not null && !definition.Departments.ContainsKey(department))
            errors["department"] = [$"Unknown department '{department}'; use one of {string.Join(", ", definition.Departments.Keys)}."];
        if (errors.Count > 0)
            return (null, TypedResults.ValidationProblem(errors));

        var (rows, total) = await store.FiguresAsync(start, end, by == "hour", department, zone, ct);
        return (new FiguresView(start, end, by, zone.Id, StatsStore.ServiceLevelSeconds, department, rows, total), null);
    }

    private static DateTimeOffset DayStart(DateOnly date, TimeZoneInfo zone)
    {
        var noon = date.ToDateTime(new TimeOnly(12, 0));
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(noon, zone), TimeSpan.Zero);
    }

    private static DateOnly? LocalDate(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        errors[field] = [$"'{text}' is not a date such as 2026-11-25."];
        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // The console speaks English; a department is named as English callers hear it, when the hotline has English.
    private static string Title(MenuDefinition definition, string department)
    {
        var english = definition.Hotline.Languages.FirstOrDefault(l => l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return definition.Departments[department].Title.For(english ?? definition.DefaultLanguage);
    }

    private static string Csv(params object?[] values) =>
        string.Join(',', values.Select(value => value switch
        {
            null => "",
            double d => d.ToString("0.###", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            // A text that a spreadsheet would run as a formula is quoted with a leading apostrophe.
            _ => Quote(value.ToString()!),
        })) + "\r\n";

    private static string Quote(string text)
    {
        if (text.Length > 0 && "=+-@".Contains(text[0]) && !(text[0] == '+' && text.Skip(1).All(char.IsAsciiDigit)))
            text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }

    private static IResult CsvFile(StringBuilder csv, string name) =>
        Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", name);
}
