using Ivr.Simulator;

/// <summary>
/// The busy hour as the switchboard saw it: the ground truth that the service's figures are set against, and what
/// callers got.
/// </summary>
internal sealed class HourTruth
{
    /// <summary>The queue's figures, named as in <c>/api/stats</c>.</summary>
    public required IReadOnlyDictionary<string, double?> Queue { get; init; }

    /// <summary>The callbacks' figures, named as in <c>/api/stats</c>'s <c>callbacks</c>.</summary>
    public required IReadOnlyDictionary<string, double?> Callbacks { get; init; }

    public required int Answered { get; init; }
    public required int Abandoned { get; init; }
    public required int LeftForCallback { get; init; }
    public required int TriesAnswered { get; init; }
    public required int CalledBack { get; init; }

    /// <summary>Seconds in the queue of those who stayed on the line, answered or abandoned.</summary>
    public required IReadOnlyList<double> TimeInQueue { get; init; }

    /// <summary>
    /// Joined the queue when the request that routed the call was answered; answered when the agent picked up;
    /// abandoned when the caller hung up in the queue. A booking is the number confirmed with 1 in the booking dialog
    /// and counts from the end of that call. Every caller has a number of their own, so a callback (the To of its
    /// call) pairs with the call that booked it; connected means the agent picked up on the callback's call.
    /// <paramref name="settled"/>: every callback was put through or gave up, so one never put through has failed.
    /// </summary>
    public static HourTruth Of(IReadOnlyList<CallRecord> calls, IReadOnlyList<OutboundCreate> creates, bool settled)
    {
        var queued = calls.Where(c => c.Direction == "inbound" && c.Requests.Any(r => r.Url.Contains("/voice/queue/"))).ToList();
        var answered = queued.Where(c => c.AnsweredAt is not null).ToList();
        var waits = answered.Select(c => (c.AnsweredAt!.Value - JoinedAt(c)).TotalSeconds).ToList();
        var abandoned = queued.Where(c => c.Abandoned).ToList();
        var queue = new Dictionary<string, double?>
        {
            ["offered"] = queued.Count,
            ["answered"] = answered.Count,
            ["abandoned"] = abandoned.Count,
            ["averageSpeedOfAnswerSeconds"] = waits.Count > 0 ? waits.Average() : null,
            // Of those who stayed on the line: callers who left the queue for a callback are neither answered nor abandoned.
            ["serviceLevel"] = answered.Count + abandoned.Count > 0 ? (double)waits.Count(w => w <= 20) / (answered.Count + abandoned.Count) : null,
            ["averageHandleSeconds"] = answered.Count > 0 ? answered.Average(c => c.HandleTime.TotalSeconds) : null,
        };

        var bookedEnds = calls.Where(c => c.Direction == "inbound" && c.Requests.Any(r =>
                r.Url.Contains("/voice/callbacks/confirm") && r.Form.GetValueOrDefault("Digits") == "1"))
            .ToDictionary(c => c.Requests.First().Form["From"], c => c.StartedAt + c.VirtualDuration);
        var placed = calls.Where(c => c.Direction == "outbound-api").ToList();
        var connected = placed.Where(c => c.AnsweredAt is not null).ToList();
        // The number an outbound call went to, as created (its webhooks may have been lost).
        var createdTo = creates.ToDictionary(c => c.CallSid, c => c.To);
        var toConnect = connected.Where(c => bookedEnds.ContainsKey(createdTo[c.CallSid]))
            .Select(c => (c.StartedAt + c.AnsweredAt!.Value - bookedEnds[createdTo[c.CallSid]]).TotalMinutes).ToList();
        var connectedNumbers = connected.Select(c => createdTo[c.CallSid]).ToHashSet();
        var callbacks = new Dictionary<string, double?>
        {
            ["booked"] = bookedEnds.Count,
            ["placed"] = placed.Count,
            ["connected"] = connectedNumbers.Count,
            ["failed"] = settled ? bookedEnds.Keys.Count(number => !connectedNumbers.Contains(number)) : null,
            ["averageMinutesToConnect"] = toConnect.Count > 0 ? toConnect.Average() : null,
            ["longestMinutesToConnect"] = toConnect.Count > 0 ? toConnect.Max() : null,
        };

        return new HourTruth
        {
            Queue = queue,
            Callbacks = callbacks,
            Answered = answered.Count,
            Abandoned = abandoned.Count,
            LeftForCallback = queued.Count(c => c.Requests.Any(r =>
                r.Url.Contains("/voice/queue/orders/callback") && r.Form.GetValueOrDefault("Digits") == "1")),
            TriesAnswered = placed.Count(c => c.Status == "completed"),
            CalledBack = connectedNumbers.Count,
            TimeInQueue = answered.Select(c => c.AnsweredAt!.Value - JoinedAt(c))
                .Concat(abandoned.Select(c => c.Events.OfType<LeftQueue>().Last().At - JoinedAt(c)))
                .Select(t => t.TotalSeconds).ToList(),
        };
    }

    private static TimeSpan JoinedAt(CallRecord call) =>
        call.Requests.Last(r => r.Url.Contains("/voice/gather")).At;
}
