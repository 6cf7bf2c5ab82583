using Dapper;
using Ivr.Api.Persistence;

namespace Ivr.Api.Care;

/// <summary>The answers callers give in the post-call survey, one row per question answered.</summary>
public sealed class SurveyStore(Database database)
{
    /// <summary>Keeps an answer; a repeated webhook for a question already answered in this call changes nothing.</summary>
    public Task SaveAsync(string callSid, long entryId, string? number, string department, string? agentId, string question, int answer,
        DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO survey_answers (call_sid, entry_id, number, department, agent_id, question, answer, at)
            SELECT @callSid, @entryId, @number, @department, @agentId, @question, @answer, @at
            WHERE NOT EXISTS (SELECT 1 FROM survey_answers WHERE call_sid = @callSid AND department = @department AND question = @question)
            """, new { callSid, entryId, number, department, agentId, question, answer, at = now.ToUnixTimeMilliseconds() }, transaction),
            cancellationToken);
}
