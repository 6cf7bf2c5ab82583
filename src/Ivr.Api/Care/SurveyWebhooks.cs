using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Care;

/// <summary>
/// The post-call survey: after the agent hangs up (the dial's action) the caller's leg goes on and a department with
/// <c>survey:</c> asks its questions, by keys or speech. An answer that does not fit (11, "#", silence) is asked
/// again once, then the survey moves on; hanging up skips the rest. Each answer is kept with the contact.
/// </summary>
public sealed class SurveyWebhooks(
    SurveyStore answers,
    QueueStore queues,
    CallStore calls,
    CallMenus callMenus,
    TimeProvider time,
    ILogger<SurveyWebhooks> logger)
{
    /// <summary>The survey's first words and first question, answered to the dial's action.</summary>
    public VoiceResponse Begin(VoiceRequest call, MenuDefinition definition, Department department, long entry, string language)
    {
        var twiml = new VoiceResponse().Speak(definition.Messages.Get(SystemMessages.SurveyIntro, language), language, definition.VoiceFor(language));
        return Ask(twiml, call, definition, department, entry, 0, 0, language, reprompt: null);
    }

    /// <summary>The answer to question <paramref name="question"/> (or none: the gather's redirect).</summary>
    public async Task<VoiceResponse> AnswerAsync(string department, long entry, int question, int attempt, VoiceRequest call, CancellationToken ct)
    {
        var (_, definition, language) = await callMenus.ForCallAsync(call.CallSid, ct);
        var voiceName = definition.VoiceFor(language);
        var twiml = new VoiceResponse();
        var found = await queues.FindEntryAsync(entry, ct);
        if (found is null || found.CallSid != call.CallSid || !definition.Departments.TryGetValue(department, out var known)
            || known.Survey is not { } survey || question < 0 || question >= survey.Questions.Count)
        {
            logger.LogWarning("Survey answer for entry {Entry} of call {CallSid} does not belong to a survey; the call ends", entry, call.CallSid);
            return twiml.Speak(definition.Messages.Get(SystemMessages.Goodbye, language), language, voiceName).Hangup();
        }

        var asked = survey.Questions[question];
        if (SurveyAnswers.Parse(asked, call.Digits, call.SpeechResult) is { } value)
        {
            await answers.SaveAsync(call.CallSid, entry, await calls.FindCallerAsync(call.CallSid, ct), department, found.AgentId,
                Survey.Name(asked), value, time.GetUtcNow(), ct);
        }
        else if (attempt == 0)
        {
            return Ask(twiml, call, definition, known, entry, question, 1, language, reprompt: SystemMessages.SurveyNotUnderstood);
        }
        else
        {
            twiml.Speak(definition.Messages.Get(SystemMessages.SurveySkipQuestion, language), language, voiceName);
        }

        if (question + 1 < survey.Questions.Count)
            return Ask(twiml, call, definition, known, entry, question + 1, 0, language, reprompt: null);
        return twiml.Speak(definition.Messages.Get(SystemMessages.SurveyThanks, language), language, voiceName).Hangup();
    }

    private static VoiceResponse Ask(VoiceResponse twiml, VoiceRequest call, MenuDefinition definition, Department department, long entry,
        int question, int attempt, string language, string? reprompt)
    {
        var asked = department.Survey!.Questions[question];
        var text = definition.Messages.Get(asked switch
        {
            SurveyQuestion.Csat => SystemMessages.SurveyCsat,
            SurveyQuestion.Nps => SystemMessages.SurveyNps,
            _ => SystemMessages.SurveyResolved,
        }, language);
        var action = call.Url($"/voice/survey/{department.Id}?entry={entry}&q={question}&try={attempt}");
        var voiceName = definition.VoiceFor(language);
        var polish = language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
        var gather = Twiml.Gather(action, speech: true, numDigits: SurveyAnswers.Digits(asked), language: language,
            hints: asked == SurveyQuestion.Resolved ? (polish ? ["tak", "nie"] : ["yes", "no"]) : [], speechTimeout: "auto");
        if (reprompt is not null)
            gather.Speak(definition.Messages.Get(reprompt, language), language, voiceName);
        twiml.Append(gather.Speak(text, language, voiceName));
        // Silence comes back as an answer that does not fit: asked again once, then skipped.
        return twiml.Redirect(action, HttpMethod.Post);
    }
}

/// <summary>The survey's webhook on the /voice group.</summary>
public static class SurveyWebhookRoutes
{
    public static RouteGroupBuilder MapSurveyWebhooks(this RouteGroupBuilder voice)
    {
        // The post-call survey: each question's answer, or its silence.
        voice.MapWebhook<SurveyWebhooks>("/survey/{department}", (surveys, call, ct) => surveys.AnswerAsync(call.Route("department"),
            call.QueryNumber("entry") ?? 0, (int)(call.QueryNumber("q") ?? -1), (int)(call.QueryNumber("try") ?? 0), call, ct));
        return voice;
    }
}
