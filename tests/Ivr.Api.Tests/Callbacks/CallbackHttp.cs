using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ivr.Api.Tests.Callbacks;

/// <summary>Requests a customer's browser or a shop's website makes to the callback pages and API.</summary>
internal static class CallbackHttp
{
    /// <summary>Sunday noon in Warsaw: every department is closed, so bookings wait for Monday and stay pending.</summary>
    public static readonly DateTimeOffset SundayNoon = new(2026, 11, 29, 12, 0, 0, TimeSpan.FromHours(1));

    /// <summary>A browser: keeps cookies, does not follow redirects (the tests look at them).</summary>
    public static HttpClient Browser(HotlineFactory factory, string acceptLanguage = "pl-PL,pl;q=0.9")
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        return client;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    public static async Task<IDocument> HtmlAsync(HttpResponseMessage response) =>
        await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());

    /// <summary>The messages of one field in a problem details body.</summary>
    public static string[] Errors(JsonElement problem, string field) =>
        problem.GetProperty("errors").TryGetProperty(field, out var messages)
            ? messages.EnumerateArray().Select(m => m.GetString()!).ToArray()
            : [];

    public static string[] ErrorFields(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();

    /// <summary>Opens the form and posts it as the browser would, with the hidden fields the page carries.</summary>
    public static async Task<HttpResponseMessage> SubmitFormAsync(
        HttpClient browser, string phone, string? department = null, bool consent = true, string path = "/callback")
    {
        var page = await HtmlAsync(await browser.GetAsync(path));
        var fields = HiddenFields(page.QuerySelector("form.callback-form")!);
        fields["phone"] = phone;
        fields["department"] = department ?? "";
        if (consent)
            fields["consent"] = "yes";
        return await browser.PostAsync("/callback", new FormUrlEncodedContent(fields));
    }

    /// <summary>Presses the page's cancel button.</summary>
    public static async Task<HttpResponseMessage> PressCancelAsync(HttpClient browser, IDocument statusPage)
    {
        var form = statusPage.QuerySelector("form[action$='/cancel']")!;
        return await browser.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(HiddenFields(form)));
    }

    public static Dictionary<string, string> HiddenFields(IElement form) =>
        form.QuerySelectorAll("input[type=hidden]").ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");

    /// <summary>The request comes from <paramref name="clientAddress"/>, the address of its connection.</summary>
    public static HttpRequestMessage From(this HttpRequestMessage request, string clientAddress)
    {
        request.Headers.Add(HotlineFactory.PeerHeader, clientAddress);
        return request;
    }

    public static HttpRequestMessage Post(string path, HttpContent content) => new(HttpMethod.Post, path) { Content = content };

    public static MediaTypeHeaderValue? ContentType(HttpResponseMessage response) => response.Content.Headers.ContentType;
}
