namespace Ivr.Flows.Model;

/// <summary>
/// The file's <c>returning:</c> section: a caller whose last contact with a department was at most
/// <see cref="WithinDays"/> days ago is offered, right after the greeting, to go straight back there.
/// </summary>
/// <param name="WithinDays">How far back a contact counts as the same matter, in days (1 to 90).</param>
/// <param name="SameAgentWaitSeconds">
/// How long a returning caller is kept for the agent who talked to them last, if that agent is on duty, before any
/// free agent of the department may take them (0 to 300 seconds; default 30).
/// </param>
public sealed record ReturningCallers(int WithinDays, int SameAgentWaitSeconds)
{
    /// <summary>The default of <c>same_agent_wait</c>: half a minute, short enough that nobody notices the wait.</summary>
    public const int DefaultSameAgentWaitSeconds = 30;
}

/// <summary>A question of the post-call survey.</summary>
public enum SurveyQuestion
{
    /// <summary>Satisfaction, 1 to 5 (CSAT: the share of 4 and 5).</summary>
    Csat,
    /// <summary>Would you recommend us, 0 to 10 (NPS: promoters 9-10 minus detractors 0-6).</summary>
    Nps,
    /// <summary>Was the matter resolved, yes or no (first-contact resolution as the caller sees it).</summary>
    Resolved,
}

/// <summary>A department's <c>survey:</c>: the questions asked, in order, after the agent hangs up.</summary>
/// <param name="Questions">One to three distinct questions.</param>
public sealed record Survey(IReadOnlyList<SurveyQuestion> Questions)
{
    /// <summary>The names used in the menu file and stored with the answers.</summary>
    public static string Name(SurveyQuestion question) => question switch
    {
        SurveyQuestion.Csat => "csat",
        SurveyQuestion.Nps => "nps",
        _ => "resolved",
    };

    /// <summary>The question named <paramref name="name"/> in the menu file; null when there is none.</summary>
    public static SurveyQuestion? Parse(string name) => name switch
    {
        "csat" => SurveyQuestion.Csat,
        "nps" => SurveyQuestion.Nps,
        "resolved" => SurveyQuestion.Resolved,
        _ => null,
    };
}
