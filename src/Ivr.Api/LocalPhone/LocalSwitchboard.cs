using System.Text.RegularExpressions;
using Ivr.Api.Twilio;
using Ivr.Api.Voice;
using Ivr.Simulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Ivr.Api.LocalPhone;

/// <summary>
/// In local mode, Twilio inside the service: a <see cref="Switchboard"/> whose clock follows the service's, whose
/// webhooks go to the service's own address, and whose REST API answers the service's Twilio client
/// (<see cref="LocalTwilioRouter"/>). Browser phones call the hotline through it; whoever the service dials answers
/// after 3 s and talks for 20 s, as with the phone command; a callback to the number of an open browser phone rings it.
/// </summary>
public sealed partial class LocalSwitchboard(
    PhoneLines lines,
    IHttpClientFactory http,
    IServer server,
    IOptions<IvrOptions> ivr,
    IOptions<TwilioOptions> twilio,
    TimeProvider time,
    ILogger<LocalSwitchboard> logger) : BackgroundService
{
    public const string WebhookClient = "LocalSwitchboard";
    public static readonly TimeSpan AgentAnswersAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan AgentTalks = TimeSpan.FromSeconds(20);

    // Callers on a browser phone stay in a queue until they hang up.
    private static readonly TimeSpan Patience = TimeSpan.FromHours(1);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    private readonly Lock gate = new();
    private Switchboard? board;
    private HttpMessageInvoker? rest;

    /// <summary>The number the browser phones call, and callbacks come from: the shop's number, or local mode's stand-in.</summary>
    public string Hotline => twilio.Value.CallerId ?? TwilioOptions.LocalPhoneNumber;

    /// <summary>The switchboard, made on first use; null while the service does not know its own address (it has not
    /// started listening, or runs without a server, as in some tests).</summary>
    public Switchboard? Board
    {
        get
        {
            lock (gate)
            {
                if (board is not null)
                    return board;
                var publicBase = PublicUrl.OfService(ivr.Value, twilio.Value, server);
                if (publicBase is null)
                    return null;
                board = new Switchboard(http.CreateClient(WebhookClient), new VirtualClock(time.GetUtcNow()), new SwitchboardOptions
                {
                    AccountSid = TwilioCallsClient.LocalAccountSid,
                    AuthToken = TwilioOptions.LocalAuthToken,
                    VoiceUrl = new Uri(publicBase + "/voice/incoming"),
                    StatusCallbackUrl = new Uri(publicBase + "/voice/status"),
                    AnyOtherAgent = SimulatedAgent.Answering(AgentAnswersAfter, AgentTalks),
                    Patience = _ => Patience,
                    Customers = Customer,
                    OnEvent = (callSid, e) => lines.WithCall(callSid)?.Hear(e),
                    Seed = Environment.TickCount,
                });
                rest = new HttpMessageInvoker(board.CreateRestHandler());
                logger.LogInformation("Local switchboard: webhooks go to {PublicBase}", publicBase);
                return board;
            }
        }
    }

    /// <summary>Places a call from the browser phone to the hotline; null when a call is already on the line.</summary>
    public string? Call(Switchboard on, PhoneLine line)
    {
        var callSid = "CA" + Guid.NewGuid().ToString("N");
        if (!line.TryBegin(callSid, Hotline))
            return null;
        var record = on.StartCall(new IncomingCall(TimeSpan.Zero, line) { From = line.Number, To = Hotline, CallSid = callSid, Patience = Patience });
        _ = FreeWhenOverAsync(line, callSid, record);
        return callSid;
    }

    /// <summary>Frees the line when its call ends, also when the call broke off because the service did not answer a webhook.</summary>
    private async Task FreeWhenOverAsync(PhoneLine line, string callSid, Task<CallRecord>? record)
    {
        if (record is null)
            return;
        try
        {
            await record;
            line.End(callSid);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Browser phone call {CallSid} broke off", callSid);
            line.End(callSid, exception.Message);
        }
    }

    /// <summary>The person hangs up: a ringing call is declined, a call in progress ends. False when no call is on.</summary>
    public bool HangUp(PhoneLine line)
    {
        if (line.Decline())
            return true;
        return line.CallSid is { } callSid && Existing is { } on && on.HangUp(callSid);
    }

    private Switchboard? Existing
    {
        get
        {
            lock (gate)
                return board;
        }
    }

    /// <summary>Whether a request of the service's Twilio client is for this switchboard: in local mode, towards the
    /// simulator's address, a new call, or a call this switchboard has. Others go on to the phone command's port.</summary>
    internal bool Answers(HttpRequestMessage request)
    {
        var options = twilio.Value;
        if (!options.IsLocalMode || options.EffectiveApiBaseUrl != TwilioOptions.LocalApiBaseUrl || request.RequestUri is not { } uri)
            return false;
        if (!uri.ToString().StartsWith(TwilioOptions.LocalApiBaseUrl + "/", StringComparison.OrdinalIgnoreCase))
            return false;
        var route = CallsRoute().Match(uri.AbsolutePath);
        if (!route.Success)
            return false;
        return route.Groups["sid"].Success ? Existing?.RecordOf(route.Groups["sid"].Value) is not null : Board is not null;
    }

    internal Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpMessageInvoker? api;
        lock (gate)
            api = rest;
        return (api ?? throw new InvalidOperationException("The local switchboard answers REST requests only once it exists (see Answers)."))
            .SendAsync(request, ct);
    }

    private SimulatedCustomer Customer(string number) => lines.Reaching(number) switch
    {
        null => SimulatedCustomer.NeverAnswers,
        { CallSid: not null } => SimulatedCustomer.BusyLine,
        var line => SimulatedCustomer.Person(line, (ringing, ct) =>
        {
            _ = FreeWhenOverAsync(line, ringing.CallSid, Existing?.RecordOf(ringing.CallSid));
            return line.RingAsync(ringing, ct);
        }),
    };

    /// <summary>Keeps the switchboard's clock with the service's, and lets go of the lines of closed pages.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!twilio.Value.IsLocalMode)
            return;
        using var tick = new PeriodicTimer(Step);
        var sweptAt = DateTimeOffset.MinValue;
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetUtcNow();
                if (Existing is { } on && now > on.Clock.GetUtcNow())
                {
                    try
                    {
                        on.Clock.AdvanceTo(now);
                    }
                    catch (Exception exception)
                    {
                        // A call's timer failed; the others must go on.
                        logger.LogError(exception, "A timer of the local switchboard failed");
                    }
                }
                if (now - sweptAt < TimeSpan.FromSeconds(1))
                    continue;
                sweptAt = now;
                foreach (var line in lines.CloseForgotten())
                    HangUp(line);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The service stops.
        }
    }

    public override void Dispose()
    {
        rest?.Dispose();
        base.Dispose();
    }

    [GeneratedRegex("^/2010-04-01/Accounts/[^/]+/Calls(?:/(?<sid>[^/]+))?\\.json$")]
    private static partial Regex CallsRoute();
}
