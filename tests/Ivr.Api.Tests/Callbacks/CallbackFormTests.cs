using System.Net;
using Dapper;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests.Callbacks;

/// <summary>The callback pages as a browser without JavaScript uses them: plain GETs, form posts and redirects.</summary>
public class CallbackFormTests : IAsyncLifetime
{
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    private readonly HotlineFactory _factory;

    public CallbackFormTests() => _factory = new(backend: Backend);
    private HttpClient _browser = null!;

    public Task InitializeAsync()
    {
        _factory.Clock.Now = SundayNoon;
        _browser = Browser(_factory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<string> BookAsync(string phone)
    {
        var response = await SubmitFormAsync(_browser, phone);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.ToString().Split('/', '?')[2];
    }

    private async Task<long> StoredCallbacksAsync()
    {
        using var db = _factory.OpenDatabase();
        return await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM callbacks");
    }

    [Fact]
    public async Task TheForm_AsksOnlyForTheNumber_InPolish_WithLabelledFieldsAndNoScript()
    {
        var response = await _browser.GetAsync("/callback");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", ContentType(response)?.MediaType);
        var page = await HtmlAsync(response);
        Assert.Equal("pl", page.DocumentElement.GetAttribute("lang"));
        var form = page.QuerySelector("form.callback-form")!;
        Assert.Equal(("post", "/callback"), (form.GetAttribute("method"), form.GetAttribute("action")));

        var phone = page.QuerySelector("input#phone")!;
        Assert.Equal("Numer telefonu", page.QuerySelector("label[for=phone]")?.TextContent);
        Assert.Equal(("tel", "tel", "tel"), (phone.GetAttribute("type"), phone.GetAttribute("autocomplete"), phone.GetAttribute("inputmode")));
        Assert.Equal("phone-hint", phone.GetAttribute("aria-describedby"));

        var options = page.QuerySelectorAll("select#department option").Select(o => (o.GetAttribute("value"), o.TextContent)).ToList();
        Assert.Equal([("", "Dowolny dział"), ("orders", "Dział zamówień"), ("returns", "Dział zwrotów"),
                      ("complaints", "Dział reklamacji"), ("delivery", "Dział dostaw")], options);

        var consent = page.QuerySelector("input#consent")!;
        Assert.Equal("checkbox", consent.GetAttribute("type"));
        Assert.True(consent.HasAttribute("required"));
        Assert.Equal("Zgadzam się na oddzwonienie na ten numer w sprawie mojego zgłoszenia.",
            page.QuerySelector("label[for=consent]")?.TextContent);
        Assert.Equal("Zamów oddzwonienie", form.QuerySelector("button[type=submit]")?.TextContent);

        Assert.Empty(page.QuerySelectorAll("script, link, img, iframe"));
        Assert.Contains("focus-visible", page.QuerySelector("style")?.TextContent);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", HiddenFields(form)["token"]);
    }

    [Theory]
    [InlineData("en-US,en;q=0.9", "/callback")]
    [InlineData("pl-PL", "/callback?lang=en")]
    public async Task TheForm_IsEnglish_ByTheBrowsersLanguage_OrByChoice(string acceptLanguage, string path)
    {
        var page = await HtmlAsync(await Browser(_factory, acceptLanguage).GetAsync(path));

        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Phone number", page.QuerySelector("label[for=phone]")?.TextContent);
        Assert.Equal("I agree to be called back at this number about my request.", page.QuerySelector("label[for=consent]")?.TextContent);
        Assert.Equal("The returns team", page.QuerySelector("option[value=returns]")?.TextContent);
        Assert.Equal("Call me back", page.QuerySelector("button[type=submit]")?.TextContent);
        Assert.Equal("Polski", page.QuerySelector("nav a[hreflang=pl]")?.TextContent);
    }

    [Fact]
    public async Task AnInvalidNumber_ComesBack_WithTheMessageAtTheField_AndWhatWasTyped()
    {
        var response = await SubmitFormAsync(_browser, "12 34", department: "returns");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await HtmlAsync(response);
        var phone = page.QuerySelector("input#phone")!;
        Assert.Equal("12 34", phone.GetAttribute("value"));
        Assert.Equal("true", phone.GetAttribute("aria-invalid"));
        Assert.True(phone.HasAttribute("autofocus"));
        Assert.Equal("phone-hint phone-error", phone.GetAttribute("aria-describedby"));
        var message = page.QuerySelector("#phone-error")!.TextContent;
        Assert.Contains("Ten numer jest za krótki.", message);
        Assert.Same(phone.ParentElement, page.QuerySelector("#phone-error")!.ParentElement);

        var summary = page.QuerySelector("[role=alert]")!;
        Assert.Equal("#phone", summary.QuerySelector("a")?.GetAttribute("href"));
        Assert.Contains("Ten numer jest za krótki.", summary.TextContent);
        Assert.StartsWith("Błąd:", page.Title);
        Assert.True(page.QuerySelector("option[value=returns]")!.HasAttribute("selected"));
        Assert.True(page.QuerySelector("input#consent")!.HasAttribute("checked"));
        Assert.Equal(0, await StoredCallbacksAsync());
    }

    [Fact]
    public async Task WithoutConsent_TheConsentFieldSaysSo_AndNothingIsBooked()
    {
        var response = await SubmitFormAsync(_browser, "500 100 200", consent: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await HtmlAsync(response);
        Assert.Contains("Zaznacz zgodę", page.QuerySelector("#consent-error")?.TextContent);
        var consent = page.QuerySelector("input#consent")!;
        Assert.Equal("consent-error", consent.GetAttribute("aria-describedby"));
        Assert.True(consent.HasAttribute("autofocus"));
        Assert.Null(page.QuerySelector("#phone-error"));
        Assert.Equal(0, await StoredCallbacksAsync());
    }

    [Fact]
    public async Task AValidNumber_RedirectsToTheStatusPage_WithTheReferenceAndTheExpectedTime()
    {
        var response = await SubmitFormAsync(_browser, "500 100 200", department: "orders");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Matches("^/callback/[A-Za-z0-9_-]{22}\\?lang=pl$", location);

        var page = await HtmlAsync(await _browser.GetAsync(location));
        using (var stored = _factory.OpenDatabase())
            Assert.Equal(await stored.QuerySingleAsync<string>("SELECT reference FROM callbacks"), page.QuerySelector("#reference")?.TextContent);
        Assert.Matches("^[0-9]{6}$", page.QuerySelector("#reference")?.TextContent);
        var status = page.QuerySelector("#status")!;
        Assert.Equal("pending", status.GetAttribute("data-status"));
        // Sunday: the orders team opens on Monday at 8:00.
        Assert.Matches(@"^Zadzwonimy jutro ok\. 08:[0-5][05]\.$", status.TextContent);
        Assert.Contains("+48 ••• ••• 200", page.QuerySelector(".facts")!.TextContent);
        Assert.Contains("kończący się cyframi 200", page.QuerySelector(".facts")!.TextContent);
        Assert.Equal("Anuluj oddzwonienie", page.QuerySelector("form[action$='/cancel'] button")?.TextContent);

        using var db = _factory.OpenDatabase();
        Assert.Equal(("form", "orders"), await db.QuerySingleAsync<(string, string)>("SELECT source, department FROM callbacks"));
    }

    [Theory]
    [InlineData("pl", "Dowolny dział")]
    [InlineData("en", "Any team")]
    public async Task ABookingForAnyTeam_SaysAnyTeamOnItsStatusPage_NotTheTeamThatCalls(string lang, string shown)
    {
        var response = await SubmitFormAsync(_browser, "500 100 200", department: "", path: $"/callback?lang={lang}");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);

        var page = await HtmlAsync(await _browser.GetAsync(response.Headers.Location!.ToString()));

        var facts = page.QuerySelectorAll(".facts dd").Select(dd => dd.TextContent).ToList();
        Assert.Equal(shown, facts.Last());
    }

    [Fact]
    public async Task TheCancelButton_CancelsTheCallback_AndTheStatusPageSaysSo()
    {
        var reference = await BookAsync("500 100 200");
        var statusPage = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}"));

        var response = await PressCancelAsync(_browser, statusPage);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var page = await HtmlAsync(await _browser.GetAsync(response.Headers.Location));
        Assert.Equal("canceled", page.QuerySelector("#status")?.GetAttribute("data-status"));
        Assert.Equal("Oddzwonienie zostało anulowane.", page.QuerySelector("#status")?.TextContent);
        Assert.Null(page.QuerySelector("form[action$='/cancel']"));
        Assert.Equal("/callback?lang=pl", page.QuerySelector(".next a")?.GetAttribute("href"));
    }

    [Fact]
    public async Task ACancelThatComesTooLate_SaysWhy()
    {
        var reference = await BookAsync("500 100 200");
        var statusPage = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}"));
        using (var db = _factory.OpenDatabase())
            await db.ExecuteAsync("UPDATE callbacks SET status = 'dialing'");

        var response = await PressCancelAsync(_browser, statusPage);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var page = await HtmlAsync(response);
        Assert.Contains("nie można już anulować", page.QuerySelector("[role=alert]")?.TextContent);
        Assert.Equal("Dzwonimy do Ciebie teraz.", page.QuerySelector("#status")?.TextContent);
    }

    public static TheoryData<string, string?, string?> Forgeries => new()
    {
        // Another site posting the form: it has no cookie of ours, and at best a token it made up or saw elsewhere.
        { "no cookie", null, null },
        { "wrong token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null },
        { "cross-site", "page", "cross-site" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task AFormPostThatDidNotComeFromOurPage_IsRefused_AndTheFormComesBackToSendAgain(string what, string? token, string? fetchSite)
    {
        var browser = what == "no cookie" ? Browser(_factory) : _browser;
        var fields = new Dictionary<string, string> { ["phone"] = "500 100 200", ["consent"] = "yes" };
        if (what != "no cookie")
        {
            var form = (await HtmlAsync(await browser.GetAsync("/callback"))).QuerySelector("form.callback-form")!;
            fields["token"] = token == "page" ? HiddenFields(form)["token"] : token!;
        }
        var request = Post("/callback", new FormUrlEncodedContent(fields));
        if (fetchSite is not null)
            request.Headers.Add("Sec-Fetch-Site", fetchSite);

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await HtmlAsync(response);
        Assert.Contains("Formularz wygasł", page.QuerySelector("[role=alert]")?.TextContent);
        Assert.Equal("500 100 200", page.QuerySelector("input#phone")?.GetAttribute("value"));
        Assert.Equal(0, await StoredCallbacksAsync());

        // The page that came back carries a token that works.
        var again = HiddenFields(page.QuerySelector("form.callback-form")!);
        again["phone"] = "500 100 200";
        again["consent"] = "yes";
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PostAsync("/callback", new FormUrlEncodedContent(again))).StatusCode);
    }

    [Fact]
    public async Task ACancelWithoutTheFormToken_IsRefused_AndTheCallbackStays()
    {
        var reference = await BookAsync("500 100 200");

        var response = await Browser(_factory).PostAsync($"/callback/{reference}/cancel",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "x" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await HtmlAsync(response);
        Assert.Equal("pending", page.QuerySelector("#status")?.GetAttribute("data-status"));
        Assert.NotNull(page.QuerySelector("form[action$='/cancel']"));
    }

    [Theory]
    [InlineData("pending", "pl", "Zadzwonimy jutro ok.", true)]
    [InlineData("dialing", "pl", "Dzwonimy do Ciebie teraz.", false)]
    [InlineData("answered", "en", "We are calling you now.", false)]
    [InlineData("connected", "en", "You were put through to us. Thank you!", false)]
    [InlineData("failed", "pl", "Nie udało nam się do Ciebie dodzwonić.", false)]
    [InlineData("canceled", "en", "This callback was canceled.", false)]
    public async Task TheStatusPage_SaysWhereTheCallbackStands(string status, string lang, string text, bool cancelable)
    {
        var reference = await BookAsync("500 100 200");
        using (var db = _factory.OpenDatabase())
            await db.ExecuteAsync("UPDATE callbacks SET status = @status", new { status });

        var page = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}?lang={lang}"));

        Assert.Equal(lang, page.DocumentElement.GetAttribute("lang"));
        Assert.StartsWith(text, page.QuerySelector("#status")?.TextContent);
        Assert.Equal(cancelable, page.QuerySelector("form[action$='/cancel']") is not null);
    }

    [Fact]
    public async Task AfterATryNobodyAnswered_TheStatusPageSaysWeTried_AndWhenWeTryAgain_NotTheFirstPromise()
    {
        var reference = await BookAsync("500 100 200");
        // The first try rang out; the next is due twenty minutes after noon (Sunday, the hotline's time, Warsaw).
        var retryAt = SundayNoon + TimeSpan.FromMinutes(20);
        Assert.Equal(12, TimeZoneInfo.ConvertTime(SundayNoon, TimeZoneInfo.FindSystemTimeZoneById("Europe/Warsaw")).Hour);
        using (var db = _factory.OpenDatabase())
            await db.ExecuteAsync("UPDATE callbacks SET attempts = 1, last_result = 'no-answer', due_at = @due",
                new { due = retryAt.ToUnixTimeMilliseconds() });

        var polish = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}?lang=pl"));
        var english = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}?lang=en"));

        Assert.Equal("Próbowaliśmy się do Ciebie dodzwonić, bez skutku. Zadzwonimy znowu dziś ok. 12:20.", polish.QuerySelector("#status")?.TextContent);
        Assert.Equal("We tried to call you but could not reach you. We will call again today at about 12:20.", english.QuerySelector("#status")?.TextContent);
    }

    [Fact]
    public async Task ABookingBeingDialled_SaysWhyThereIsNoCancelButton()
    {
        var reference = await BookAsync("500 100 200");
        using (var db = _factory.OpenDatabase())
            await db.ExecuteAsync("UPDATE callbacks SET status = 'dialing'");

        var page = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}?lang=en"));

        Assert.Null(page.QuerySelector("form[action$='/cancel']"));
        Assert.Equal("This callback can no longer be canceled: we are calling you now, or the call has taken place. " +
                     "If you no longer want to talk, just do not answer.", page.QuerySelector("#no-cancel")?.TextContent);
    }

    [Theory]
    [InlineData("pending", "We will call")]
    [InlineData("connected", "Number")]
    [InlineData("failed", "Number")]
    [InlineData("canceled", "Number")]
    public async Task AFinishedBooking_NoLongerSaysWeWillCall(string status, string label)
    {
        var reference = await BookAsync("500 100 200");
        using (var db = _factory.OpenDatabase())
            await db.ExecuteAsync("UPDATE callbacks SET status = @status", new { status });

        var page = await HtmlAsync(await _browser.GetAsync($"/callback/{reference}?lang=en"));

        Assert.Contains(label, page.QuerySelectorAll(".facts dt").Select(dt => dt.TextContent));
    }

    [Fact]
    public async Task TheStatusPage_IsInTheLanguageTheCallbackWasBookedIn()
    {
        var english = Browser(_factory, "en-US");
        var response = await SubmitFormAsync(english, "500 100 200");
        var reference = response.Headers.Location!.ToString().Split('/', '?')[2];

        var page = await HtmlAsync(await Browser(_factory, "").GetAsync($"/callback/{reference}"));

        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.StartsWith("We will call you tomorrow at about 08:", page.QuerySelector("#status")?.TextContent);
    }

    [Theory]
    [InlineData("/callback/123456")]
    [InlineData("/callback/12ab")]
    [InlineData("/callback/1234567")]
    public async Task AnUnknownReference_IsANotFoundPage(string path)
    {
        var response = await _browser.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await HtmlAsync(response);
        Assert.Equal("Nie znaleźliśmy tego zgłoszenia", page.QuerySelector("h1")?.TextContent);
        Assert.Contains("otwórz link", page.QuerySelector("[role=alert]")?.TextContent);
    }

    [Fact]
    public async Task APostThatIsNotASmallUrlEncodedForm_GetsAPageThatSaysSo()
    {
        var multipart = new MultipartFormDataContent { { new StringContent("500 100 200"), "phone" } };
        var huge = new FormUrlEncodedContent(new Dictionary<string, string> { ["phone"] = new('5', 5000), ["consent"] = "yes" });

        var wrongType = await _browser.PostAsync("/callback", multipart);
        var tooLarge = await _browser.PostAsync("/callback", huge);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.NotNull((await HtmlAsync(wrongType)).QuerySelector("[role=alert]"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("4096", (await HtmlAsync(tooLarge)).QuerySelector("[role=alert]")?.TextContent);
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class CallbackFormTestsOnPostgres : CallbackFormTests
{
    protected override Backend Backend => Backend.Postgres;
}
