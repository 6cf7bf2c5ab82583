using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ivr.Api.Twilio;

/// <summary>The fields of Twilio's call resource (<c>api.v2010.account.call</c>) this service reads.</summary>
public sealed record CallResource
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

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Twilio sends duration and queue_time as strings.
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = { new Rfc2822DateConverter() },
    };

    /// <summary>Twilio writes dates as RFC 2822 (<c>Tue, 31 Aug 2010 20:36:28 +0000</c>), which System.Text.Json does not read.</summary>
    private sealed class Rfc2822DateConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return DateTimeOffset.TryParseExact(text, "ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var rfc2822)
                || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out rfc2822)
                ? rfc2822
                : throw new JsonException($"'{text}' is not an RFC 2822 date.");
        }

        // "r" is RFC 1123, which RFC 2822 readers accept (zone GMT).
        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture));
    }
}
