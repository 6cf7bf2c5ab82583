using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Ivr.Api.Voice;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Care;

/// <summary>
/// The post-call survey: after the agent hangs up (the dial's action) the caller's leg goes on and a department with
/// <c>survey:</c> asks its questions, by keys or speech. An answer that does not fit (11, "#", silence) is asked
/// again once, then the survey moves on; hanging up skips the rest. Each answer is kept with the contact.
/// </summary>
public sealed class SurveyCalls(
    SurveyStore answers,
    QueueStore queues,
    CallStore calls,
    MenuCatalog menus,
    VoiceCalls voice,
    TimeProvider time,
    IOptions<IvrOptions> ivr,
    ILogger<SurveyCalls> logger)
{
    /// <summary>The survey's first words and first question, answered to the dial's action.</summary>
    public TwimlResult Begin(HttpRequest request, MenuDefinition definition, Department department, long entry, string language)
    {
        var twiml = new TwimlWriter();
        twiml.Say(definition.Messages.Get(SystemMessages.SurveyIntro, language), language, definition.VoiceFor(language));
        Ask(twiml, request, definition, department, entry, 0, 0, language, reprompt: null);
        return twiml.ToResult();
    }

    /// <summary>The answer to question <paramref name="question"/> (or none: the gather's redirect).</summary>
    public async Task<IResult> AnswerAsync(string department, long entry, int question, int attempt, HttpRequest request, CancellationToken ct)
    {
        var callSid = "";
        try
        {
            var form = await request.ReadFormAsync(ct);
            callSid = form["CallSid"].ToString();
            var state = await calls.FindAsync(callSid, ct);
            var definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
            var language = state?.Language ?? definition.DefaultLanguage;
            var voiceName = definition.VoiceFor(language);
            var twiml = new TwimlWriter();
            var found = await queues.FindEntryAsync(entry, ct);
            if (found is null || found.CallSid != callSid || !definition.Departments.TryGetValue(department, out var known)
                || known.Survey is not { } survey || question < 0 || question >= survey.Questions.Count)
            {
                logger.LogWarning("Survey answer for entry {Entry} of call {CallSid} does not belong to a survey; the call ends", entry, callSid);
                twiml.Say(definition.Messages.Get(SystemMessages.Goodbye, language), language, voiceName);
                twiml.Hangup();
                return twiml.ToResult();
            }

            var asked = survey.Questions[question];
            var answer = SurveyAnswers.Parse(asked, form["Digits"].ToString(), form["SpeechResult"].ToString());
            if (answer is { } value)
            {
                await answers.SaveAsync(callSid, entry, await calls.FindCallerAsync(callSid, ct), department, found.AgentId,
                    Survey.Name(asked), value, time.GetUtcNow(), ct);
            }
            else if (attempt == 0)
            {
                Ask(twiml, request, definition, known, entry, question, 1, language, reprompt: SystemMessages.SurveyNotUnderstood);
                return twiml.ToResult();
            }
            else
            {
                twiml.Say(definition.Messages.Get(SystemMessages.SurveySkipQuestion, language), language, voiceName);
            }

            if (question + 1 < survey.Questions.Count)
            {
                Ask(twiml, request, definition, known, entry, question + 1, 0, language, reprompt: null);
                return twiml.ToResult();
            }
            twiml.Say(definition.Messages.Get(SystemMessages.SurveyThanks, language), language, voiceName);
            twiml.Hangup();
            return twiml.ToResult();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(exception, "Survey answer of call {CallSid} for entry {Entry} failed", callSid, entry);
            return voice.Apology();
        }
    }

    private void Ask(TwimlWriter twiml, HttpRequest request, MenuDefinition definition, Department department, long entry,
        int question, int attempt, string language, string? reprompt)
    {
        var asked = department.Survey!.Questions[question];
        var text = definition.Messages.Get(asked switch
        {
            SurveyQuestion.Csat => SystemMessages.SurveyCsat,
            SurveyQuestion.Nps => SystemMessages.SurveyNps,
            _ => SystemMessages.SurveyResolved,
        }, language);
        var action = PublicUrl.Action(ivr.Value.PublicBaseUrl, request,
            $"/voice/survey/{department.Id}?entry={entry}&q={question}&try={attempt}");
        var voiceName = definition.VoiceFor(language);
        var polish = language.StartsWith("pl", StringComparison.OrdinalIgnoreCase);
        twiml.Gather(new GatherOptions
        {
            Action = action,
            Input = "dtmf speech",
            NumDigits = SurveyAnswers.Digits(asked),
            TimeoutSeconds = 5,
            Language = language,
            Hints = asked == SurveyQuestion.Resolved ? (polish ? ["tak", "nie"] : ["yes", "no"]) : [],
            SpeechTimeout = "auto",
        }, nested =>
        {
            if (reprompt is not null)
                nested.Say(definition.Messages.Get(reprompt, language), language, voiceName);
            nested.Say(text, language, voiceName);
        });
        // Silence comes back as an answer that does not fit: asked again once, then skipped.
        twiml.Redirect(action);
    }
}
