using System.Text;
using System.Xml.Linq;
using Ivr.Api.Voice;
using Microsoft.AspNetCore.Http;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using HttpMethod = Twilio.Http.HttpMethod;
using PhoneNumber = Twilio.Types.PhoneNumber;
using Task = System.Threading.Tasks.Task;

namespace Ivr.Api.Tests.Voice;

/// <summary>
/// TwiML as the service answers it: built with the Twilio SDK, rendered by <see cref="Twiml.Render"/>, which keeps
/// the document valid whatever the text, and holds the hotline's defaults and Twilio's limits.
/// </summary>
public class TwimlTests
{
    // Canonical shapes are Twilio's published samples (twilio.md 3.3); the hotline's Gather states some defaults explicitly.

    [Fact]
    public void Gather_WithSpeechAndDigits_MatchesTwilioSample()
    {
        var twiml = Render(new VoiceResponse().Append(
            new Gather(input: [Gather.InputEnum.Speech, Gather.InputEnum.Dtmf], timeout: 3, numDigits: 1)
                .Say("Please press 1 or say sales for sales.")));

        AssertSameXml("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
                <Gather input="speech dtmf" timeout="3" numDigits="1">
                    <Say>Please press 1 or say sales for sales.</Say>
                </Gather>
            </Response>
            """, twiml);
    }

    [Fact]
    public void Gather_WithActionThenFallThrough_MatchesTwilioSample()
    {
        var gather = Twiml.Gather(new Uri("/process_gather.php", UriKind.Relative));
        gather.Method = HttpMethod.Get;
        var twiml = Render(new VoiceResponse()
            .Append(gather.Say("Please enter your account number, followed by the pound sign"))
            .Say("We didn't receive any input. Goodbye!"));

        AssertSameXml("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
                <Gather action="/process_gather.php" method="GET" input="dtmf" timeout="5">
                    <Say>
                        Please enter your account number,
                        followed by the pound sign
                    </Say>
                </Gather>
                <Say>We didn't receive any input. Goodbye!</Say>
            </Response>
            """, twiml);
    }

    [Fact]
    public void PolishMenu_MatchesConstructedShape()
    {
        var twiml = Render(new VoiceResponse()
            .Append(Twiml.Gather(new Uri("https://ivr.example.pl/menu"), numDigits: 1)
                .Speak("Aby połączyć się z konsultantem, naciśnij 1.", language: "pl-PL", voice: "Polly.Ewa"))
            .Redirect(new Uri("https://ivr.example.pl/start"), HttpMethod.Post));

        AssertSameXml("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
              <Gather input="dtmf" numDigits="1" timeout="5" action="https://ivr.example.pl/menu" method="POST">
                <Say voice="Polly.Ewa" language="pl-PL">Aby połączyć się z konsultantem, naciśnij 1.</Say>
              </Gather>
              <Redirect method="POST">https://ivr.example.pl/start</Redirect>
            </Response>
            """, twiml);
    }

    [Fact]
    public void Say_WithVoiceAndLanguage_MatchesTwilioSample()
    {
        var twiml = Render(new VoiceResponse().Speak("Bonjour! Je m'appelle Mathieu.", language: "fr-FR", voice: "Polly.Mathieu"));

        AssertSameXml("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
              <Say voice="Polly.Mathieu" language="fr-FR">Bonjour! Je m'appelle Mathieu.</Say>
            </Response>
            """, twiml);
    }

    [Fact]
    public void Enqueue_WithActionAndWaitUrl_MatchesPythonSdkOutput()
    {
        var twiml = Render(new VoiceResponse().Enqueue("TestEnqueueAttribute", waitUrl: new Uri("wait", UriKind.Relative),
            waitUrlMethod: HttpMethod.Post, action: new Uri("act", UriKind.Relative), method: HttpMethod.Get));

        AssertSameXml(
            """<?xml version="1.0" encoding="UTF-8"?><Response><Enqueue action="act" method="GET" waitUrl="wait" waitUrlMethod="POST">TestEnqueueAttribute</Enqueue></Response>""",
            twiml);
    }

    [Fact]
    public void Enqueue_ThenFallThroughSay_MatchesTwilioSample()
    {
        var twiml = Render(new VoiceResponse()
            .Enqueue("support", waitUrl: new Uri("wait.xml", UriKind.Relative), waitUrlMethod: HttpMethod.Post)
            .Say("Unfortunately, the support line has closed. Please call again tomorrow."));

        AssertSameXml("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
                <Enqueue waitUrl="wait.xml" waitUrlMethod="POST">support</Enqueue>
                <Say>Unfortunately, the support line has closed. Please call again tomorrow.</Say>
            </Response>
            """, twiml);
    }

    [Fact]
    public void LeaveRejectHangup_AreEmptyElements()
    {
        AssertSameXml("""<Response><Leave /></Response>""", Render(new VoiceResponse().Leave()));
        AssertSameXml("""<Response><Reject reason="busy" /></Response>""", Render(new VoiceResponse().Reject(Reject.ReasonEnum.Busy)));
        AssertSameXml("""<Response><Reject /></Response>""", Render(new VoiceResponse().Reject()));
        AssertSameXml("""<Response><Hangup /></Response>""", Render(new VoiceResponse().Hangup()));
    }

    [Fact]
    public void DialNumber_WithStatusCallbacks_MatchesTwilioSample()
    {
        var dial = new Dial().Number(new PhoneNumber("+12349013030"),
            statusCallbackEvent: [Number.EventEnum.Initiated, Number.EventEnum.Ringing, Number.EventEnum.Answered, Number.EventEnum.Completed],
            statusCallback: new Uri("https://myapp.com/calls/events"), statusCallbackMethod: HttpMethod.Post);

        var twiml = Render(new VoiceResponse().Append(dial));

        AssertSameXml("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
                <Dial>
                    <Number
                     statusCallbackEvent="initiated ringing answered completed"
                     statusCallback="https://myapp.com/calls/events"
                     statusCallbackMethod="POST">
                        +12349013030
                    </Number>
                </Dial>
            </Response>
            """, twiml);
    }

    [Fact]
    public void Dial_WritesEveryAttributeInTwilioSpelling()
    {
        var dial = Twiml.DialAgent("sip", "sip:agent@pbx.example.pl", whisper: new Uri("https://ivr.example.pl/whisper"),
            action: new Uri("https://ivr.example.pl/voice/dial-result"), ringSeconds: 20);
        dial.CallerId = "+48221234567";
        dial.TimeLimit = 3600;

        var twiml = Render(new VoiceResponse().Append(dial));

        AssertSameXml("""
            <Response>
              <Dial action="https://ivr.example.pl/voice/dial-result" method="POST" timeout="20" callerId="+48221234567"
                    answerOnBridge="true" timeLimit="3600">
                <Sip url="https://ivr.example.pl/whisper">sip:agent@pbx.example.pl</Sip>
              </Dial>
            </Response>
            """, twiml);
    }

    [Fact]
    public void DialClient_PutsIdentityInChildElement()
    {
        var dial = new Dial(answerOnBridge: false).Append(new Client(url: new Uri("https://x/w")).Identity("anna"));

        var twiml = Render(new VoiceResponse().Append(dial));

        AssertSameXml("""
            <Response>
              <Dial answerOnBridge="false"><Client url="https://x/w"><Identity>anna</Identity></Client></Dial>
            </Response>
            """, twiml);
    }

    [Fact]
    public void PlayPauseAndGatherOptions_UseTwilioAttributeNames()
    {
        var gather = Twiml.Gather(new Uri("https://x/g"), speech: true, timeout: 7, numDigits: 4, finishOnKey: "",
            language: "pl-PL", hints: ["zwrot", "reklamacja"], speechTimeout: "auto", actionOnEmptyResult: true);

        var twiml = Render(new VoiceResponse().Append(gather.Play(new Uri("https://x/hello.mp3"), loop: 2).Pause(1)));

        AssertSameXml("""
            <Response>
              <Gather action="https://x/g" method="POST" input="dtmf speech" timeout="7" numDigits="4" finishOnKey=""
                      language="pl-PL" hints="zwrot, reklamacja" speechTimeout="auto" actionOnEmptyResult="true">
                <Play loop="2">https://x/hello.mp3</Play>
                <Pause length="1" />
              </Gather>
            </Response>
            """, twiml);
    }

    [Fact]
    public void Document_StartsWithUtf8DeclarationAndResponse()
    {
        var twiml = Render(new VoiceResponse().Hangup());

        Assert.StartsWith("""<?xml version="1.0" encoding="UTF-8"?>""", twiml);
        Assert.Equal("Response", XDocument.Parse(twiml).Root!.Name.LocalName);
    }

    [Fact]
    public void EmptyWriter_GivesEmptyResponse()
    {
        AssertSameXml("<Response />", Render(new VoiceResponse()));
    }

    [Fact]
    public void Render_IsRepeatable_AndAnAnswerMadeStaysAsItWas()
    {
        var response = new VoiceResponse().Hangup();
        var answer = new TwimlResult(response);

        Assert.Equal(Render(response), Render(response));
        response.Say("late");
        Assert.DoesNotContain("late", answer.Document);
    }

    [Fact]
    public void SpecialCharacters_AreEscapedAndPolishTextSurvives()
    {
        const string text = """Tom & Jerry <sp. z o.o.> "Zażółć gęślą jaźń" 'ok'""";

        var twiml = Render(new VoiceResponse()
            .Say(text)
            .Redirect(new Uri("https://x/voice?a=1&b=\"2\""), HttpMethod.Post));

        Assert.Contains("Tom &amp; Jerry &lt;sp. z o.o.&gt;", twiml);
        var root = XDocument.Parse(twiml).Root!;
        Assert.Equal(text, root.Element("Say")!.Value);
        Assert.Equal("https://x/voice?a=1&b=\"2\"", root.Element("Redirect")!.Value);
    }

    [Fact]
    public void QuotesInAttributes_AreEscaped()
    {
        var twiml = Render(new VoiceResponse().Play(new Uri("https://x/a.mp3")).Enqueue("q", waitUrl: new Uri("https://x/wait?x=\"1\"&y=<2>")));

        Assert.Equal("https://x/wait?x=\"1\"&y=<2>", XDocument.Parse(twiml).Root!.Element("Enqueue")!.Attribute("waitUrl")!.Value);
    }

    [Fact]
    public void InvalidXmlCharacters_AreRemovedNotThrown()
    {
        // Control characters, lone surrogates and U+FFFE/U+FFFF cannot appear in XML 1.0; tabs, newlines and pairs can.
        (string Input, string Expected)[] cases =
        [
            ("a\u0000b\u0001c\u001Fd", "abcd"),
            ("x\uD800y", "xy"),
            ("x\uDC00y", "xy"),
            ("x\uDE00\uD83Dy", "xy"),
            ("\uFFFEok\uFFFF", "ok"),
            ("tab\tline\nend", "tab\tline\nend"),
            ("emoji \uD83D\uDE00 stays", "emoji \uD83D\uDE00 stays"),
        ];

        foreach (var (input, expected) in cases)
        {
            var twiml = Render(new VoiceResponse().Speak(input, language: input));

            var say = XDocument.Parse(twiml).Root!.Element("Say")!;
            Assert.Equal(expected, say.Value);
            Assert.Equal(expected, say.Attribute("language")!.Value);
        }
    }

    [Fact]
    public void Gather_RejectsVerbsThatCannotBeNested()
    {
        // The SDK's Gather offers only Say, Play and Pause, but takes anything through Append: the render refuses it.
        var nested = new List<TwiML>
        {
            new Redirect(new Uri("https://x")),
            new Hangup(),
            new Enqueue("q"),
            new Leave(),
            new Reject(),
            new Dial().Number(new PhoneNumber("+48123456789")),
            Twiml.Gather(null),
        };

        foreach (var verb in nested)
            Assert.Throws<InvalidOperationException>(() => Render(new VoiceResponse().Append(Twiml.Gather(null).Append(verb))));
    }

    [Fact]
    public void Gather_AllowsSayPlayPauseAndEndsNestingAfterwards()
    {
        var twiml = Render(new VoiceResponse()
            .Append(Twiml.Gather(null).Say("a").Play(new Uri("https://x/b.mp3")).Pause(2))
            .Hangup());

        var root = XDocument.Parse(twiml).Root!;
        Assert.Equal(["Say", "Play", "Pause"], root.Element("Gather")!.Elements().Select(e => e.Name.LocalName));
        Assert.NotNull(root.Element("Hangup"));
    }

    [Fact]
    public void Hints_AreCappedAt500EntriesOf100Characters()
    {
        var hints = Enumerable.Range(0, 600).Select(i => $"h{i}").Append(new string('x', 150)).Prepend(new string('y', 150)).ToList();

        var twiml = Render(new VoiceResponse().Append(Twiml.Gather(null, hints: hints)));

        var joined = XDocument.Parse(twiml).Root!.Element("Gather")!.Attribute("hints")!.Value.Split(", ");
        Assert.Equal(500, joined.Length);
        Assert.Equal(new string('y', 100), joined[0]);
        Assert.Equal("h498", joined[^1]);
        Assert.All(joined, h => Assert.True(h.Length <= 100));
    }

    [Fact]
    public void Hints_BlankEntriesAreSkippedAndNoneMeansNoAttribute()
    {
        var withBlanks = Render(new VoiceResponse().Append(Twiml.Gather(null, hints: ["  ", "sklep", ""])));
        var without = Render(new VoiceResponse().Append(Twiml.Gather(null, hints: [" "])));

        Assert.Equal("sklep", XDocument.Parse(withBlanks).Root!.Element("Gather")!.Attribute("hints")!.Value);
        Assert.Null(XDocument.Parse(without).Root!.Element("Gather")!.Attribute("hints"));
    }

    [Fact]
    public async Task TwimlResult_WritesXmlWithStatus200()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await new TwimlResult(new VoiceResponse().Say("Dzień dobry")).ExecuteAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("text/xml; charset=utf-8", context.Response.ContentType);
        var body = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal("Dzień dobry", XDocument.Parse(body).Root!.Element("Say")!.Value);
    }

    private static string Render(VoiceResponse response) => Twiml.Render(response);

    private static void AssertSameXml(string expected, string actual) =>
        Assert.Equal(Normalise(XDocument.Parse(expected).Root!), Normalise(XDocument.Parse(actual).Root!));

    // Attribute order and whitespace around text are not significant to Twilio.
    private static string Normalise(XElement element)
    {
        var copy = new XElement(element.Name, element.Attributes().OrderBy(a => a.Name.LocalName, StringComparer.Ordinal));
        foreach (var node in element.Nodes())
        {
            if (node is XElement child)
                copy.Add(XElement.Parse(Normalise(child)));
            else if (node is XText text && !string.IsNullOrWhiteSpace(text.Value))
                copy.Add(new XText(string.Join(' ', text.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));
        }
        return copy.ToString(SaveOptions.DisableFormatting);
    }
}
