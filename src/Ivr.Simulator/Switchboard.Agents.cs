namespace Ivr.Simulator;

/// <summary>The simulated agents behind &lt;Dial&gt;: who answers an address, and who is already on a call.</summary>
public sealed partial class Switchboard
{
    private readonly HashSet<string> talking = [];

    internal SimulatedAgent? FindAgent(string address) =>
        options.Agents.GetValueOrDefault(address) ??
        (address.StartsWith("client:", StringComparison.Ordinal) ? options.Agents.GetValueOrDefault(address["client:".Length..]) : null) ??
        options.AnyOtherAgent;

    internal bool IsTalking(string address)
    {
        lock (gate)
            return talking.Contains(address);
    }

    internal bool TryStartTalking(string address)
    {
        lock (gate)
            return talking.Add(address);
    }

    internal void StopTalking(string address)
    {
        lock (gate)
            talking.Remove(address);
    }
}
