using System.Globalization;
using Twilio.Rest.Api.V2010.Account;

namespace Ivr.Api.Twilio;

/// <summary>
/// What the service reads of Twilio's call resource (the SDK's <see cref="CallResource"/>), with the status as Twilio
/// writes it and the numbers as numbers, so the stores and the test doubles need no SDK types.
/// </summary>
public sealed record TwilioCall
{
    /// <summary>CA followed by 32 hex digits.</summary>
    public required string Sid { get; init; }

    /// <summary><c>queued</c>, <c>ringing</c>, <c>in-progress</c>, <c>completed</c>, <c>busy</c>, <c>failed</c>, <c>no-answer</c> or <c>canceled</c>.</summary>
    public required string Status { get; init; }

    public string? AccountSid { get; init; }
    public string? ParentCallSid { get; init; }
    public string? To { get; init; }
    public string? From { get; init; }

    /// <summary><c>inbound</c>, <c>outbound-api</c> or <c>outbound-dial</c>.</summary>
    public string? Direction { get; init; }

    public string? AnsweredBy { get; init; }
    public DateTimeOffset? DateCreated { get; init; }
    public DateTimeOffset? DateUpdated { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>Seconds from answer to hang-up, once the call has ended.</summary>
    public int? Duration { get; init; }

    /// <summary>Milliseconds Twilio expects the call to wait for the account's calls-per-second limit.</summary>
    public int? QueueTime { get; init; }

    public static TwilioCall Of(CallResource call) => new()
    {
        Sid = call.Sid,
        Status = call.Status?.ToString() ?? "",
        AccountSid = call.AccountSid,
        ParentCallSid = call.ParentCallSid,
        To = call.To,
        From = call.From,
        Direction = call.Direction,
        AnsweredBy = call.AnsweredBy,
        DateCreated = Utc(call.DateCreated),
        DateUpdated = Utc(call.DateUpdated),
        StartTime = Utc(call.StartTime),
        EndTime = Utc(call.EndTime),
        // Twilio sends duration and queue_time as strings.
        Duration = Number(call.Duration),
        QueueTime = Number(call.QueueTime),
    };

    private static DateTimeOffset? Utc(DateTime? date) =>
        date is { } d ? new DateTimeOffset(d.ToUniversalTime(), TimeSpan.Zero) : null;

    private static int? Number(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
