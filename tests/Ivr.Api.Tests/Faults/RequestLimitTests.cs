using System.Net;
using System.Net.Http.Json;
using System.Text;
using Ivr.Api.Voice;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Ivr.Api.Tests.Callbacks.CallbackHttp;

namespace Ivr.Api.Tests;

/// <summary>What the service reads before it knows who is asking: nothing unsigned, nothing oversized.</summary>
public sealed class RequestLimitTests
{
    private const string Stranger = "198.51.100.7";

    [Fact]
    public async Task AnUnsignedWebhook_IsRefused_BeforeItsBodyIsRead()
    {
        await using var factory = new HotlineFactory();
        using var client = factory.CreateClient();
        // More fields than the form reader takes: reading this body would fail, so a 403 shows it was never read.
        var body = string.Join("&", Enumerable.Range(0, 1500).Select(i => $"f{i}=1"));
        var request = new HttpRequestMessage(HttpMethod.Post, "/voice/incoming")
        {
            Content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded"),
        };

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AnOversizeWebhook_Gets413_EvenSigned()
    {
        await using var factory = new HotlineFactory();
        using var client = factory.CreateClient();
        var twilio = new TwilioRequests(client);
        var form = TwilioRequests.Gathered(TwilioRequests.NewCallSid(), speech: new string('a', 70_000));

        using var response = await twilio.PostAsync("/voice/gather", form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task TheVoiceCap_IsASetting()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Ivr:MaxVoiceBodyBytes"] = "4096" });
        using var client = factory.CreateClient();
        var twilio = new TwilioRequests(client);

        using var small = await twilio.PostAsync("/voice/incoming", TwilioRequests.IncomingCall(TwilioRequests.NewCallSid()));
        using var large = await twilio.PostAsync("/voice/gather", TwilioRequests.Gathered(TwilioRequests.NewCallSid(), speech: new string('a', 5000)));

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }

    [Fact]
    public async Task AnOversizeMenuUpload_Gets413ProblemDetails()
    {
        await using var factory = new HotlineFactory(settings: new() { ["Admin:ApiKey"] = "key" });
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "key");

        using var response = await client.PutAsJsonAsync("/admin/api/menu", new { content = new string('#', 3_000_000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnOversizeSignIn_Gets413()
    {
        await using var factory = new HotlineFactory(settings: new()
        {
            ["Admin:Username"] = ConsoleSignInTests.Username, ["Admin:Password"] = ConsoleSignInTests.Password,
        });
        using var client = factory.CreateClient();

        using var response = await ConsoleSignInTests.SignInAsync(client, ConsoleSignInTests.Username, new string('x', 100_000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task LocalMode_TakesSimulatorSignedWebhooks_FromThisMachineOnly()
    {
        await using var factory = new HotlineFactory();
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await IncomingAsync(client, peer: null));
        Assert.Equal(HttpStatusCode.Forbidden, await IncomingAsync(client, Stranger));
        // Through a proxy on this machine that is not trusted: not this machine's request.
        Assert.Equal(HttpStatusCode.Forbidden, await IncomingAsync(client, peer: null, forwardedFor: "203.0.113.1"));
    }

    [Fact]
    public async Task LocalMode_ServesTheBrowserPhone_ToThisMachineOnly()
    {
        await using var factory = new HotlineFactory();
        using var client = factory.CreateClient();

        using var local = await client.GetAsync("/phone/");
        using var remote = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/phone/").From(Stranger));
        using var remoteApi = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/phone/api/lines")
        {
            Content = JsonContent.Create(new { number = "+48500100200" }),
        }.From(Stranger));

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, remote.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, remoteApi.StatusCode);
        Assert.Contains("Ivr:LocalMode=open", await remote.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LocalModeOpen_LetsOtherMachinesIn_AndSaysSoLoudly()
    {
        var logs = new CollectedLogs();
        await using var factory = new HotlineFactory(settings: new() { ["Ivr:LocalMode"] = "open" },
            services: services => services.AddSingleton<ILoggerProvider>(logs));
        using var client = factory.CreateClient();

        using var phone = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/phone/").From(Stranger));

        Assert.Equal(HttpStatusCode.OK, phone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await IncomingAsync(client, Stranger));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("LOCAL MODE, OPEN") && l.Message.Contains("ANY address"));
    }

    [Fact]
    public async Task LocalMode_SaysAtStartThatItIsOn()
    {
        var logs = new CollectedLogs();
        await using var factory = new HotlineFactory(services: services => services.AddSingleton<ILoggerProvider>(logs));
        using var client = factory.CreateClient();

        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.StartsWith("LOCAL MODE:") && l.Message.Contains("this machine only"));
    }

    private static async Task<HttpStatusCode> IncomingAsync(HttpClient client, string? peer, string? forwardedFor = null)
    {
        var form = TwilioRequests.IncomingCall(TwilioRequests.NewCallSid());
        var request = new HttpRequestMessage(HttpMethod.Post, "/voice/incoming") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Ivr.Api.Tests.Voice.TwilioSignatureTests.Compute(TwilioOptions.LocalAuthToken,
            HotlineFactory.PublicBaseUrl + "/voice/incoming", form.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))));
        if (peer is not null)
            request.From(peer);
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
