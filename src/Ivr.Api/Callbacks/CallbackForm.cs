using System.Text;
using Ivr.Api.Menus;
using Ivr.Flows.Model;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The web pages where customers who are not on the phone book a callback: the form (<c>/callback</c>), the
/// status of a booking (<c>/callback/{token}</c>, the unguessable key given when it was booked) and its cancel button. Plain form posts and redirects, so
/// they work without JavaScript; the JSON API beside them is <see cref="CallbackApi"/>.
/// </summary>
public static class CallbackForm
{
    /// <summary>Maps the callback pages; they share the JSON API's rate limits (one <see cref="CallbackRateLimits"/>).</summary>
    public static IEndpointRouteBuilder MapCallbackForm(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<CallbackRateLimits>();
        var pages = app.MapGroup("/callback");

        pages.MapGet("/", (HttpContext context, MenuCatalog menus) =>
        {
            var language = WebLanguage.For(context.Request, menus.Current.Hotline.Languages);
            var html = CallbackPages.Form(menus.Current, language, FormToken.Issue(context),
                new CallbackRequest("", context.Request.Query["department"].FirstOrDefault(), false), Empty, notice: null);
            return new HtmlPage(html);
        });

        pages.MapPost("/", (HttpContext context, MenuCatalog menus, CallbackBookings bookings, IOptions<CallbackOptions> options, CancellationToken ct) =>
            SubmitAsync(context, menus.Current, bookings, options.Value.CountryCodes, limits, ct));

        pages.MapGet("/{token}", async (string token, HttpContext context, MenuCatalog menus, CallbackBookings bookings,
            IOptions<CallbackOptions> options, TimeProvider time, CancellationToken ct) =>
        {
            var menu = menus.Current;
            if (await limits.TryLookupAsync(context, ct) is { } wait)
                return TooMany(context, menu, wait);
            if (await bookings.FindAsync(token, ct) is not { } booking)
                return NotFound(context, menu);
            var language = WebLanguage.For(context.Request, menu.Hotline.Languages, remembered: booking.Language);
            return new HtmlPage(CallbackPages.Status(menu, language, FormToken.Issue(context), booking, time.GetUtcNow(),
                options.Value.CountryCodes, notice: null));
        });

        pages.MapPost("/{token}/cancel", (string token, HttpContext context, MenuCatalog menus, CallbackBookings bookings,
            IOptions<CallbackOptions> options, TimeProvider time, CancellationToken ct) =>
            CancelAsync(token, context, menus.Current, bookings, options.Value.CountryCodes, time, limits, ct));

        return app;
    }

    private static readonly IReadOnlyDictionary<string, string[]> Empty = new Dictionary<string, string[]>();

    private static async Task<IResult> SubmitAsync(
        HttpContext context, MenuDefinition menu, CallbackBookings bookings, IReadOnlyList<string> countryCodes,
        CallbackRateLimits limits, CancellationToken ct)
    {
        var languages = menu.Hotline.Languages;
        if (await ReadFormAsync(context.Request, ct) is not { } form)
        {
            var language = WebLanguage.For(context.Request, languages);
            var texts = CallbackTexts.For(language);
            return RequestBody.Is(context.Request, FormContentType)
                ? RequestProblem(menu, language, StatusCodes.Status413PayloadTooLarge, texts.TooLarge(RequestBody.MaxBytes))
                : RequestProblem(menu, language, StatusCodes.Status415UnsupportedMediaType, texts.UseForm);
        }

        var lang = WebLanguage.For(context.Request, languages, First(form, "lang"));
        var values = new CallbackRequest(First(form, CallbackRequest.PhoneField), First(form, CallbackRequest.DepartmentField),
            First(form, CallbackRequest.ConsentField) is { Length: > 0 } consent && consent != "false" && consent != "no");
        var token = FormToken.Issue(context);
        if (!FormToken.IsValid(context, First(form, FormToken.FieldName)))
            return FormAgain(menu, lang, token, values, Empty, CallbackTexts.For(lang).FormExpired, StatusCodes.Status400BadRequest);

        var check = values.Check(menu, countryCodes, lang);
        if (!check.IsValid)
            return FormAgain(menu, lang, token, values, check.Errors, notice: null, StatusCodes.Status400BadRequest);
        if (await limits.TryBookAsync(context, check.Number!, ct) is { } wait)
        {
            CallbackRateLimits.SetRetryAfter(context.Response, wait);
            return FormAgain(menu, lang, token, values, Empty, CallbackTexts.For(lang).TooMany(wait), StatusCodes.Status429TooManyRequests);
        }

        CallbackBooking booking;
        try
        {
            booking = await bookings.BookAsync(check.Number!, check.Department!, lang, source: "form", callSid: null, since: null, ct,
                anyDepartment: string.IsNullOrWhiteSpace(values.Department));
        }
        catch (CallbackReferencesExhaustedException)
        {
            return FormAgain(menu, lang, token, values, Empty, CallbackTexts.For(lang).CannotBookNow, StatusCodes.Status503ServiceUnavailable);
        }
        if (booking.AlreadyBooked)
        {
            // Whoever asks may not be whoever booked: say that we will call, never which booking or where its page is.
            var texts = CallbackTexts.For(lang);
            return new HtmlPage(CallbackPages.Message(menu, lang, texts.AlreadyBookedTitle, texts.AlreadyBooked, "/callback"));
        }
        return new SeeOther($"/callback/{booking.Token}?lang={WebLanguage.Primary(lang)}");
    }

    private static async Task<IResult> CancelAsync(
        string token, HttpContext context, MenuDefinition menu, CallbackBookings bookings, IReadOnlyList<string> countryCodes,
        TimeProvider time, CallbackRateLimits limits, CancellationToken ct)
    {
        if (await limits.TryLookupAsync(context, ct) is { } wait)
            return TooMany(context, menu, wait);
        if (await bookings.FindAsync(token, ct) is not { } booking)
            return NotFound(context, menu);
        var form = await ReadFormAsync(context.Request, ct);
        var language = WebLanguage.For(context.Request, menu.Hotline.Languages, form is null ? null : First(form, "lang"), booking.Language);
        var texts = CallbackTexts.For(language);
        var formToken = FormToken.Issue(context);
        var now = time.GetUtcNow();

        if (form is null || !FormToken.IsValid(context, First(form, FormToken.FieldName)))
            return new HtmlPage(CallbackPages.Status(menu, language, formToken, booking, now, countryCodes, texts.FormExpired),
                StatusCodes.Status400BadRequest);
        var after = await bookings.CancelAsync(token, "canceled by the customer on the web page", ct) ?? booking;
        if (after.Status != CallbackStatus.Canceled)
            return new HtmlPage(CallbackPages.Status(menu, language, formToken, after, now, countryCodes, texts.TooLateToCancel),
                StatusCodes.Status409Conflict);
        return new SeeOther($"/callback/{token}?lang={WebLanguage.Primary(language)}");
    }

    private const string FormContentType = "application/x-www-form-urlencoded";

    /// <summary>The posted form fields, or null when the body is not a small URL-encoded form.</summary>
    private static async Task<Dictionary<string, StringValues>?> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!RequestBody.Is(request, FormContentType) || await RequestBody.ReadAsync(request, ct) is not { } body)
            return null;
        try
        {
            return new FormReader(Encoding.UTF8.GetString(body)) { ValueCountLimit = 64 }.ReadForm();
        }
        catch (InvalidDataException)
        {
            // More fields than any form of ours has.
            return null;
        }
    }

    private static string? First(Dictionary<string, StringValues> form, string field) =>
        form.TryGetValue(field, out var values) ? values.FirstOrDefault() : null;

    private static HtmlPage FormAgain(
        MenuDefinition menu, string language, string token, CallbackRequest values,
        IReadOnlyDictionary<string, string[]> errors, string? notice, int status) =>
        new(CallbackPages.Form(menu, language, token, values, errors, notice), status);

    private static HtmlPage NotFound(HttpContext context, MenuDefinition menu)
    {
        var language = WebLanguage.For(context.Request, menu.Hotline.Languages);
        var texts = CallbackTexts.For(language);
        return new HtmlPage(CallbackPages.Message(menu, language, texts.NotFoundTitle, texts.NotFound, "/callback"),
            StatusCodes.Status404NotFound);
    }

    private static HtmlPage TooMany(HttpContext context, MenuDefinition menu, TimeSpan wait)
    {
        var language = WebLanguage.For(context.Request, menu.Hotline.Languages);
        var texts = CallbackTexts.For(language);
        CallbackRateLimits.SetRetryAfter(context.Response, wait);
        return new HtmlPage(CallbackPages.Message(menu, language, texts.RequestProblemTitle, texts.TooMany(wait), "/callback"),
            StatusCodes.Status429TooManyRequests);
    }

    private static HtmlPage RequestProblem(MenuDefinition menu, string language, int status, string text) =>
        new(CallbackPages.Message(menu, language, CallbackTexts.For(language).RequestProblemTitle, text, "/callback"), status);
}

/// <summary>
/// An HTML page of ours, with headers that keep it self-contained: no scripts, styles only from the page itself,
/// forms posting only here, never framed, never cached (a status page changes), no referrer (its address holds the booking's token).
/// </summary>
public sealed class HtmlPage(string html, int statusCode = StatusCodes.Status200OK) : IResult
{
    public Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        return response.WriteAsync(html, Encoding.UTF8, context.RequestAborted);
    }
}

/// <summary>303 See Other: after a form post the browser GETs the result, so a reload never posts again.</summary>
public sealed class SeeOther(string location) : IResult
{
    public Task ExecuteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    }
}
