using System.Data.Common;
using Dapper;
using Ivr.Api.Persistence;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Ivr.Flows.Waiting;
using CallbackText = Ivr.Api.Callbacks.CallbackLifecycle.Stored;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Queues;

/// <summary>What a caller is told about their wait: the forecast from their place in line, and the words for it.</summary>
public sealed record WaitAnnouncement(int CallersAhead, int AgentsOnDuty, WaitForecast? Forecast);

/// <summary>
/// Forecasts a queued caller's wait from their current position, the agents on duty and the department's learned
/// rates, and stores every announcement so that the service can report how good its promises are.
/// </summary>
public sealed class WaitAnnouncer(Database database, AgentStore agents, DepartmentRates rates)
{
    /// <summary>The announcement for <paramref name="callSid"/> now, stored in a write of its own; null when the call is not waiting.</summary>
    public Task<WaitAnnouncement?> AnnounceAsync(
        string callSid, Department department, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) =>
            AnnounceAsync(connection, transaction, callSid, department, zone, now, cancellationToken), cancellationToken);

    /// <summary>
    /// The announcement for <paramref name="callSid"/> now, stored in <paramref name="transaction"/>: the step that
    /// puts a caller in line stores what they are told with it, or neither. Null when the call is not waiting.
    /// </summary>
    public async Task<WaitAnnouncement?> AnnounceAsync(DbConnection connection, DbTransaction transaction,
        string callSid, Department department, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Callers still waiting who arrived before this one: its place in line (no row: not in the queue).
        // ... and callbacks booked before it that wait for an agent too.
        var entry = await connection.QuerySingleOrDefaultAsync<(long, string)?>(
            $"""
            SELECT (SELECT COUNT(*) FROM queue_entries o
                    WHERE o.department = e.department AND o.state = '{EntryText.Waiting}'
                      AND (o.place_at < e.place_at OR (o.place_at = e.place_at AND o.id < e.id)))
                 + (SELECT COUNT(*) FROM callbacks c
                    WHERE c.department = e.department AND c.status = '{CallbackText.Pending}' AND c.due_at <= @at
                      AND c.requested_at <= e.place_at),
                   e.state
            FROM queue_entries e
            WHERE e.call_sid = @callSid AND e.department = @department AND e.state IN ('{EntryText.Waiting}', '{EntryText.Offered}')
            """, new { callSid, department = department.Id, at = now.ToUnixTimeMilliseconds() }, transaction);
        if (entry is not { } found)
            return null;
        var offered = found.Item2 == EntryText.Offered;
        var ahead = offered ? 0 : (int)found.Item1;
        var (onDuty, estimate) = await ForecastAsync(department, zone, ahead, now, atNextOpening: false, cancellationToken);
        // Already handed to an agent (the distributor was quicker than this announcement): connected right away.
        var forecast = offered ? WaitForecast.Now : estimate;

        await connection.ExecuteAsync(
            """
            INSERT INTO announcements (call_sid, department, at, position, agents_on_duty, estimate_seconds, promise_seconds)
            VALUES (@callSid, @department, @at, @position, @onDuty, @estimate, @promise)
            """,
            new
            {
                callSid, department = department.Id, at = now.ToUnixTimeMilliseconds(), position = ahead + 1, onDuty,
                estimate = forecast?.MeanSeconds,
                // "Right away" is held to the service-level target (answered within 20 s), not to zero seconds:
                // the agent's phone rings for a few seconds however free they are.
                promise = forecast is { Immediate: true } ? StatsStore.ServiceLevelSeconds : forecast?.PromiseSeconds,
            }, transaction);
        return new WaitAnnouncement(ahead, onDuty, forecast);
    }

    /// <summary>
    /// The forecast for whoever has <paramref name="ahead"/> callers and callbacks before them: with the agents on
    /// duty now, or for a callback at the department's next opening, with all of its agents. Returns the agents
    /// counted too.
    /// </summary>
    public async Task<(int AgentsOnDuty, WaitForecast? Forecast)> ForecastAsync(
        Department department, TimeZoneInfo zone, int ahead, DateTimeOffset now, bool atNextOpening, CancellationToken cancellationToken = default)
    {
        var staff = (await agents.ListAsync(cancellationToken)).Where(a => a.Department == department.Id).ToList();
        var onDuty = atNextOpening ? staff.Count : staff.Count(a => a.IsOnDuty(department, zone, now));
        var free = atNextOpening ? onDuty : Math.Min(staff.Count(a => a.IsFree(department, zone, now)), onDuty);
        return (onDuty, WaitEstimator.Forecast(new QueueSnapshot(ahead, onDuty, free), rates.For(department.Id)));
    }

    /// <summary>
    /// Whether the caller is offered a callback: the promised wait exceeds the department's
    /// <c>offer_callback_after</c>, or nobody is on duty to promise anything.
    /// </summary>
    public static bool OffersCallback(WaitAnnouncement announcement, Department department) =>
        department.OfferCallbackAfterSeconds is { } after
        && (announcement.Forecast is null || (!announcement.Forecast.Immediate && announcement.Forecast.PromiseSeconds > after));

    /// <summary>
    /// The sentences of an announcement: "right away", "less than a minute" or "less than X minutes" (the 90% promise
    /// in whole minutes), then how many callers are ahead. Nothing about time when nobody is on duty to promise it.
    /// </summary>
    public static IEnumerable<string> Sentences(WaitAnnouncement announcement, MenuDefinition definition, string language)
    {
        var messages = definition.Messages;
        if (announcement.Forecast is { } forecast)
        {
            if (forecast.Immediate)
            {
                yield return messages.Get(SystemMessages.WaitImmediate, language);
                yield break;
            }
            yield return forecast.PromiseMinutes <= 1
                ? messages.Get(SystemMessages.WaitUnderMinute, language)
                : messages.Get(SystemMessages.WaitMinutes, language)
                    .Replace("{minutes}", SpokenDuration.Minutes(forecast.PromiseMinutes, language));
        }
        if (announcement.CallersAhead > 0)
            yield return messages.Get(SystemMessages.QueuePosition, language)
                .Replace("{ahead}", announcement.CallersAhead.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
