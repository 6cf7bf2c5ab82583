using System.Globalization;

namespace Ivr.Simulator;

/// <summary>The queues callers wait in: who is in line, and the parameters Twilio sends to a waitUrl.</summary>
public sealed partial class Switchboard
{
    private readonly Dictionary<string, QueueState> queues = [];

    /// <summary>The calls waiting in a queue, first in line first.</summary>
    public IReadOnlyList<string> Waiting(string queue)
    {
        lock (gate)
            return queues.TryGetValue(queue, out var state) ? state.Members.Select(m => m.CallSid).ToList() : [];
    }

    internal QueueMember Join(string queue, string callSid)
    {
        lock (gate)
        {
            if (!queues.TryGetValue(queue, out var state))
                queues[queue] = state = new QueueState(queue);
            var member = new QueueMember(state, callSid, clock.GetUtcNow());
            state.Members.Add(member);
            return member;
        }
    }

    /// <summary>Leaves the queue (once; later calls change nothing) and returns the time spent in it.</summary>
    internal TimeSpan Leave(QueueMember member)
    {
        lock (gate)
        {
            var waited = clock.GetUtcNow() - member.Since;
            if (member.Queue.Members.Remove(member))
            {
                member.Queue.Left++;
                member.Queue.TotalWaited += waited;
            }
            return waited;
        }
    }

    internal IReadOnlyList<KeyValuePair<string, string>> QueueParameters(QueueMember member)
    {
        lock (gate)
        {
            var state = member.Queue;
            var average = state.Left == 0 ? TimeSpan.Zero : state.TotalWaited / state.Left;
            return
            [
                new("QueuePosition", Number(state.Members.IndexOf(member) + 1)), new("QueueSid", CallSession.QueueSid(state.Name)),
                new("QueueTime", Number((long)(clock.GetUtcNow() - member.Since).TotalSeconds)),
                new("AvgQueueTime", Number((long)average.TotalSeconds)), new("CurrentQueueSize", Number(state.Members.Count)),
                new("MaxQueueSize", "1000"),
            ];
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal sealed class QueueState(string name)
    {
        public string Name => name;
        public List<QueueMember> Members { get; } = [];
        public int Left { get; set; }
        public TimeSpan TotalWaited { get; set; }
    }

    /// <summary>A class, not a record: one stay in a queue is only ever equal to itself.</summary>
    internal sealed class QueueMember(QueueState queue, string callSid, DateTimeOffset since)
    {
        public QueueState Queue => queue;
        public string CallSid => callSid;
        public DateTimeOffset Since => since;
    }
}
