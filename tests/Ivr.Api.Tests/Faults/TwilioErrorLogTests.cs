using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ivr.Api.Tests;

/// <summary>
/// Twilio's error messages name the number a request was about ("Account not authorized to call +48..."); what the
/// service logs of them keeps the number masked, whichever way the callback's try ended.
/// </summary>
public sealed class TwilioErrorLogTests
{
    private const string Customer = "+48500100300";

    public static TheoryData<string> Failures => ["refused", "not placed", "unsure"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task ACallbackTwilioWouldNotPlace_IsLogged_WithTheNumberMasked(string failure)
    {
        var logs = new CollectedLogs();
        var twilio = new FailingCreates(failure switch
        {
            "refused" => new TwilioApiException(400, 21215, $"Account not authorized to call {Customer}. Perhaps you need to enable some international permissions", null),
            "not placed" => new TwilioApiException(429, 20429, $"Too many requests to call {Customer}", null),
            _ => new TwilioApiException(504, null, $"Twilio answered HTTP 504 Gateway Timeout without a Twilio error body: To=%2B{Customer[1..]}", null),
        });
        var logged = new Pulse();
        await using var factory = new HotlineFactory(services: services =>
        {
            services.AddSingleton<ILoggerProvider>(new WatchedLogs(logs, logged));
            services.AddSingleton<ITwilioCalls>(twilio);
        });
        factory.CreateClient();
        await factory.Services.GetRequiredService<CallbackBookings>().BookAsync(Customer,
            factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);

        // The dispatcher's own round may have placed it already; the clock stands still, so only one try is made.
        await factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);
        await logged.UntilAsync(() => logs.Lines.Any(line => line.Category.EndsWith(nameof(CallbackDispatcher))), "the failed try to be logged");

        Assert.Equal(1, twilio.Tries);
        Assert.Contains(logs.Lines, line => line.Category.EndsWith(nameof(CallbackDispatcher)) && line.Message.Contains("48******300"));
        Assert.DoesNotContain(logs.Lines, line => line.Message.Contains("500100300"));
    }

    /// <summary>The collected lines, with a beat for each, so the test can await a line a background round writes.</summary>
    private sealed class WatchedLogs(CollectedLogs logs, Pulse pulse) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Watched(logs.CreateLogger(categoryName), pulse);

        public void Dispose()
        {
        }

        private sealed class Watched(ILogger inner, Pulse pulse) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                pulse.Beat();
            }
        }
    }

    private sealed class FailingCreates(Exception failure) : ITwilioCalls
    {
        public int Tries;

        public Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct)
        {
            Interlocked.Increment(ref Tries);
            return Task.FromException<TwilioCall>(failure);
        }

        public Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct) =>
            throw new NotSupportedException("No redirects in these tests.");

        public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct) =>
            throw new NotSupportedException("No fetches in these tests.");
    }
}
