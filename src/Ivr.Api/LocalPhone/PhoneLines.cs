namespace Ivr.Api.LocalPhone;

/// <summary>
/// The browser phones that are open: found by their id (the page), their number (a callback rings it) or their call
/// (the switchboard's events). A page keeps its line by asking for events; one that has not asked for a while was
/// closed, and its line goes.
/// </summary>
public sealed class PhoneLines
{
    private readonly TimeProvider time;

    // Whether a browser is still there is a matter of real seconds, whatever clock the calls run on.
    private readonly TimeProvider wall;

    public PhoneLines(TimeProvider time) : this(time, TimeProvider.System)
    {
    }

    /// <summary>With a wall clock of the tests' own.</summary>
    internal PhoneLines(TimeProvider time, TimeProvider wall)
    {
        this.time = time;
        this.wall = wall;
    }

    /// <summary>More open pages than this on one machine means something loops; a new one is refused.</summary>
    public const int MaxLines = 50;

    /// <summary>A page asks again at most this long after its previous answer, unless it is gone.</summary>
    public static readonly TimeSpan Forgotten = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> lines = [];

    private sealed class Entry(PhoneLine line, DateTimeOffset opened)
    {
        public PhoneLine Line => line;
        public DateTimeOffset LastSeen { get; set; } = opened;
        public int Polling { get; set; }
    }

    /// <summary>A new line for <paramref name="number"/>; null when <see cref="MaxLines"/> are open.</summary>
    public PhoneLine? Open(string number)
    {
        lock (gate)
        {
            if (lines.Count >= MaxLines)
                return null;
            var line = new PhoneLine(Guid.NewGuid().ToString("N"), number, time);
            lines[line.Id] = new Entry(line, wall.GetUtcNow());
            return line;
        }
    }

    /// <summary>How many lines are open.</summary>
    public int Count
    {
        get
        {
            lock (gate)
                return lines.Count;
        }
    }

    public PhoneLine? Find(string id)
    {
        lock (gate)
            return lines.GetValueOrDefault(id)?.Line;
    }

    /// <summary>The line a call to <paramref name="number"/> rings: the page that asked for events last.</summary>
    public PhoneLine? Reaching(string number)
    {
        lock (gate)
            return lines.Values.Where(e => e.Line.Number == number).MaxBy(e => e.LastSeen)?.Line;
    }

    public PhoneLine? WithCall(string callSid)
    {
        lock (gate)
            return lines.Values.FirstOrDefault(e => e.Line.CallSid == callSid)?.Line;
    }

    /// <summary>The line's events, as <see cref="PhoneLine.EventsAsync"/>; asking keeps the line open.</summary>
    public async Task<PhoneEvents> EventsAsync(PhoneLine line, long after, TimeSpan wait, CancellationToken ct)
    {
        Seen(line, +1);
        try
        {
            return await line.EventsAsync(after, wait, ct);
        }
        finally
        {
            Seen(line, -1);
        }
    }

    /// <summary>Removes the lines of pages gone for <see cref="Forgotten"/> and returns them, for their calls to end.</summary>
    public IReadOnlyList<PhoneLine> CloseForgotten()
    {
        var now = wall.GetUtcNow();
        lock (gate)
        {
            var gone = lines.Values.Where(e => e.Polling == 0 && now - e.LastSeen > Forgotten).Select(e => e.Line).ToList();
            foreach (var line in gone)
                lines.Remove(line.Id);
            return gone;
        }
    }

    private void Seen(PhoneLine line, int polling)
    {
        lock (gate)
        {
            if (lines.GetValueOrDefault(line.Id) is { } entry)
            {
                entry.LastSeen = wall.GetUtcNow();
                entry.Polling += polling;
            }
        }
    }
}
