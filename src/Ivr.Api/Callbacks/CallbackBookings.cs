using Dapper;
using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Flows.Model;
using EntryText = Ivr.Api.Queues.QueueEntryLifecycle.Stored;

namespace Ivr.Api.Callbacks;

/// <summary>
/// A booking as the customer sees it: the reference, where it stands, and when to expect the call. <see cref="Token"/>
/// opens its web page; it is known only to whoever booked it (null when <see cref="AlreadyBooked"/>: someone asked
/// for a number that has an open booking, and learns nothing of it but that it exists).
/// </summary>
public sealed record CallbackBooking(
    string Reference, string? Token, string Department, string Number, string Language, CallbackStatus Status,
    DateTimeOffset RequestedAt, DateTimeOffset DueAt, DateTimeOffset? ExpectedAt, int Attempts, string? LastResult,
    DateTimeOffset? ConnectedAt, bool AnyDepartment = false)
{
    public bool AlreadyBooked => Token is null;

    public static CallbackBooking From(Callback callback, string? token) => new(
        callback.Reference, token, callback.Department, callback.Number, callback.Language, callback.Status,
        DateTimeOffset.FromUnixTimeMilliseconds(callback.RequestedAt), DateTimeOffset.FromUnixTimeMilliseconds(callback.DueAt),
        callback.ExpectedAt is { } expected ? DateTimeOffset.FromUnixTimeMilliseconds(expected) : null,
        callback.Attempts, callback.LastResult,
        callback.ConnectedAt is { } connected ? DateTimeOffset.FromUnixTimeMilliseconds(connected) : null,
        callback.AnyDepartment != 0);
}

/// <summary>
/// Books callbacks for callers on the line and for the web form: the place in line (the call's arrival, or now),
/// the earliest moment to call (now, or the department's next opening), and the expected time of the call from
/// the same forecast callers hear. Wakes the dispatcher.
/// </summary>
public sealed class CallbackBookings(
    CallbackStore store,
    MenuCatalog menus,
    Database database,
    WaitAnnouncer announcer,
    CallbackDispatcher dispatcher,
    TimeProvider time)
{
    /// <summary>
    /// Books a callback to <paramref name="number"/> (E.164, already checked) for <paramref name="department"/>;
    /// when the number already has an open booking for the department, nothing is booked and the answer is
    /// <see cref="CallbackBooking.AlreadyBooked"/>: its reference and token must not be shown to whoever asked.
    /// </summary>
    /// <exception cref="CallbackReferencesExhaustedException">Every reference is held by an open booking.</exception>
    public async Task<CallbackBooking> BookAsync(
        string number, Department department, string language, string source, string? callSid, DateTimeOffset? since,
        CancellationToken cancellationToken = default, bool anyDepartment = false)
    {
        var definition = menus.Current;
        var zone = definition.Hotline.TimeZone;
        var now = time.GetUtcNow();
        var place = since ?? now;
        var due = department.Hours.IsOpen(now, zone) ? now : NextOpening(department, zone, now) ?? now;
        var expected = await ExpectedAtAsync(department, zone, place, due, now, cancellationToken);

        var (callback, token) = await store.BookAsync(
            new NewCallback(number, department.Id, language, source, callSid, place, due, expected, anyDepartment), now, cancellationToken);
        dispatcher.Wake();
        return CallbackBooking.From(callback, token);
    }

    /// <summary>The callback this token opens, or null (an unknown token and a wrong one alike).</summary>
    public async Task<CallbackBooking?> FindAsync(string token, CancellationToken cancellationToken = default) =>
        CallbackToken.IsWellFormed(token) && await store.FindByTokenAsync(token, cancellationToken) is { } callback
            ? CallbackBooking.From(callback, token) : null;

    /// <summary>Cancels a pending callback by its token; returns it as it stands now (null: unknown token).</summary>
    public async Task<CallbackBooking?> CancelAsync(string token, string why, CancellationToken cancellationToken = default) =>
        CallbackToken.IsWellFormed(token) && await store.CancelByTokenAsync(token, why, time.GetUtcNow(), cancellationToken) is { } callback
            ? CallbackBooking.From(callback, token) : null;

    private static DateTimeOffset? NextOpening(Department department, TimeZoneInfo zone, DateTimeOffset now) =>
        department.Hours.NextOpening(now, zone) is { } local
            ? new DateTimeOffset(local, zone.GetUtcOffset(local))
            : null;

    // The forecast for the booking's place in line: callers and callbacks ahead of it, as a caller on the line hears it.
    private async Task<DateTimeOffset> ExpectedAtAsync(
        Department department, TimeZoneInfo zone, DateTimeOffset place, DateTimeOffset due, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        long ahead;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var since = place.ToUnixTimeMilliseconds();
            var callers = await connection.ExecuteScalarAsync<long>(
                $"""
                SELECT COUNT(*) FROM queue_entries
                WHERE department = @department AND state = '{EntryText.Waiting}' AND place_at < @since
                """, new { department = department.Id, since });
            var callbacks = await CallbackStore.DueAheadAsync(connection, department.Id, since, due.ToUnixTimeMilliseconds());
            ahead = callers + callbacks;
        }
        var (_, forecast) = await announcer.ForecastAsync(department, zone, (int)Math.Min(ahead, int.MaxValue), now,
            atNextOpening: due > now, cancellationToken);
        // Nobody on duty to promise anything: an hour, said honestly as a later time rather than "soon".
        var wait = forecast is null ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(Math.Max(forecast.PromiseSeconds, 0));
        // A callback is a phone call away even when an agent is free now: a minute to ring and answer.
        return due + wait + TimeSpan.FromMinutes(1);
    }
}
