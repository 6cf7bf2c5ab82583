using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Ivr.Simulator;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Shop;

/// <summary>Why the shop gave no usable answer.</summary>
public enum ShopFailure
{
    /// <summary>No shop is configured.</summary>
    NotConfigured,
    /// <summary>No answer within Shop:TimeoutMs.</summary>
    Timeout,
    /// <summary>No connection (refused, unknown host, TLS).</summary>
    Unreachable,
    /// <summary>5xx, or another status the contract does not have.</summary>
    ServerError,
    /// <summary>An answer that is not the contract's JSON (HTML, cut-off JSON, missing fields).</summary>
    BadAnswer,
}

/// <summary>What the shop said: found (with the value), not found (404), or unavailable (with why).</summary>
public sealed record ShopAnswer<T>(T? Value, bool NotFound, ShopFailure? Failure) where T : class
{
    public static ShopAnswer<T> Found(T value) => new(value, false, null);
    public static readonly ShopAnswer<T> Missing = new(null, true, null);
    public static ShopAnswer<T> Unavailable(ShopFailure failure) => new(null, false, failure);
}

/// <summary>A customer as the shop knows them.</summary>
public sealed record ShopCustomer(string? FirstName, string? Language);

/// <summary>An order as the shop describes it; <see cref="StatusText"/> is in the shop's words, per language.</summary>
public sealed record ShopOrder(string Number, string Status, IReadOnlyDictionary<string, string> StatusText, DateOnly? ExpectedDelivery, string? Carrier)
{
    // Statuses after which there is nothing to wait for; any other counts as open.
    private static readonly string[] Closed = ["delivered", "cancelled", "canceled", "returned", "completed"];

    public bool IsOpen => !Closed.Contains(Status, StringComparer.OrdinalIgnoreCase);

    /// <summary>The shop's text in <paramref name="language"/>, else in the same language for another country, else null.</summary>
    public string? TextFor(string language) =>
        StatusText.TryGetValue(language, out var exact) ? exact
        : StatusText.FirstOrDefault(t => t.Key.Split('-')[0].Equals(language.Split('-')[0], StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// The shop's hotline API (docs/shop-api.yaml), as a typed HttpClient. Every failure (timeout on the service's
/// clock, refused connection, 5xx, HTML, broken JSON) is an answer, never an exception; each kind is logged once
/// until the shop answers again, with numbers masked.
/// </summary>
public sealed class ShopClient(HttpClient http, IOptions<ShopOptions> options, IOptions<TwilioOptions> twilio, TimeProvider time, ILogger<ShopClient> logger)
{
    /// <summary>The demo shop's base address, served in-process in local mode (and over HTTP under /demo-shop).</summary>
    public static readonly Uri DemoBaseUrl = new("http://localhost/demo-shop/");

    private readonly Lock _gate = new();
    private readonly HashSet<ShopFailure> _logged = [];

    /// <summary>True when lookups can be made: a configured shop, or the demo shop in local mode.</summary>
    public bool IsAvailable => options.Value.IsConfigured || twilio.Value.IsLocalMode;

    /// <summary>True when the service answers with its own demo shop (local mode without Shop:BaseUrl).</summary>
    public bool IsDemo => !options.Value.IsConfigured && twilio.Value.IsLocalMode;

    public Task<ShopAnswer<ShopCustomer>> CustomerAsync(string phone, CancellationToken ct) =>
        GetAsync($"customers?phone={Uri.EscapeDataString(phone)}", phone, ReadCustomer, ct);

    public Task<ShopAnswer<ShopOrder>> OrderAsync(string number, string phone, CancellationToken ct) =>
        GetAsync($"orders/{Uri.EscapeDataString(number)}?phone={Uri.EscapeDataString(phone)}", phone, ReadOrder, ct);

    public Task<ShopAnswer<IReadOnlyList<ShopOrder>>> OrdersAsync(string phone, CancellationToken ct) =>
        GetAsync($"orders?phone={Uri.EscapeDataString(phone)}", phone, ReadOrders, ct);

    private async Task<ShopAnswer<T>> GetAsync<T>(string relative, string phone, Func<JsonElement, T?> read, CancellationToken ct) where T : class
    {
        if (!IsAvailable)
            return ShopAnswer<T>.Unavailable(ShopFailure.NotConfigured);
        var settings = options.Value;
        var baseUrl = settings.IsConfigured ? new Uri(settings.BaseUrl!.TrimEnd('/') + "/") : DemoBaseUrl;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(settings.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);

        // The timeout runs on the service's clock, so a test's clock decides it, as it decides the fake shop's delay.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(settings.TimeoutMs), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        ShopAnswer<T> answer;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            answer = response.StatusCode switch
            {
                HttpStatusCode.OK => await ReadAsync(response, read, linked.Token),
                HttpStatusCode.NotFound => ShopAnswer<T>.Missing,
                _ => ShopAnswer<T>.Unavailable(ShopFailure.ServerError),
            };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            answer = ShopAnswer<T>.Unavailable(ShopFailure.Timeout);
        }
        catch (HttpRequestException exception) when (exception.HttpRequestError is HttpRequestError.ConnectionError
                                                         or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
                                                     || exception.InnerException is SocketException)
        {
            answer = ShopAnswer<T>.Unavailable(ShopFailure.Unreachable);
        }
        catch (HttpRequestException)
        {
            // A body over the buffer limit, a broken response: not the contract.
            answer = ShopAnswer<T>.Unavailable(ShopFailure.BadAnswer);
        }
        Note(answer.Failure, relative, phone);
        return answer;
    }

    private static async Task<ShopAnswer<T>> ReadAsync<T>(HttpResponseMessage response, Func<JsonElement, T?> read, CancellationToken ct) where T : class
    {
        if (response.Content.Headers.ContentType?.MediaType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            return ShopAnswer<T>.Unavailable(ShopFailure.BadAnswer);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            return read(document.RootElement) is { } value ? ShopAnswer<T>.Found(value) : ShopAnswer<T>.Unavailable(ShopFailure.BadAnswer);
        }
        catch (JsonException)
        {
            return ShopAnswer<T>.Unavailable(ShopFailure.BadAnswer);
        }
    }

    // Logged once per kind of failure until the shop answers again: a shop that is down must not flood the log.
    private void Note(ShopFailure? failure, string relative, string phone)
    {
        bool first;
        lock (_gate)
        {
            if (failure is null)
            {
                if (_logged.Count == 0)
                    return;
                _logged.Clear();
                first = true;
            }
            else
                first = _logged.Add(failure.Value);
        }
        if (!first)
            return;
        var what = PhoneMask.InText(relative.Replace(Uri.EscapeDataString(phone), PhoneMask.Number(phone)));
        if (failure is null)
            logger.LogInformation("The shop answers again ({Request})", what);
        else
            logger.LogWarning("The shop is unavailable ({Failure}) for {Request}; callers hear an apology and the menu's on_error. " +
                              "Logged once until the shop answers again", failure, what);
    }

    private static ShopCustomer? ReadCustomer(JsonElement json) =>
        json.ValueKind != JsonValueKind.Object ? null
        : new ShopCustomer(Clean(String(json, "firstName"), 40), Language(String(json, "language")));

    private static IReadOnlyList<ShopOrder>? ReadOrders(JsonElement json)
    {
        // Either {"orders": [...]} or a bare list.
        var list = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("orders", out var orders) ? orders : json;
        if (list.ValueKind != JsonValueKind.Array)
            return null;
        var read = new List<ShopOrder>();
        foreach (var item in list.EnumerateArray().Take(50))
        {
            if (ReadOrder(item) is not { } order)
                return null;
            read.Add(order);
        }
        return read;
    }

    private static ShopOrder? ReadOrder(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || Clean(String(json, "number"), 40) is not { } number
            || Clean(String(json, "status"), 40) is not { } status)
            return null;
        var texts = new Dictionary<string, string>();
        if (json.TryGetProperty("statusText", out var statusText) && statusText.ValueKind == JsonValueKind.Object)
        {
            foreach (var text in statusText.EnumerateObject())
            {
                if (text.Value.ValueKind == JsonValueKind.String && Clean(text.Value.GetString(), 300) is { } clean)
                    texts[text.Name] = clean;
            }
        }
        DateOnly? delivery = null;
        if (String(json, "expectedDelivery") is { } date)
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", out var parsed))
                return null;
            delivery = parsed;
        }
        return new ShopOrder(number, status, texts, delivery, Clean(String(json, "carrier"), 40));
    }

    private static string? String(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Language(string? tag) =>
        tag is { Length: >= 2 and <= 10 } && tag.All(c => char.IsAsciiLetter(c) || c == '-') ? tag : null;

    // What the shop says is read out: no control characters, and no more than a sentence or two.
    private static string? Clean(string? text, int max)
    {
        if (text is null)
            return null;
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length > max)
            clean = clean[..max].TrimEnd();
        return clean.Length == 0 ? null : clean;
    }

    /// <summary>Registers the client: the shop at Shop:BaseUrl, or in local mode without it the demo shop in-process.</summary>
    public static IServiceCollection AddShop(IServiceCollection services)
    {
        services.AddShopOptions();
        services.AddSingleton(provider => new FakeShop(provider.GetRequiredService<TimeProvider>()));
        services.AddHttpClient<ShopClient>(client =>
            {
                // The shop's timeout is Shop:TimeoutMs on the service's clock; this is only a safety net.
                client.Timeout = TimeSpan.FromSeconds(30);
                client.MaxResponseContentBufferSize = 256 * 1024;
            })
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var shop = provider.GetRequiredService<IOptions<ShopOptions>>().Value;
                var local = provider.GetRequiredService<IOptions<TwilioOptions>>().Value.IsLocalMode;
                return !shop.IsConfigured && local
                    ? new SharedHandler(provider.GetRequiredService<FakeShop>())
                    : new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromMilliseconds(shop.TimeoutMs) };
            });
        services.AddSingleton<ShopLookups>();
        services.AddSingleton<ShopLookupStore>();
        services.AddSingleton<OrderLookupWebhooks>();
        return services;
    }
}

/// <summary>A handler that lends a long-lived one (the demo shop) to HttpClientFactory, which disposes what it retires.</summary>
public sealed class SharedHandler(HttpMessageHandler inner) : HttpMessageHandler
{
    private readonly HttpMessageInvoker _invoker = new(inner, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker.SendAsync(request, cancellationToken);
}
