using System.Collections.Concurrent;
using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Menus;
using Ivr.Api.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// A service that stops in the middle of placing a callback, and the one that takes over the same database: the
/// customer's phone is never rung a second time while the first call may still be live.
/// </summary>
public class DispatchRestartTests : IAsyncDisposable
{
    private const string Customer = "+48500100200";
    /// <summary>The store the service runs on.</summary>
    protected virtual Backend Backend => Backend.Sqlite;

    // One database that the service before and after the restart share.
    private readonly string _database;

    public DispatchRestartTests() => _database = Backend == Backend.Postgres
        ? PostgresCluster.CreateDatabase()
        : Path.Combine(Path.GetTempPath(), $"ivr-restart-{Guid.NewGuid():N}.db");
    private readonly List<HotlineFactory> _factories = [];

    /// <summary>Twilio's REST API as the dispatcher sees it: every create recorded, answered or failing as told.</summary>
    private sealed class Twilio(Func<CreateCallRequest, TwilioCall>? answer = null) : ITwilioCalls
    {
        public ConcurrentQueue<CreateCallRequest> Creates { get; } = new();
        public Pulse Asked { get; } = new();

        public Task<TwilioCall> CreateCallAsync(CreateCallRequest request, CancellationToken ct)
        {
            Creates.Enqueue(request);
            Asked.Beat();
            return Task.FromResult(answer is null
                ? new TwilioCall { Sid = "CA" + Guid.NewGuid().ToString("N"), Status = "queued" }
                : answer(request));
        }

        public Task<TwilioCall> UpdateCallAsync(string callSid, UpdateCallRequest request, CancellationToken ct) =>
            Task.FromResult(new TwilioCall { Sid = callSid, Status = "in-progress" });

        public Task<TwilioCall> FetchCallAsync(string callSid, CancellationToken ct) =>
            Task.FromResult(new TwilioCall { Sid = callSid, Status = "in-progress" });
    }

    private HotlineFactory Start(Twilio twilio, DateTimeOffset at)
    {
        var factory = new HotlineFactory(_database, services: s => s.AddSingleton<ITwilioCalls>(twilio));
        factory.Clock.Now = at;
        _ = factory.Server; // starts the service and its dispatcher
        _factories.Add(factory);
        return factory;
    }

    private static Task DispatchAsync(HotlineFactory factory) =>
        factory.Services.GetRequiredService<CallbackDispatcher>().DispatchAsync(CancellationToken.None);

    private static async Task<CallbackBooking> BookAsync(HotlineFactory factory) =>
        await factory.Services.GetRequiredService<CallbackBookings>().BookAsync(
            Customer, factory.Services.GetRequiredService<MenuCatalog>().Current.Departments["orders"], "pl-PL", "form", null, null);


    private static (string Status, int Attempts) StatusOf(HotlineFactory factory, string reference)
    {
        using var db = factory.OpenDatabase();
        return db.QuerySingle<(string, int)>("SELECT status, attempts FROM callbacks WHERE reference = @reference", new { reference });
    }

    [Fact]
    public async Task AfterARestartWhileTheCustomersPhoneRings_NobodyDialsAgainUntilTwilioSaysTheTryEnded()
    {
        var first = new Twilio();
        var before = Start(first, HotlineFactory.WednesdayMorning);
        var booking = await BookAsync(before);
        await DispatchAsync(before);
        await first.Asked.UntilAsync(() => first.Creates.Count == 1, "the dispatcher to place the call");
        var statusCallback = first.Creates.Single().StatusCallback!;
        await before.DisposeAsync(); // the service stops; the customer's phone may still be ringing

        var second = new Twilio();
        var after = Start(second, HotlineFactory.WednesdayMorning.AddSeconds(60));
        for (var seconds = 60; seconds <= 170; seconds += 10)
        {
            after.Clock.Now = HotlineFactory.WednesdayMorning.AddSeconds(seconds);
            await DispatchAsync(after);
        }
        Assert.Empty(second.Creates);
        Assert.Equal(("dialing", 1), StatusOf(after, booking.Reference));

        // Twilio reports the first try (placed before the restart): nobody answered. The next try waits its delay.
        var report = TwilioRequests.Gathered("CA" + new string('7', 32));
        report["CallStatus"] = "no-answer";
        using (var response = await new TwilioRequests(after.CreateClient()).PostAsync(statusCallback.PathAndQuery, report))
            response.EnsureSuccessStatusCode();
        after.Clock.Now = HotlineFactory.WednesdayMorning.AddSeconds(170 + 299);
        await DispatchAsync(after);
        Assert.Empty(second.Creates);

        after.Clock.Now = HotlineFactory.WednesdayMorning.AddSeconds(170 + 301);
        await DispatchAsync(after);
        await second.Asked.UntilAsync(() => second.Creates.Count == 1, "the dispatcher to place the call");
        Assert.Equal(Customer, second.Creates.Single().To);
        Assert.Equal(("dialing", 2), StatusOf(after, booking.Reference));
    }

    [Fact]
    public async Task ATryWhoseOutcomeIsUnknown_IsTriedAgainOnlyAfterAnyRingWouldBeOver()
    {
        // The create reached Twilio but its answer was lost: the call may or may not be ringing.
        var first = new Twilio(_ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."));
        var before = Start(first, HotlineFactory.WednesdayMorning);
        var booking = await BookAsync(before);
        await DispatchAsync(before);
        await first.Asked.UntilAsync(() => first.Creates.Count == 1, "the dispatcher to place the call");
        await before.DisposeAsync();

        var second = new Twilio();
        var after = Start(second, HotlineFactory.WednesdayMorning.AddSeconds(30));
        after.Clock.Now = HotlineFactory.WednesdayMorning.AddSeconds(179);
        await DispatchAsync(after);
        Assert.Empty(second.Creates);
        Assert.Equal(("dialing", 1), StatusOf(after, booking.Reference));

        // Longer than any ring and no word from Twilio: the try is given up, and the next comes after the delay.
        after.Clock.Now = HotlineFactory.WednesdayMorning.AddSeconds(181);
        await DispatchAsync(after);
        Assert.Equal(("pending", 1), StatusOf(after, booking.Reference));
        Assert.Empty(second.Creates);
        after.Clock.Now = HotlineFactory.WednesdayMorning.AddSeconds(181 + 301);
        await DispatchAsync(after);
        await second.Asked.UntilAsync(() => second.Creates.Count == 1, "the dispatcher to place the call");
        Assert.Equal(("dialing", 2), StatusOf(after, booking.Reference));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var factory in _factories)
            await factory.DisposeAsync();
    }
}

/// <summary>The same, with the service on PostgreSQL.</summary>
public sealed class DispatchRestartTestsOnPostgres : DispatchRestartTests
{
    protected override Backend Backend => Backend.Postgres;
}
