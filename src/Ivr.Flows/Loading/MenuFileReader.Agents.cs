using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

// A department's agents: each one's name and its single address (phone, SIP or Twilio client), names unique per department.
internal sealed partial class MenuFileReader
{
    private void ReadAgents(YamlNode node, string path, List<Agent> agents)
    {
        if (node is not YamlSequence list)
        {
            problems.Error(node, path, $"expected a list of agents like [{{ name: Anna, phone: \"+48221234501\" }}], found {node.Describe()}");
            return;
        }
        if (list.Items.Count == 0)
            problems.Error(list, path, "no agents; add at least one ({ name: Anna, phone: \"+48221234501\" })");

        var names = new Dictionary<string, YamlNode>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var agentPath = NodePath.Index(path, i);
            if (ReadAgent(list.Items[i], agentPath) is not { } agent)
                continue;
            if (names.TryGetValue(agent.Value.Name, out var first))
                problems.Error(agent.Node, NodePath.Key(agentPath, "name"), $"agent name '{agent.Value.Name}' is used twice in this department (first at line {first.Line}); names must be unique");
            else
                names[agent.Value.Name] = agent.Node;
            agents.Add(agent.Value);
        }
    }

    // Returns the agent with the node of its name, for the duplicate-name check.
    private Located<Agent>? ReadAgent(YamlNode node, string path)
    {
        if (AsMap(node, path, "an agent ({ name: Anna, phone: \"+48221234501\" })") is not { } map)
            return null;

        Located<string>? name = null;
        (AgentKind Kind, Located<string> Address)? address = null;
        var valid = true;
        foreach (var (key, keyNode, value, valuePath) in Known(map, path, AgentKeys))
        {
            if (key == "name")
            {
                name = String(value, valuePath, "the agent's name");
                continue;
            }
            if (address is { } earlier)
            {
                problems.Error(keyNode, valuePath, $"an agent has exactly one of phone, sip, client; this one already has '{Describe(earlier.Kind)}'");
                valid = false;
                continue;
            }
            var kind = key switch { "phone" => AgentKind.Phone, "sip" => AgentKind.Sip, _ => AgentKind.Client };
            if (String(value, valuePath, $"the agent's {key}") is not { } text)
            {
                valid = false;
                continue;
            }
            address = (kind, text);
            var problem = kind switch
            {
                AgentKind.Phone when !E164.IsWellFormed(text.Value) =>
                    $"'{text.Value}' is not an E.164 number ('+', country code and number, 8 to 15 digits, no spaces: +48221234501)",
                AgentKind.Phone when !E164.IsValid(text.Value) =>
                    $"'{text.Value}' is not a number in use (its country's numbering plan has no such line); check the digits",
                AgentKind.Sip when !text.Value.StartsWith("sip:", StringComparison.Ordinal) || text.Value.Length <= 4 =>
                    $"'{text.Value}' is not a SIP address (it starts with sip:, e.g. sip:anna@example.sip.twilio.com)",
                AgentKind.Client when !ClientIdentity().IsMatch(text.Value) =>
                    $"'{text.Value}' is not a Twilio client identity (letters, digits and underscores)",
                _ => null,
            };
            if (problem is not null)
            {
                problems.Error(text.Node, valuePath, problem);
                valid = false;
            }
        }
        RequireKey(map, path, "name", "the agent's name, unique in the department");
        if (address is null && valid)
        {
            problems.Error(map, path, "the agent has no address; give exactly one of phone (+48221234501), sip (sip:anna@example.sip.twilio.com) or client (anna)");
            valid = false;
        }
        return valid && name is not null && address is { } found
            ? new Located<Agent>(new Agent(name.Value, found.Kind, found.Address.Value), name.Node, path)
            : null;
    }

    private static string Describe(AgentKind kind) => kind.ToString().ToLowerInvariant();

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ClientIdentity();
}
