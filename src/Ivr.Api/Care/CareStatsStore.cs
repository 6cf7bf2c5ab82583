using Dapper;
using Ivr.Api.Persistence;

namespace Ivr.Api.Care;

/// <summary>
/// What callers thought and whether their matter was settled, for a department or an agent over the window.
/// Shares are 0 to 1 (null without data); NPS is -100 to 100.
/// </summary>
/// <param name="Key">The department's id or the agent's id.</param>
/// <param name="Name">The agent's name (the department's id for a department).</param>
/// <param name="Calls">Calls that reached the line (for an agent: the conversations they had).</param>
/// <param name="Conversations">Calls an agent answered.</param>
/// <param name="FirstContactResolution">Share of conversations not followed by another call from the number to the department within the repeat window.</param>
/// <param name="RepeatCallRate">Share of calls that came within the repeat window after an earlier call from the number to the department.</param>
/// <param name="CsatAnswers">Satisfaction answers.</param>
/// <param name="Csat">Share of satisfaction answers of 4 or 5.</param>
/// <param name="NpsAnswers">Recommendation answers.</param>
/// <param name="Nps">Promoters (9-10) minus detractors (0-6), in percent of the answers.</param>
/// <param name="ResolvedAnswers">Answers to "was your matter resolved".</param>
/// <param name="ResolvedYes">Share of those that said yes.</param>
public sealed record CareFigures(
    string Key, string Name, int Calls, int Conversations, double? FirstContactResolution, double? RepeatCallRate,
    int CsatAnswers, double? Csat, int NpsAnswers, double? Nps, int ResolvedAnswers, double? ResolvedYes);

/// <summary>The customer-care figures of /api/stats: per department, per agent, and the hotline's self-service share.</summary>
/// <param name="Since">The window's start.</param>
/// <param name="WindowDays">The window's length in days.</param>
/// <param name="RepeatDays">Two calls from one number to one department this many days apart or less are one matter.</param>
/// <param name="Calls">Calls to the hotline in the window.</param>
/// <param name="SelfService">Calls that ended after a look-up the shop answered, without reaching an agent's line or booking a callback.</param>
/// <param name="SelfServiceShare">Their share of the calls.</param>
public sealed record CareStats(
    DateTimeOffset Since, int WindowDays, int RepeatDays, int Calls, int SelfService, double? SelfServiceShare,
    IReadOnlyList<CareFigures> Departments, IReadOnlyList<CareFigures> Agents);

/// <summary>The queries behind the customer-care figures.</summary>
public sealed class CareStatsStore(Database database)
{
    /// <summary>The window the figures cover, in days up to now.</summary>
    public const int WindowDays = 30;

    /// <summary>Another call to the same department within this many days means the first did not settle the matter.</summary>
    public const int RepeatDays = 7;

    /// <summary>
    /// The calls in which the shop answered a look-up (<c>shop_lookups</c>: the order found or not found for the
    /// caller). One the shop could not answer (timeout, error) served nobody, so it does not make a call self-service.
    /// </summary>
    public const string LookupCalls = "SELECT call_sid FROM shop_lookups WHERE outcome IN ('found', 'not_found')";

    private sealed class EntryRow
    {
        public string Department { get; set; } = "";
        public string? AgentId { get; set; }
        public string State { get; set; } = "";
        public long FollowedUp { get; set; }
        public long Repeat { get; set; }
    }

    private sealed class AnswerRow
    {
        public string Department { get; set; } = "";
        public string? AgentId { get; set; }
        public string Question { get; set; } = "";
        public long Answer { get; set; }
    }

    private sealed class AgentName
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
    }

    /// <summary>The figures of the <see cref="WindowDays"/> days up to <paramref name="now"/>.</summary>
    public async Task<CareStats> ForWindowAsync(IEnumerable<string> departments, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var since = now.AddDays(-WindowDays);
        await using var connection = await database.OpenAsync(cancellationToken);
        var repeat = RepeatDays * 86_400_000L;
        // Each call that reached a department's line, with whether the same number called that department again
        // within the repeat window after it (not settled) and before it (a repeat call).
        var entries = (await connection.QueryAsync<EntryRow>(
            """
            SELECT e.department AS Department, e.agent_id AS AgentId, e.state AS State,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM queue_entries f JOIN calls fc ON fc.call_sid = f.call_sid
                       WHERE fc.caller = c.caller AND f.department = e.department AND f.call_sid <> e.call_sid
                         AND f.enqueued_at > e.enqueued_at AND f.enqueued_at <= e.enqueued_at + @repeat) THEN 1 ELSE 0 END AS FollowedUp,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM queue_entries p JOIN calls pc ON pc.call_sid = p.call_sid
                       WHERE pc.caller = c.caller AND p.department = e.department AND p.call_sid <> e.call_sid
                         AND p.enqueued_at < e.enqueued_at AND p.enqueued_at >= e.enqueued_at - @repeat) THEN 1 ELSE 0 END AS Repeat
            FROM queue_entries e JOIN calls c ON c.call_sid = e.call_sid
            WHERE e.enqueued_at >= @since AND c.caller IS NOT NULL
              AND e.call_sid NOT IN (SELECT call_sid FROM callback_attempts WHERE call_sid IS NOT NULL)
            """, new { since = since.ToUnixTimeMilliseconds(), repeat })).ToList();
        var answers = (await connection.QueryAsync<AnswerRow>(
            """
            SELECT department AS Department, agent_id AS AgentId, question AS Question, answer AS Answer
            FROM survey_answers WHERE at >= @since
            """, new { since = since.ToUnixTimeMilliseconds() })).ToList();
        var calls = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM calls WHERE started_at >= @since", new { since = since.ToUnixTimeMilliseconds() });
        var selfService = await connection.ExecuteScalarAsync<long>(
            $"""
            SELECT COUNT(*) FROM calls c
            WHERE c.started_at >= @since AND c.ended_at IS NOT NULL AND c.call_sid IN ({LookupCalls})
              AND NOT EXISTS (SELECT 1 FROM queue_entries e WHERE e.call_sid = c.call_sid)
              AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.call_sid = c.call_sid)
            """, new { since = since.ToUnixTimeMilliseconds() });
        var names = (await connection.QueryAsync<AgentName>("SELECT id AS Id, name AS Name FROM agents"))
            .ToDictionary(a => a.Id, a => a.Name);

        var byDepartment = departments.Select(d => Figures(d, d,
            entries.Where(e => e.Department == d).ToList(),
            answers.Where(a => a.Department == d).ToList())).ToList();
        var agentIds = entries.Where(e => e.AgentId is not null && e.State == Queues.EntryState.Answered).Select(e => e.AgentId!)
            .Concat(answers.Where(a => a.AgentId is not null).Select(a => a.AgentId!))
            .Distinct().Order(StringComparer.Ordinal);
        var byAgent = agentIds.Select(id => Figures(id, names.GetValueOrDefault(id, id),
            entries.Where(e => e.AgentId == id && e.State == Queues.EntryState.Answered).ToList(),
            answers.Where(a => a.AgentId == id).ToList())).ToList();
        return new CareStats(since, WindowDays, RepeatDays, (int)calls, (int)selfService,
            calls > 0 ? (double)selfService / calls : null, byDepartment, byAgent);
    }

    private static CareFigures Figures(string key, string name, IReadOnlyList<EntryRow> entries, IReadOnlyList<AnswerRow> answers)
    {
        var conversations = entries.Where(e => e.State == Queues.EntryState.Answered).ToList();
        var csat = answers.Where(a => a.Question == "csat").ToList();
        var nps = answers.Where(a => a.Question == "nps").ToList();
        var resolved = answers.Where(a => a.Question == "resolved").ToList();
        return new CareFigures(key, name, entries.Count, conversations.Count,
            FirstContactResolution: Share(conversations.Count(e => e.FollowedUp == 0), conversations.Count),
            RepeatCallRate: Share(entries.Count(e => e.Repeat == 1), entries.Count),
            CsatAnswers: csat.Count,
            Csat: Share(csat.Count(a => a.Answer >= 4), csat.Count),
            NpsAnswers: nps.Count,
            Nps: nps.Count > 0 ? 100.0 * (nps.Count(a => a.Answer >= 9) - nps.Count(a => a.Answer <= 6)) / nps.Count : null,
            ResolvedAnswers: resolved.Count,
            ResolvedYes: Share(resolved.Count(a => a.Answer == 1), resolved.Count));
    }

    private static double? Share(int part, int whole) => whole > 0 ? (double)part / whole : null;
}
