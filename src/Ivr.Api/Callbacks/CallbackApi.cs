using System.Text;
using System.Text.Json;
using Ivr.Api.Menus;
using Ivr.Api.Voice;
using Ivr.Flows.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Callbacks;

/// <summary>
/// The callback API for a shop's own website or app: book a callback with JSON, look it up, cancel it. Problems
/// come back as problem details with a message per field that the shop can show to the customer as it is, in the
/// customer's language.
/// </summary>
public static class CallbackApi
{
    /// <summary>
    /// A booking as the API shows it: <see cref="Token"/> is the key to <c>/api/callbacks/{token}</c> and to
    /// <see cref="StatusUrl"/>, the page the customer can open; <see cref="Reference"/> is what is said on the phone.
    /// </summary>
    public sealed record CallbackView(
        string Reference, string Token, string Status, string Department, string Number, DateTimeOffset? ExpectedAt, string StatusUrl);

    /// <summary>
    /// The answer to a booking for a number that already has an open one: it says only that we will call, never
    /// the open booking's reference or link, which belong to whoever booked it.
    /// </summary>
    public sealed record AlreadyBookedView(string Status, string Department, string Number, string Message);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEndpointRouteBuilder MapCallbackApi(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<CallbackRateLimits>();
        var api = app.MapGroup("/api/callbacks");

        api.MapPost("/", (HttpContext context, MenuCatalog menus, CallbackBookings bookings, IOptions<CallbackOptions> options,
                IOptions<IvrOptions> ivr, CancellationToken ct) =>
            BookAsync(context, menus.Current, bookings, options.Value.CountryCodes, ivr.Value, limits, ct));

        api.MapGet("/{token}", async Task<Results<Ok<CallbackView>, ProblemHttpResult>> (
            string token, HttpContext context, MenuCatalog menus, CallbackBookings bookings, IOptions<CallbackOptions> options,
            IOptions<IvrOptions> ivr, CancellationToken ct) =>
        {
            var menu = menus.Current;
            var texts = CallbackTexts.For(WebLanguage.For(context.Request, menu.Hotline.Languages));
            if (await limits.TryLookupAsync(context, ct) is { } wait)
                return TooMany(context, texts, wait);
            if (await bookings.FindAsync(token, ct) is not { } booking)
                return NotFound(texts);
            return TypedResults.Ok(View(booking, menu, context.Request, ivr.Value, options.Value.CountryCodes, fullNumber: false));
        });

        api.MapDelete("/{token}", async Task<Results<Ok<CallbackView>, ProblemHttpResult>> (
            string token, HttpContext context, MenuCatalog menus, CallbackBookings bookings, IOptions<CallbackOptions> options,
            IOptions<IvrOptions> ivr, CancellationToken ct) =>
        {
            var menu = menus.Current;
            var texts = CallbackTexts.For(WebLanguage.For(context.Request, menu.Hotline.Languages));
            if (await limits.TryLookupAsync(context, ct) is { } wait)
                return TooMany(context, texts, wait);
            if (await bookings.CancelAsync(token, "canceled by the customer through the API", ct) is not { } booking)
                return NotFound(texts);
            if (booking.Status != CallbackStatus.Canceled)
                return TypedResults.Problem(title: texts.CannotCancel, detail: texts.TooLateToCancel,
                    statusCode: StatusCodes.Status409Conflict);
            return TypedResults.Ok(View(booking, menu, context.Request, ivr.Value, options.Value.CountryCodes, fullNumber: false));
        });

        return app;
    }

    private static async Task<Results<Created<CallbackView>, Ok<AlreadyBookedView>, ValidationProblem, ProblemHttpResult>> BookAsync(
        HttpContext context, MenuDefinition menu, CallbackBookings bookings, IReadOnlyList<string> countryCodes, IvrOptions ivr,
        CallbackRateLimits limits, CancellationToken ct)
    {
        var request = context.Request;
        var languages = menu.Hotline.Languages;
        var browserLanguage = WebLanguage.For(request, languages);
        var texts = CallbackTexts.For(browserLanguage);
        if (!RequestBody.Is(request, "application/json"))
            return TypedResults.Problem(title: texts.RequestProblemTitle, detail: texts.UseJson,
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (await RequestBody.ReadAsync(request, ct) is not { } body)
            return TypedResults.Problem(title: texts.RequestProblemTitle, detail: texts.TooLarge(RequestBody.MaxBytes),
                statusCode: StatusCodes.Status413PayloadTooLarge);
        if (Parse(body) is not { } parsed)
            return BodyProblem(texts, texts.NotJson);
        using var document = parsed;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            return BodyProblem(texts, texts.NotAnObject);

        var (fields, duplicates) = Fields(document.RootElement);
        var errors = new Dictionary<string, string[]>();
        var language = browserLanguage;
        var requestedLanguage = Text(fields, CallbackRequest.LanguageField, out var languageIsText);
        if (WebLanguage.Match(requestedLanguage, languages) is { } chosen)
            language = chosen;
        else if (!string.IsNullOrWhiteSpace(requestedLanguage) || !languageIsText)
            errors[CallbackRequest.LanguageField] = [CallbackTexts.For(language).LanguageUnknown(string.Join(", ", languages))];
        texts = CallbackTexts.For(language);

        var phone = Text(fields, CallbackRequest.PhoneField, out var phoneIsText);
        if (!phoneIsText)
            errors[CallbackRequest.PhoneField] = [texts.PhoneNotText];
        var department = Text(fields, CallbackRequest.DepartmentField, out var departmentIsText);
        if (!departmentIsText)
            errors[CallbackRequest.DepartmentField] = [texts.DepartmentUnknown(string.Join(", ", menu.Departments.Keys))];
        var consent = fields.GetValueOrDefault(CallbackRequest.ConsentField).ValueKind == JsonValueKind.True;

        var check = new CallbackRequest(phone, department, consent).Check(menu, countryCodes, language);
        foreach (var (field, messages) in check.Errors)
            errors.TryAdd(field, messages);
        foreach (var field in duplicates)
            errors[field] = [texts.Duplicate(field)];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors, title: texts.CheckRequestTitle);

        if (await limits.TryBookAsync(context, check.Number!, ct) is { } wait)
            return TooMany(context, texts, wait);
        CallbackBooking booking;
        try
        {
            booking = await bookings.BookAsync(check.Number!, check.Department!, language, source: "api", callSid: null, since: null, ct,
                anyDepartment: string.IsNullOrWhiteSpace(department));
        }
        catch (CallbackReferencesExhaustedException)
        {
            return TypedResults.Problem(title: texts.RequestProblemTitle, detail: texts.CannotBookNow,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (booking.AlreadyBooked)
            return TypedResults.Ok(new AlreadyBookedView("already-booked", check.Department!.Id, check.Number!, texts.AlreadyBooked));
        return TypedResults.Created($"/api/callbacks/{booking.Token}", View(booking, menu, request, ivr, countryCodes, fullNumber: true));
    }

    /// <summary>The body as JSON, or null when it is not UTF-8 JSON (nesting is limited by the parser's depth).</summary>
    private static JsonDocument? Parse(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(StrictUtf8.GetString(body), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (Exception notJson) when (notJson is JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The fields we know, by name in any case; a field we know given twice is reported, not guessed at.</summary>
    private static (Dictionary<string, JsonElement> Fields, IReadOnlyList<string> Duplicates) Fields(JsonElement root)
    {
        string[] known = [CallbackRequest.PhoneField, CallbackRequest.DepartmentField, CallbackRequest.ConsentField, CallbackRequest.LanguageField];
        var fields = new Dictionary<string, JsonElement>();
        var duplicates = new List<string>();
        foreach (var property in root.EnumerateObject())
        {
            var name = known.FirstOrDefault(k => string.Equals(k, Decoded(property), StringComparison.OrdinalIgnoreCase));
            if (name is null)
                continue;
            if (!fields.TryAdd(name, property.Value) && !duplicates.Contains(name))
                duplicates.Add(name);
        }
        return (fields, duplicates);
    }

    /// <summary>A string field: its value, null when missing or null; <paramref name="isText"/> false for another type.</summary>
    private static string? Text(Dictionary<string, JsonElement> fields, string name, out bool isText)
    {
        isText = true;
        if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return Decoded(value);
        isText = false;
        return null;
    }

    // JSON may escape half of a surrogate pair ("\ud800"), which is no text .NET can hold: such a string stands for
    // a character no field accepts, so the customer reads the field's own message.
    private static string Decoded(JsonElement text)
    {
        try
        {
            return text.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return "\uFFFD";
        }
    }

    private static string Decoded(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return "\uFFFD";
        }
    }

    private static CallbackView View(
        CallbackBooking booking, MenuDefinition menu, HttpRequest request, IvrOptions ivr, IReadOnlyCollection<string> countryCodes,
        bool fullNumber)
    {
        var zone = menu.Hotline.TimeZone;
        var number = fullNumber ? booking.Number : CallbackPages.PartlyHidden(booking.Number, countryCodes).Shown.Replace(" ", "").Replace('•', '*');
        var token = booking.Token ?? throw new InvalidOperationException($"Callback {booking.Reference} is shown without its token.");
        return new CallbackView(booking.Reference, token, CallbackLifecycle.Name(booking.Status), booking.Department, number,
            booking.ExpectedAt is { } expected ? TimeZoneInfo.ConvertTime(expected, zone) : null,
            PublicUrl.Action(ivr.PublicBaseUrl, request, $"/callback/{token}"));
    }

    private static ValidationProblem BodyProblem(CallbackTexts texts, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [message] }, title: texts.CheckRequestTitle);

    private static ProblemHttpResult NotFound(CallbackTexts texts) =>
        TypedResults.Problem(title: texts.NotFoundTitle, detail: texts.NotFound, statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult TooMany(HttpContext context, CallbackTexts texts, TimeSpan wait)
    {
        CallbackRateLimits.SetRetryAfter(context.Response, wait);
        return TypedResults.Problem(title: texts.RequestProblemTitle, detail: texts.TooMany(wait),
            statusCode: StatusCodes.Status429TooManyRequests);
    }
}
