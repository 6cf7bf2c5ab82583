using Dapper;
using Ivr.Api.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ivr.Api.Tests;

/// <summary>Handle times and patience come from the database: calls answered on another instance teach this one.</summary>
public sealed class SharedRatesTests
{
    [Fact]
    public async Task CallsAnsweredOnAnotherInstance_ChangeTheHandleTimeHere_AfterTheNextRebuild()
    {
        var rebuildClock = new FakeTimeProvider(HotlineFactory.WednesdayMorning);
        await using var factory = new HotlineFactory(services: s => s.AddSingleton(provider => new RatesRefresher(
            provider.GetRequiredService<DepartmentRates>(), rebuildClock, provider.GetRequiredService<ILogger<RatesRefresher>>())));
        factory.CreateClient();
        var rates = factory.Services.GetRequiredService<DepartmentRates>();
        var before = rates.For("orders").MeanHandleSeconds;

        // Another instance on the same database answered twenty orders calls of 20 minutes each.
        var now = HotlineFactory.WednesdayMorning.ToUnixTimeMilliseconds();
        using (var db = factory.OpenDatabase())
        {
            for (var i = 0; i < 20; i++)
                db.Execute(
                    """
                    INSERT INTO queue_entries (call_sid, department, language, enqueued_at, state, ended_at, answered_at, handle_seconds, place_at)
                    VALUES (@sid, 'orders', 'pl-PL', @enqueued, 'answered', @ended, @answered, 1200, @enqueued)
                    """, new { sid = TwilioRequests.NewCallSid(), enqueued = now - 1_300_000 + i, answered = now - 1_250_000 + i, ended = now - 50_000 + i });
        }
        Assert.Equal(before, rates.For("orders").MeanHandleSeconds);

        var round = factory.Services.GetRequiredService<RatesRefresher>().NextRound;
        rebuildClock.Advance(DepartmentRates.RefreshEvery);
        await round.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(rates.For("orders").MeanHandleSeconds > before + 100,
            $"the handle time stayed {rates.For("orders").MeanHandleSeconds} s (it was {before} s)");
    }
}
