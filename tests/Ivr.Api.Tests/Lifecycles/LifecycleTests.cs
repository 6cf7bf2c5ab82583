using Dapper;
using Ivr.Api.Callbacks;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Configuration;

namespace Ivr.Api.Tests;

/// <summary>The lifecycles refuse what they do not allow, naming the state and the trigger, and keep the stored names.</summary>
public sealed class LifecycleTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ivr-lifecycle-{Guid.NewGuid():N}.db");
    private Database _database = null!;
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Ivr"] = $"Data Source={_path}" })
            .Build();
        _database = new Database(configuration, null);
        await _database.MigrateAsync();
        await using var connection = await _database.OpenAsync();
        await connection.ExecuteAsync("INSERT INTO menu_versions (version, file, content, loaded_at) VALUES ('v1', 'ivr-menus.yaml', '', 0)");
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public void AnAnsweredEntry_CannotBeOfferedAgain_AndTheRefusalNamesTheStateAndTheTrigger()
    {
        var entry = new QueueEntry { State = EntryState.Answered };
        var refused = Assert.Throws<InvalidTransitionException>(() => QueueEntryLifecycle.Of(entry).Fire(EntryTrigger.Offer));
        Assert.Equal("A queue entry in state Answered cannot take Offer.", refused.Message);
        Assert.Equal(EntryState.Answered, entry.State);
    }

    [Fact]
    public void AnOfferedCaller_WhoseCallEnds_IsAnswered_OnlyIfTheAgentPickedUp_ElseAbandoned_OrLostWhenOnlyTheSweepKnows()
    {
        EntryState After(EntryTrigger trigger, long? bridgedAt)
        {
            var entry = new QueueEntry { State = EntryState.Offered, BridgedAt = bridgedAt };
            QueueEntryLifecycle.Of(entry).Fire(trigger);
            return entry.State;
        }
        Assert.Equal(EntryState.Answered, After(EntryTrigger.HungUp, bridgedAt: 1));
        Assert.Equal(EntryState.Abandoned, After(EntryTrigger.HungUp, bridgedAt: null));
        Assert.Equal(EntryState.Answered, After(EntryTrigger.FoundEnded, bridgedAt: 1));
        Assert.Equal(EntryState.Lost, After(EntryTrigger.FoundEnded, bridgedAt: null));
    }

    [Fact]
    public void ACallbackTryThatEnds_IsTriedAgain_UntilTheLastTry_ThenFailed()
    {
        CallbackStatus After(int attempts, int maxAttempts)
        {
            var callback = new Callback { Status = CallbackStatus.Dialing, Attempts = attempts };
            CallbackLifecycle.Of(callback).Fire(CallbackLifecycle.TryEnded, maxAttempts);
            return callback.Status;
        }
        Assert.Equal(CallbackStatus.Pending, After(attempts: 1, maxAttempts: 3));
        Assert.Equal(CallbackStatus.Failed, After(attempts: 3, maxAttempts: 3));
        var connected = new Callback { Status = CallbackStatus.Connected };
        var refused = Assert.Throws<InvalidTransitionException>(() => CallbackLifecycle.Of(connected).Fire(CallbackTrigger.Cancel));
        Assert.Contains("Connected", refused.Message);
        Assert.Contains("Cancel", refused.Message);
    }

    [Fact]
    public void EveryState_IsStoredUnderTheNameItHadBefore_AndReadBack()
    {
        Assert.Equal(["waiting", "offered", "answered", "abandoned", "lost", "callback", "left", "failed"],
            Enum.GetValues<EntryState>().Select(QueueEntryLifecycle.Name));
        Assert.Equal(["pending", "dialing", "answered", "connected", "failed", "canceled"], CallbackLifecycle.Names);
        Assert.Equal(["available", "away"], Enum.GetValues<AgentStatus>().Select(AgentLifecycle.Name));
        Assert.Equal(["InMenu", "Queued", "CallbackBooked", "Finished"], Enum.GetValues<CallPhase>().Select(CallLifecycle.Name));
        Assert.All(Enum.GetValues<EntryState>(), s => Assert.Equal(s, QueueEntryLifecycle.Parse(QueueEntryLifecycle.Name(s))));
        Assert.All(Enum.GetValues<CallbackStatus>(), s => Assert.Equal(s, CallbackLifecycle.Parse(CallbackLifecycle.Name(s))));
        Assert.All(Enum.GetValues<CallPhase>(), s => Assert.Equal(s, CallLifecycle.Parse(CallLifecycle.Name(s))));
    }

    [Fact]
    public async Task AStepThatWouldPutAnEndedCallInAQueue_IsRefused_AndNothingOfItIsKept()
    {
        var calls = new CallStore(_database);
        var parties = new CallParties("+48500100200", "+48221234567");
        var begun = new CallState("v1", "main", "pl-PL", 0, 0, 0, CallPhase.InMenu);
        await calls.StepAsync("CA-ended", parties, Now, (_, _, _) => Task.FromResult<StepResult?>(new StepResult(
            begun with { Phase = CallPhase.Finished }, new Transition(MenuTransitions.NewCall, "main", "start", null), [])));

        var refused = await Assert.ThrowsAsync<InvalidTransitionException>(() => calls.StepAsync("CA-ended", parties, Now.AddSeconds(5),
            (previous, _, _) => Task.FromResult<StepResult?>(new StepResult(previous! with { Phase = CallPhase.Queued, Step = previous.Step + 1 },
                new Transition("main", "main", "callback-queued", null), [new Instruction.Enqueue("orders", "pl-PL", Now)]))));

        Assert.Equal("A call in state Finished cannot take Queue.", refused.Message);
        Assert.Equal(CallPhase.Finished, (await calls.FindAsync("CA-ended"))!.Phase);
        await using var connection = await _database.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM queue_entries"));
    }
}
