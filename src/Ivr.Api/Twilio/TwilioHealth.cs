namespace Ivr.Api.Twilio;

/// <summary>
/// Whether Twilio's REST API can be used now, shared by everything that calls it: a circuit breaker that stops
/// calling Twilio for <see cref="CoolDown"/> after <see cref="FailuresToOpen"/> requests in a row failed to reach
/// it, and a pause of <see cref="CredentialsRetry"/> after it rejected the credentials (401/403). When the wait is
/// over one trial request goes through alone; Twilio answering it closes the breaker. The callback dispatcher and the
/// queue distributor ask <see cref="MayCall"/> before they claim anything, so an outage uses up no try and no place.
/// </summary>
public sealed class TwilioHealth(TimeProvider time, ILogger<TwilioHealth> logger)
{
    /// <summary>Requests in a row that did not reach Twilio before it is left alone for <see cref="CoolDown"/>.</summary>
    public const int FailuresToOpen = 5;

    public static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(10);

    /// <summary>How often rejected credentials are tried again (a restart with new settings tries at once).</summary>
    public static readonly TimeSpan CredentialsRetry = TimeSpan.FromMinutes(1);

    public const string StatusOk = "ok";
    public const string StatusUnreachable = "unreachable";
    public const string StatusCredentialsRejected = "credentials-rejected";

    /// <summary>What /healthz shows: the state, since when, and while calls are held back, when the next trial goes.</summary>
    public sealed record View(string Status, DateTimeOffset? Since, int ConsecutiveFailures, DateTimeOffset? NextTrialAt);

    private readonly Lock _gate = new();
    private string _status = StatusOk;
    private DateTimeOffset? _since;
    private int _failures;
    private DateTimeOffset? _blockedUntil;
    private bool _trialOut;

    /// <summary>Whether a request may be sent now (without taking the trial): false while calls are held back.</summary>
    public bool MayCall
    {
        get
        {
            lock (_gate)
                return _blockedUntil is not { } until || (time.GetUtcNow() >= until && !_trialOut);
        }
    }

    /// <summary>Takes the right to send one request; false while calls are held back (then nothing may be sent).</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_blockedUntil is not { } until)
                return true;
            if (time.GetUtcNow() < until || _trialOut)
                return false;
            _trialOut = true;
            return true;
        }
    }

    /// <summary>Twilio answered (a success, or a refusal of this request that is not about the credentials).</summary>
    public void Answered()
    {
        lock (_gate)
        {
            if (_status != StatusOk)
                logger.LogInformation("Twilio answers again (it was {Status} since {Since:u})", _status, _since);
            _status = StatusOk;
            _since = null;
            _failures = 0;
            _blockedUntil = null;
            _trialOut = false;
        }
    }

    /// <summary>A request did not reach Twilio, or Twilio failed it (5xx, no answer).</summary>
    public void Unreachable()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_status != StatusUnreachable)
                (_status, _since, _failures) = (StatusUnreachable, now, 0);
            _failures++;
            var trialFailed = _trialOut;
            _trialOut = false;
            if (_failures >= FailuresToOpen || trialFailed)
            {
                if (_blockedUntil is null || trialFailed)
                    logger.LogWarning("Twilio cannot be reached ({Failures} requests in a row failed): no requests to it for {CoolDown} s",
                        _failures, CoolDown.TotalSeconds);
                _blockedUntil = now + CoolDown;
            }
        }
    }

    /// <summary>Twilio rejected the credentials (401/403): nothing is sent until the next trial.</summary>
    public void CredentialsRejected()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_status != StatusCredentialsRejected)
            {
                (_status, _since) = (StatusCredentialsRejected, now);
                logger.LogError("Twilio rejects the credentials (check Twilio:AccountSid and Twilio:AuthToken): callbacks and " +
                                "queue redirects are paused; trying again every {Retry} s", CredentialsRetry.TotalSeconds);
            }
            _failures = 0;
            _trialOut = false;
            _blockedUntil = now + CredentialsRetry;
        }
    }

    /// <summary>A request ended without telling anything about Twilio (cancelled, refused before sending): frees the trial.</summary>
    public void Inconclusive()
    {
        lock (_gate)
            _trialOut = false;
    }

    public View Current()
    {
        lock (_gate)
            return new View(_status, _since, _failures, _blockedUntil);
    }
}
