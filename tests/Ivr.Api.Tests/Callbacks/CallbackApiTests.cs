using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests.Callbacks;

public class CallbackApiTests : IAsyncLifetime
{
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    private readonly HotlineFactory _factory;

    public CallbackApiTests() => _factory = new(backend: Backend);
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory.Clock.Now = SundayNoon;
        _client = Browser(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private Task<HttpResponseMessage> BookAsync(string json, string? acceptLanguage = null)
    {
        var request = Post("/api/callbacks", Json(json));
        if (acceptLanguage is not null)
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task ABooking_Is201_WithItsReference_Location_AndWhenToExpectTheCall()
    {
        var response = await BookAsync("""{ "phone": "500 100 200", "department": "returns", "consent": true }""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await JsonAsync(response);
        var reference = body.GetProperty("reference").GetString()!;
        var token = body.GetProperty("token").GetString()!;
        Assert.Matches("^[0-9]{6}$", reference);
        Assert.Equal($"/api/callbacks/{token}", response.Headers.Location?.ToString());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal("returns", body.GetProperty("department").GetString());
        Assert.Equal("+48500100200", body.GetProperty("number").GetString());
        Assert.Equal($"{HotlineFactory.PublicBaseUrl}/callback/{token}", body.GetProperty("statusUrl").GetString());
        // Closed on Sunday: returns opens on Monday at 9:00, and the time is given in the hotline's zone.
        var expected = body.GetProperty("expectedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromHours(1), expected.Offset);
        Assert.Equal((2026, 11, 30, 9), (expected.Year, expected.Month, expected.Day, expected.Hour));

        using var db = _factory.OpenDatabase();
        var stored = await db.QuerySingleAsync<(string Number, string Source, string Language)>(
            "SELECT number, source, language FROM callbacks WHERE reference = @reference", new { reference });
        Assert.Equal(("+48500100200", "api", "pl-PL"), stored);
    }

    [Fact]
    public async Task BookingTheSameNumberAgain_Is200_AndBooksNothingMore()
    {
        var first = await JsonAsync(await BookAsync("""{ "phone": "+48 500 100 201", "consent": true }"""));

        var again = await BookAsync("""{ "phone": "500-100-201", "consent": true, "language": "en" }""");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.DoesNotContain(first.GetProperty("reference").GetString()!, await again.Content.ReadAsStringAsync());
        Assert.Null(again.Headers.Location);
        using var db = _factory.OpenDatabase();
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM callbacks"));
    }

    [Theory]
    [InlineData("pl-PL", null, "Ten numer jest za krótki")]
    [InlineData("en-US,en;q=0.9", null, "This number is too short")]
    [InlineData("pl-PL", "\"en\"", "This number is too short")]
    [InlineData("en-US", "\"pl-PL\"", "Ten numer jest za krótki")]
    public async Task FieldErrors_AreProblemDetails_InTheRequestsLanguage(string acceptLanguage, string? language, string message)
    {
        var languageField = language is null ? "" : $", \"language\": {language}";
        var response = await BookAsync($$"""{ "phone": "123 45", "consent": true{{languageField}} }""", acceptLanguage);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", ContentType(response)?.MediaType);
        var problem = await JsonAsync(response);
        Assert.Equal(["phone"], ErrorFields(problem));
        Assert.StartsWith(message, Assert.Single(Errors(problem, "phone")));
    }

    [Theory]
    [InlineData("""{ "phone": "500 100 200" }""", "consent")]
    [InlineData("""{ "phone": "500 100 200", "consent": false }""", "consent")]
    [InlineData("""{ "phone": "500 100 200", "consent": "yes" }""", "consent")]
    [InlineData("""{ "phone": "500 100 200", "consent": true, "department": "billing" }""", "department")]
    [InlineData("""{ "phone": "500 100 200", "consent": true, "department": 3 }""", "department")]
    [InlineData("""{ "phone": "500 100 200", "consent": true, "language": "de-DE" }""", "language")]
    [InlineData("""{ "phone": 500100200, "consent": true }""", "phone")]
    [InlineData("""{ "phone": ["500100200"], "consent": true }""", "phone")]
    [InlineData("""{ "consent": true }""", "phone")]
    [InlineData("""{ "phone": "500 100 200", "phone": "600 100 200", "consent": true }""", "phone")]
    [InlineData("""{ "phone": "701 234 567", "consent": true }""", "phone")]
    [InlineData("""{ "phone": "+49 30 1234567", "consent": true }""", "phone")]
    public async Task EachProblem_IsReportedOnItsField(string json, string field)
    {
        var response = await BookAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal([field], ErrorFields(problem));
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(Errors(problem, field))));
    }

    [Fact]
    public async Task EveryFieldWithAProblem_IsReportedAtOnce_AndTheKnownDepartmentsAreNamed()
    {
        var problem = await JsonAsync(await BookAsync("""{ "phone": "abc", "department": "billing" }""", "en-US"));

        Assert.Equal(["consent", "department", "phone"], ErrorFields(problem));
        Assert.Contains("orders, returns, complaints, delivery", Errors(problem, "department")[0]);
        Assert.Equal("Please check the request.", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ADepartmentAndLanguage_MayBeWrittenInAnyCase()
    {
        var response = await BookAsync("""{ "Phone": "500 100 202", "DEPARTMENT": "Delivery", "consent": true, "language": "EN-us" }""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("delivery", (await JsonAsync(response)).GetProperty("department").GetString());
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"phone\": \"500 100 200\",}")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("\"500 100 200\"")]
    [InlineData("")]
    public async Task ABodyThatIsNotAJsonObject_Is400ProblemDetails(string body)
    {
        var response = await BookAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", ContentType(response)?.MediaType);
        Assert.Single(Errors(await JsonAsync(response), "body"));
    }

    [Fact]
    public async Task ABodyThatIsNotUtf8_Is400ProblemDetails()
    {
        var content = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await _client.PostAsync("/api/callbacks", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(Errors(await JsonAsync(response), "body"));
    }

    [Fact]
    public async Task AnOversizeBody_Is413ProblemDetails()
    {
        var padding = new string(' ', 5000);
        var response = await BookAsync($$"""{ "phone": "500 100 200", "consent": true, "note": "{{padding}}" }""", "en-US");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", ContentType(response)?.MediaType);
        Assert.Contains("4096 bytes", (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task AnythingButJson_Is415ProblemDetails(string? contentType)
    {
        var content = new StringContent("""{ "phone": "500 100 200", "consent": true }""", Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);

        var response = await _client.PostAsync("/api/callbacks", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", ContentType(response)?.MediaType);
        Assert.Contains("application/json", (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ABooking_CanBeLookedUp_WithTheNumberPartlyHidden()
    {
        var booked = await JsonAsync(await BookAsync("""{ "phone": "500 100 203", "consent": true }"""));
        var reference = booked.GetProperty("reference").GetString();

        var response = await _client.GetAsync($"/api/callbacks/{booked.GetProperty("token").GetString()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal(reference, body.GetProperty("reference").GetString());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal("+48******203", body.GetProperty("number").GetString());
        Assert.Equal("orders", body.GetProperty("department").GetString());
    }

    [Fact]
    public async Task APendingBooking_CanBeCanceled_ButNotOnceWeAreCalling()
    {
        var pending = (await JsonAsync(await BookAsync("""{ "phone": "500 100 204", "consent": true }"""))).GetProperty("token").GetString();
        var booked = await JsonAsync(await BookAsync("""{ "phone": "500 100 205", "consent": true }"""));
        var dialing = booked.GetProperty("token").GetString();
        using (var db = _factory.OpenDatabase())
            await db.ExecuteAsync("UPDATE callbacks SET status = 'dialing' WHERE reference = @reference",
                new { reference = booked.GetProperty("reference").GetString() });

        var canceled = await _client.DeleteAsync($"/api/callbacks/{pending}");
        var tooLate = await _client.DeleteAsync($"/api/callbacks/{dialing}");

        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal("canceled", (await JsonAsync(canceled)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, tooLate.StatusCode);
        Assert.Equal("application/problem+json", ContentType(tooLate)?.MediaType);
        Assert.Equal("dialing", (await JsonAsync(await _client.GetAsync($"/api/callbacks/{dialing}"))).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("GET", "123456")]
    [InlineData("GET", "12345")]
    [InlineData("GET", "abcdef")]
    [InlineData("DELETE", "999999")]
    [InlineData("GET", "AAAAAAAAAAAAAAAAAAAAAA")]
    public async Task AnUnknownReference_Is404ProblemDetails(string method, string reference)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/callbacks/{reference}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", ContentType(response)?.MediaType);
        Assert.Contains("otwórz link", (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task OtherCountries_AreBookable_WhenConfigured()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Callbacks:AllowedCountryCodes"] = "48,49" });
        factory.Clock.Now = SundayNoon;
        var client = factory.CreateClient();

        var response = await client.PostAsync("/api/callbacks", Json("""{ "phone": "0049 30 1234567", "consent": true }"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("+49301234567", (await JsonAsync(response)).GetProperty("number").GetString());
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class CallbackApiTestsOnPostgres : CallbackApiTests
{
    protected override Backend Backend => Backend.Postgres;
}
