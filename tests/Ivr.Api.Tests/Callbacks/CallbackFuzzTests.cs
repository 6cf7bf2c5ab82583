using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ivr.Api.Callbacks;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests.Callbacks;

/// <summary>
/// Thousands of generated inputs against the form, the API and the status pages: every one gets an answer a
/// customer can read (a 2xx, a redirect, or a 4xx with a message), never a 5xx. The seed is fixed, so a failure
/// repeats; the rate limits are set high so that they do not hide what the inputs do.
/// </summary>
public sealed class CallbackFuzzTests : IAsyncLifetime
{
    private const int Seed = 20261201;
    private const string Unlimited = "1000000";

    private readonly HotlineFactory _factory = new(settings: new()
    {
        ["Callbacks:BookingsPerClient"] = Unlimited,
        ["Callbacks:BookingsPerNumber"] = Unlimited,
        ["Callbacks:LookupsPerClient"] = Unlimited,
    });
    private readonly List<string> _failures = [];
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory.Clock.Now = SundayNoon;
        _client = Browser(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public void PhoneNumbers_NeverThrow_AndOnlyEverGiveE164()
    {
        var inputs = new FuzzInputs(Seed);
        IReadOnlyList<string>[] countryLists = [["48"], ["48", "49"], ["1", "44", "420"]];
        var valid = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var typed = inputs.Phone();
            var result = PhoneNumbers.Parse(typed, inputs.Pick(countryLists));
            Assert.True(result.IsValid ^ result.Problem is not null, $"Input {Show(typed)}: a number or a problem, not both");
            if (result.Number is { } number)
            {
                valid++;
                Assert.True(HotlineOptionsValidation.IsE164(number), $"Input {Show(typed)} gave {number}, not E.164");
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(PhoneNumbers.Message(result.Problem!.Value, inputs.Pick(["pl-PL", "en-US"]), ["48"])));
            }
        }
        Assert.InRange(valid, 1000, 19_000);
    }

    [Fact]
    public async Task TheJsonApi_AnswersEveryBody_WithAMessage_NeverA5xx()
    {
        var inputs = new FuzzInputs(Seed + 1);
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 2500; i++)
        {
            HttpContent content = inputs.Chance(0.05)
                ? new ByteArrayContent(inputs.Bytes(inputs.Next(300)))
                : new StringContent(inputs.JsonBody(), Encoding.UTF8);
            content.Headers.ContentType = inputs.Chance(0.95)
                ? new MediaTypeHeaderValue("application/json") { CharSet = inputs.Chance(0.5) ? "utf-8" : null }
                : inputs.Chance(0.5) ? new MediaTypeHeaderValue("text/plain") : null;
            var request = Post("/api/callbacks", content);
            request.Headers.TryAddWithoutValidation("Accept-Language", inputs.AcceptLanguage());
            var body = await content.ReadAsStringAsync();

            var response = await _client.SendAsync(request);

            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            await CheckAsync("POST /api/callbacks", body, response);
        }
        Assert.True(_failures.Count == 0, string.Join("\n", _failures));
        // The inputs reach every outcome, not only the parser's refusals.
        Assert.True(new[] { 200, 201, 400, 413, 415 }.All(statuses.ContainsKey), string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
    }

    [Fact]
    public async Task TheForm_AnswersEveryPost_WithAPage_NeverA5xx()
    {
        var inputs = new FuzzInputs(Seed + 2);
        var page = await HtmlAsync(await _client.GetAsync("/callback"));
        var token = HiddenFields(page.QuerySelector("form.callback-form")!)["token"];
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 1500; i++)
        {
            var body = inputs.FormBody(token);
            var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = inputs.Chance(0.95)
                ? new MediaTypeHeaderValue("application/x-www-form-urlencoded")
                : new MediaTypeHeaderValue(inputs.Pick(["multipart/form-data", "application/json", "text/html"]));
            var request = Post(inputs.Chance(0.9) ? "/callback" : "/callback?lang=" + Uri.EscapeDataString(inputs.Language()), content);
            request.Headers.TryAddWithoutValidation("Accept-Language", inputs.AcceptLanguage());

            var response = await _client.SendAsync(request);

            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            await CheckAsync("POST /callback", body, response);
        }
        Assert.True(_failures.Count == 0, string.Join("\n", _failures));
        Assert.True(new[] { 303, 400, 415 }.All(statuses.ContainsKey), string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
    }

    [Fact]
    public async Task TheStatusPagesAndLookups_AnswerEveryReference_NeverA5xx()
    {
        var inputs = new FuzzInputs(Seed + 3);
        var booked = await JsonAsync(await _client.PostAsync("/api/callbacks", Json("""{ "phone": "500 100 200", "consent": true }""")));
        var known = booked.GetProperty("token").GetString()!;
        var page = await HtmlAsync(await _client.GetAsync($"/callback/{known}"));
        var token = HiddenFields(page.QuerySelector("form[action$='/cancel']")!)["token"];
        for (var i = 0; i < 1000; i++)
        {
            var reference = inputs.Chance(0.1) ? known : inputs.Reference();
            // A NUL in the path never reaches the service (the server refuses it first), and clients resolve "." and
            // ".." segments before sending, so those never reach a reference either.
            var path = reference is "." or ".." ? "..." : Uri.EscapeDataString(reference.Replace('\0', '0'));
            var request = inputs.Next(4) switch
            {
                0 => new HttpRequestMessage(HttpMethod.Get, $"/callback/{path}?lang={Uri.EscapeDataString(inputs.Language())}"),
                1 => new HttpRequestMessage(HttpMethod.Get, $"/api/callbacks/{path}"),
                2 => new HttpRequestMessage(HttpMethod.Delete, $"/api/callbacks/{path}"),
                _ => Post($"/callback/{path}/cancel", new StringContent(inputs.FormBody(token), Encoding.UTF8, "application/x-www-form-urlencoded")),
            };
            request.Headers.TryAddWithoutValidation("Accept-Language", inputs.AcceptLanguage());

            var response = await _client.SendAsync(request);

            await CheckAsync($"{request.Method} {request.RequestUri}", reference, response);
        }
        Assert.True(_failures.Count == 0, string.Join("\n", _failures));
    }

    /// <summary>No 5xx; a refusal carries a message (problem details or a page with an alert); a redirect goes to a status page.</summary>
    private async Task CheckAsync(string what, string input, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        string? problem = null;
        if (status >= 500)
            problem = $"answered {status}: {text[..Math.Min(text.Length, 300)]}";
        else if (status == 303 && response.Headers.Location?.ToString().StartsWith("/callback/", StringComparison.Ordinal) != true)
            problem = $"redirected to {response.Headers.Location}";
        else if (status >= 400 && mediaType == "application/problem+json" && !HasMessage(text))
            problem = $"answered {status} with problem details without a message: {text}";
        else if (status >= 400 && mediaType == "text/html" && !text.Contains("role=\"alert\"", StringComparison.Ordinal))
            problem = $"answered {status} with a page without an alert";
        else if (status >= 400 && mediaType is not ("application/problem+json" or "text/html"))
            problem = $"answered {status} as {mediaType ?? "nothing"}";
        if (problem is not null && _failures.Count < 10)
            _failures.Add($"{what} {Show(input)}: {problem}");
    }

    private static bool HasMessage(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("errors", out var errors))
            return errors.EnumerateObject().Any() && errors.EnumerateObject().All(e => e.Value.EnumerateArray().All(m => m.GetString()?.Length > 0));
        return root.TryGetProperty("title", out var title) && title.GetString()?.Length > 0
               && root.TryGetProperty("detail", out var detail) && detail.GetString()?.Length > 0;
    }

    private static string Show(string input) =>
        JsonSerializer.Serialize(input.Length > 200 ? input[..200] + "…" : input,
            new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
