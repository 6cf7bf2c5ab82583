using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

// The customer-care sections: returning callers (top level) and a department's post-call survey.
internal sealed partial class MenuFileReader
{
    internal static readonly string[] ReturningKeys = ["within_days", "same_agent_wait"];

    private ReturningCallers? ReadReturning(YamlNode node, string path)
    {
        if (AsMap(node, path, "a map with within_days (returning: { within_days: 7 })") is not { } map)
            return null;
        int? withinDays = null;
        var wait = ReturningCallers.DefaultSameAgentWaitSeconds;
        foreach (var (key, _, value, valuePath) in Known(map, path, ReturningKeys))
        {
            switch (key)
            {
                case "within_days": withinDays = Number(value, valuePath, 1, 90); break;
                case "same_agent_wait": wait = Number(value, valuePath, 0, 300) ?? wait; break;
            }
        }
        RequireKey(map, path, "within_days", "how many days back a contact counts as the same matter (within_days: 7)");
        return withinDays is { } days ? new ReturningCallers(days, wait) : null;
    }

    private Survey? ReadSurvey(YamlNode node, string path)
    {
        const string What = "a list of one to three questions out of csat, nps, resolved (survey: [csat, nps, resolved])";
        if (node is not YamlSequence list)
        {
            problems.Error(node, path, $"expected {What}, found {node.Describe()}");
            return null;
        }
        if (list.Items.Count is 0 or > 3)
            problems.Error(list, path, $"{list.Items.Count} questions; ask {What}");
        var questions = new List<SurveyQuestion>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = NodePath.Index(path, i);
            if (String(list.Items[i], itemPath, "a question: csat, nps or resolved") is not { } name)
                continue;
            if (Survey.Parse(name.Value) is not { } question)
            {
                var hint = Suggest.Closest(name.Value, ["csat", "nps", "resolved"]) is { } closest ? $"did you mean '{closest}'? " : "";
                problems.Error(name.Node, itemPath, $"unknown question '{name.Value}' ({hint}known: csat, nps, resolved)");
            }
            else if (questions.Contains(question))
                problems.Error(name.Node, itemPath, $"question '{name.Value}' is asked twice");
            else
                questions.Add(question);
        }
        return questions.Count > 0 ? new Survey(questions.AsReadOnly()) : null;
    }
}
