using Ivr.Simulator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Ivr.Api.LocalPhone;

/// <summary>
/// The browser phone at /phone, in local mode only (404 with Twilio credentials): the page, and the JSON API its
/// script uses. A page opens a line with its number, asks for the line's events (a long poll), and places, answers
/// and hangs up calls, presses keys and says words through it.
/// </summary>
public static class LocalPhoneEndpoints
{
    public const string KeyPad = "0123456789*#";
    public const int MaxSpeechLength = 200;
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);

    public sealed record OpenLine(string? Number);
    public sealed record LineView(string Id, string Number);
    public sealed record CallView(string CallSid);
    public sealed record KeysInput(string? Keys);
    public sealed record SpeechInput(string? Text);

    /// <summary>A line's events for the page; State is idle, ringing, incoming, menu, queue, connecting, agent or ended.</summary>
    public sealed record EventsView(string State, string Number, IReadOnlyList<PhoneEvent> Events, long Next);

    public static IServiceCollection AddLocalPhone(this IServiceCollection services)
    {
        services.AddSingleton<PhoneLines>();
        services.AddSingleton<LocalSwitchboard>();
        services.AddHostedService(provider => provider.GetRequiredService<LocalSwitchboard>());
        // Twilio gives a webhook 15 seconds to answer.
        services.AddHttpClient(LocalSwitchboard.WebhookClient, client => client.Timeout = TimeSpan.FromSeconds(15));
        services.AddTransient<LocalTwilioRouter>();
        services.AddHttpClient<Twilio.TwilioCallsClient>().AddHttpMessageHandler<LocalTwilioRouter>();
        return services;
    }

    public static IEndpointRouteBuilder MapLocalPhone(this IEndpointRouteBuilder app)
    {
        var phone = app.MapGroup("/phone").AddEndpointFilter<LocalModeOnly>();

        // Relative links in the page (phone.js, api/...) need the trailing slash, also behind a path prefix.
        // The page speaks Polish or English, picked as the callback form picks (?lang=, then the browser's languages).
        phone.MapGet("/", (HttpRequest request, Menus.MenuCatalog menus) => request.Path.Value?.EndsWith('/') == true
            ? Results.Text(PageFiles.HtmlIn(Callbacks.WebLanguage.IsPolish(
                Callbacks.WebLanguage.For(request, menus.Current.Hotline.Languages)) ? "pl" : "en"), "text/html; charset=utf-8")
            : Results.Redirect(request.PathBase + request.Path + "/" + request.QueryString));
        phone.MapGet("/phone.js", () => TypedResults.Bytes(PageFiles.Script, "text/javascript; charset=utf-8"));
        phone.MapGet("/phone.css", () => TypedResults.Bytes(PageFiles.Style, "text/css; charset=utf-8"));

        var api = phone.MapGroup("/api/lines").DisableAntiforgery();
        api.MapPost("/", Open);
        api.MapGet("/{id}/events", EventsAsync);
        api.MapPost("/{id}/call", Call);
        api.MapPost("/{id}/answer", (string id, PhoneLines lines) => Act(lines, id, line => line.Answer(), "Nothing is ringing on this phone."));
        api.MapPost("/{id}/hangup", (string id, PhoneLines lines, LocalSwitchboard local) =>
            Act(lines, id, local.HangUp, "There is no call on this phone."));
        api.MapPost("/{id}/keys", PressKeys);
        api.MapPost("/{id}/speech", Say);
        return app;
    }

    private static Results<Created<LineView>, ValidationProblem, ProblemHttpResult> Open(OpenLine body, PhoneLines lines)
    {
        // The number as people type it, as the callback form takes it (nine digits are a Polish number).
        var number = Callbacks.PhoneNumbers.Normalise(body.Number).Number;
        if (number is null || !HotlineOptionsValidation.IsE164(number))
            return Invalid("number", "Use a phone number such as +48 500 100 200, 500 100 200 (Poland) or 0049 30 1234567 (E.164 once spaces go).");
        if (lines.Open(number) is not { } line)
            return TypedResults.Problem(title: "Too many open phones",
                detail: $"{PhoneLines.MaxLines} browser phones are open; close some pages and try again in a minute.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        return TypedResults.Created($"/phone/api/lines/{line.Id}", new LineView(line.Id, line.Number));
    }

    private static async Task<Results<Ok<EventsView>, NotFound<ProblemDetails>>> EventsAsync(
        string id, PhoneLines lines, IHostApplicationLifetime lifetime, CancellationToken ct, long after = 0, int? wait = null)
    {
        if (lines.Find(id) is not { } line)
            return NoSuchLine(id);
        var waitFor = wait is { } seconds ? TimeSpan.FromSeconds(Math.Clamp(seconds, 0, (int)MaxWait.TotalSeconds)) : DefaultWait;
        // A page that waits must not hold up the service when it stops.
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        PhoneEvents page;
        try
        {
            page = await lines.EventsAsync(line, Math.Max(0, after), waitFor, waiting.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            page = await lines.EventsAsync(line, Math.Max(0, after), TimeSpan.Zero, ct);
        }
        return TypedResults.Ok(new EventsView(page.State.ToString().ToLowerInvariant(), page.Number, page.Events, page.Next));
    }

    private static Results<Accepted<CallView>, NotFound<ProblemDetails>, ProblemHttpResult> Call(
        string id, PhoneLines lines, LocalSwitchboard local)
    {
        if (lines.Find(id) is not { } line)
            return NoSuchLine(id);
        if (local.Board is not { } board)
            return TypedResults.Problem(title: "The service does not know its own address",
                detail: "The switchboard sends webhooks to the service's address; set Ivr:PublicBaseUrl when it runs without a listening server.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        if (local.Call(board, line) is not { } callSid)
            return Busy("A call is already on this phone: hang up first.");
        return TypedResults.Accepted($"/phone/api/lines/{line.Id}/events", new CallView(callSid));
    }

    private static Results<Accepted, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult> PressKeys(
        string id, KeysInput body, PhoneLines lines)
    {
        if (lines.Find(id) is not { } line)
            return NoSuchLine(id);
        var keys = body.Keys ?? "";
        if (keys.Length is 0 or > 20 || !keys.All(KeyPad.Contains))
            return Invalid("keys", $"Send one to 20 keys of the keypad ({KeyPad}).");
        // One key at a time, as a person presses them: each menu takes the keys it asks for.
        foreach (var key in keys)
        {
            if (!line.Give(new CallerInput.Keys(key.ToString())))
                return Busy("There is no call on this phone to press keys in.");
        }
        return TypedResults.Accepted((string?)null);
    }

    private static Results<Accepted, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult> Say(
        string id, SpeechInput body, PhoneLines lines)
    {
        if (lines.Find(id) is not { } line)
            return NoSuchLine(id);
        var text = body.Text?.Trim() ?? "";
        if (text.Length is 0 or > MaxSpeechLength)
            return Invalid("text", $"Say one to {MaxSpeechLength} characters.");
        return line.Give(new CallerInput.Speech(text))
            ? TypedResults.Accepted((string?)null)
            : Busy("There is no call on this phone to speak in.");
    }

    private static Results<Accepted, NotFound<ProblemDetails>, ProblemHttpResult> Act(
        PhoneLines lines, string id, Func<PhoneLine, bool> act, string conflict)
    {
        if (lines.Find(id) is not { } line)
            return NoSuchLine(id);
        return act(line) ? TypedResults.Accepted((string?)null) : Busy(conflict);
    }

    private static NotFound<ProblemDetails> NoSuchLine(string id) => TypedResults.NotFound(new ProblemDetails
    {
        Title = "No such phone",
        Detail = $"There is no open browser phone '{id}' (a page that stops asking for events is closed after a minute); open one with POST /phone/api/lines.",
        Status = StatusCodes.Status404NotFound,
    });

    private static ProblemHttpResult Busy(string detail) =>
        TypedResults.Problem(title: "Not now", detail: detail, statusCode: StatusCodes.Status409Conflict);

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>404 for everything under /phone unless the service runs in local mode: with Twilio credentials
    /// there is no simulator to call through. In local mode, 403 for clients <see cref="LocalClients"/> does not let in.</summary>
    private sealed class LocalModeOnly(IOptions<TwilioOptions> twilio, IOptions<IvrOptions> ivr) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            if (!twilio.Value.IsLocalMode)
                return TypedResults.NotFound();
            return LocalClients.MayUse(context.HttpContext, ivr.Value) ? await next(context) : LocalClients.Refused();
        }
    }

    /// <summary>The page, written by hand and built into the service, so that it needs nothing from the internet.</summary>
    private static class PageFiles
    {
        private static readonly string Html = System.Text.Encoding.UTF8.GetString(Read("phone.html"));

        /// <summary>The page with its language set; the script words everything in it.</summary>
        public static string HtmlIn(string language) => Html.Replace("<html lang=\"en\">", $"<html lang=\"{language}\">");

        public static readonly byte[] Script = Read("phone.js");
        public static readonly byte[] Style = Read("phone.css");

        private static byte[] Read(string name)
        {
            using var stream = typeof(PageFiles).Assembly.GetManifestResourceStream($"LocalPhone/{name}")
                               ?? throw new InvalidOperationException($"The page file {name} is not built into Ivr.Api.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
