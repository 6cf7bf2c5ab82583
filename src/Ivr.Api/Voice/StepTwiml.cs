using Ivr.Api.Queues;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;
using Twilio.TwiML;
using HttpMethod = Twilio.Http.HttpMethod;

namespace Ivr.Api.Voice;

/// <summary>The TwiML of an engine step: each instruction as the verbs Twilio plays, with absolute action URLs.</summary>
public static class StepTwiml
{
    public static VoiceResponse Render(VoiceRequest call, StepResult result, MenuDefinition definition, WaitAnnouncement? announcement)
    {
        var twiml = new VoiceResponse();
        foreach (var instruction in result.Instructions)
        {
            switch (instruction)
            {
                case Instruction.Say say:
                    twiml.Speak(say.Text, say.Language, say.Voice);
                    break;
                case Instruction.Gather gather:
                    var action = call.Url($"/voice/gather?step={result.State.Step}");
                    var asking = Twiml.Gather(action, speech: true, timeout: gather.TimeoutSeconds, numDigits: gather.NumDigits,
                        language: gather.Language, hints: gather.Hints, speechTimeout: "auto");
                    foreach (var say in gather.Prompt)
                        asking.Speak(say.Text, say.Language, say.Voice);
                    twiml.Append(asking);
                    // Gather falls through when the caller gives no input; this brings them back as "no input".
                    twiml.Redirect(action, HttpMethod.Post);
                    break;
                case Instruction.Enqueue enqueue:
                    Join(twiml, call, definition, enqueue, announcement);
                    break;
                case Instruction.BookCallback book:
                    // The booking dialog confirms the number (or asks for one) and says the reference.
                    twiml.Redirect(call.Url($"/voice/callbacks/book?department={Uri.EscapeDataString(book.Department)}&source=menu"),
                        HttpMethod.Post);
                    break;
                case Instruction.OfferCallback offer:
                    var voice = definition.VoiceFor(offer.Language);
                    var offerText = definition.Messages.Get(SystemMessages.CallbackOfferClosed, offer.Language)
                        .Replace("{department}", definition.Departments[offer.Department].Title.For(offer.Language))
                        .Replace("{when}", offer.When);
                    twiml.Append(Twiml.Gather(call.Url($"/voice/callbacks/offer?department={Uri.EscapeDataString(offer.Department)}"), numDigits: 1)
                        .Speak(LocalizedText.Capitalize(offerText), offer.Language, voice));
                    twiml.Speak(definition.Messages.Get(SystemMessages.Goodbye, offer.Language), offer.Language, voice);
                    twiml.Hangup();
                    break;
                case Instruction.Hangup:
                    twiml.Hangup();
                    break;
                case Instruction.Lookup lookup:
                    twiml.Redirect(call.Url($"/voice/lookup/{lookup.Kind}?step={result.State.Step}"), HttpMethod.Post);
                    break;
                default:
                    throw new InvalidOperationException($"No TwiML for {instruction} (menu version {definition.Version}).");
            }
        }
        return twiml;
    }

    // Before joining: how long, honestly (the caller may still decide to call later), and when the wait is long, the
    // offer of a callback that keeps their place.
    private static void Join(VoiceResponse twiml, VoiceRequest call, MenuDefinition definition, Instruction.Enqueue enqueue, WaitAnnouncement? announcement)
    {
        var sentences = announcement is null ? [] : WaitAnnouncer.Sentences(announcement, definition, enqueue.Language).ToList();
        var voice = definition.VoiceFor(enqueue.Language);
        if (announcement is not null && WaitAnnouncer.OffersCallback(announcement, definition.Departments[enqueue.Department]))
        {
            sentences.Add(definition.Messages.Get(SystemMessages.CallbackOffer, enqueue.Language));
            var offer = Twiml.Gather(call.Url($"/voice/queue/{enqueue.Department}/callback?joining=1"), numDigits: 1, timeout: 1);
            foreach (var sentence in sentences)
                offer.Speak(sentence, enqueue.Language, voice);
            twiml.Append(offer);
        }
        else
        {
            foreach (var sentence in sentences)
                twiml.Speak(sentence, enqueue.Language, voice);
        }
        twiml.EnqueueIn(enqueue.Department, call);
    }
}
