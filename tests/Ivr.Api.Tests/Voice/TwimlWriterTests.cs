using System.Text;
using System.Xml.Linq;
using Ivr.Api.Voice;
using Microsoft.AspNetCore.Http;

namespace Ivr.Api.Tests.Voice;

public class TwimlWriterTests
{
    // Canonical shapes are Twilio's published samples (twilio.md 3.3); our writer states some defaults explicitly.

    [Fact]
    public void Gather_WithSpeechAndDigits_MatchesTwilioSample()
    {
        var twiml = new TwimlWriter()
            .Gather(new GatherOptions { Input = "speech dtmf", TimeoutSeconds = 3, NumDigits = 1 },
                g => g.Say("Please press 1 or say sales for sales."))
            .Build();

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
        var twiml = new TwimlWriter()
            .Gather(new GatherOptions { Action = "/process_gather.php", Method = "GET" },
                g => g.Say("Please enter your account number, followed by the pound sign"))
            .Say("We didn't receive any input. Goodbye!")
            .Build();

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
        var twiml = new TwimlWriter()
            .Gather(new GatherOptions { Action = "https://ivr.example.pl/menu", NumDigits = 1 },
                g => g.Say("Aby połączyć się z konsultantem, naciśnij 1.", language: "pl-PL", voice: "Polly.Ewa"))
            .Redirect("https://ivr.example.pl/start")
            .Build();

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
        var twiml = new TwimlWriter().Say("Bonjour! Je m'appelle Mathieu.", language: "fr-FR", voice: "Polly.Mathieu").Build();

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
        var twiml = new TwimlWriter().Enqueue("TestEnqueueAttribute", waitUrl: "wait", action: "act", method: "GET").Build();

        AssertSameXml(
            """<?xml version="1.0" encoding="UTF-8"?><Response><Enqueue action="act" method="GET" waitUrl="wait" waitUrlMethod="POST">TestEnqueueAttribute</Enqueue></Response>""",
            twiml);
    }

    [Fact]
    public void Enqueue_ThenFallThroughSay_MatchesTwilioSample()
    {
        var twiml = new TwimlWriter()
            .Enqueue("support", waitUrl: "wait.xml")
            .Say("Unfortunately, the support line has closed. Please call again tomorrow.")
            .Build();

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
        AssertSameXml("""<Response><Leave /></Response>""", new TwimlWriter().Leave().Build());
        AssertSameXml("""<Response><Reject reason="busy" /></Response>""", new TwimlWriter().Reject("busy").Build());
        AssertSameXml("""<Response><Reject /></Response>""", new TwimlWriter().Reject().Build());
        AssertSameXml("""<Response><Hangup /></Response>""", new TwimlWriter().Hangup().Build());
    }

    [Fact]
    public void DialNumber_WithStatusCallbacks_MatchesTwilioSample()
    {
        var target = DialTarget.Number("+12349013030") with
        {
            StatusCallback = "https://myapp.com/calls/events",
            StatusCallbackEvents = ["initiated", "ringing", "answered", "completed"],
        };

        var twiml = new TwimlWriter().Dial(new DialOptions(), target).Build();

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
        var options = new DialOptions
        {
            Action = "https://ivr.example.pl/voice/dial-result",
            TimeoutSeconds = 20,
            CallerId = "+48221234567",
            AnswerOnBridge = true,
            TimeLimit = 3600,
        };

        var twiml = new TwimlWriter()
            .Dial(options, DialTarget.Sip("sip:agent@pbx.example.pl") with { WhisperUrl = "https://ivr.example.pl/whisper" })
            .Build();

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
        var twiml = new TwimlWriter()
            .Dial(new DialOptions { AnswerOnBridge = false }, DialTarget.Client("anna") with { WhisperUrl = "https://x/w" })
            .Build();

        AssertSameXml("""
            <Response>
              <Dial answerOnBridge="false"><Client url="https://x/w"><Identity>anna</Identity></Client></Dial>
            </Response>
            """, twiml);
    }

    [Fact]
    public void PlayPauseAndGatherOptions_UseTwilioAttributeNames()
    {
        var gather = new GatherOptions
        {
            Action = "https://x/g",
            Input = "dtmf speech",
            TimeoutSeconds = 7,
            NumDigits = 4,
            FinishOnKey = "",
            Language = "pl-PL",
            Hints = ["zwrot", "reklamacja"],
            SpeechTimeout = "auto",
            ActionOnEmptyResult = true,
        };

        var twiml = new TwimlWriter()
            .Gather(gather, g => g.Play("https://x/hello.mp3", loop: 2).Pause(1))
            .Build();

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
        var twiml = new TwimlWriter().Hangup().ToString();

        Assert.StartsWith("""<?xml version="1.0" encoding="UTF-8"?>""", twiml);
        Assert.Equal("Response", XDocument.Parse(twiml).Root!.Name.LocalName);
    }

    [Fact]
    public void EmptyWriter_GivesEmptyResponse()
    {
        AssertSameXml("<Response />", new TwimlWriter().Build());
    }

    [Fact]
    public void Build_IsRepeatableAndClosesTheWriter()
    {
        var writer = new TwimlWriter().Hangup();

        Assert.Equal(writer.Build(), writer.Build());
        Assert.Throws<InvalidOperationException>(() => writer.Say("late"));
    }

    [Fact]
    public void SpecialCharacters_AreEscapedAndPolishTextSurvives()
    {
        const string text = """Tom & Jerry <sp. z o.o.> "Zażółć gęślą jaźń" 'ok'""";

        var twiml = new TwimlWriter()
            .Say(text)
            .Redirect("https://x/voice?a=1&b=\"2\"")
            .Build();

        Assert.Contains("Tom &amp; Jerry &lt;sp. z o.o.&gt;", twiml);
        var root = XDocument.Parse(twiml).Root!;
        Assert.Equal(text, root.Element("Say")!.Value);
        Assert.Equal("https://x/voice?a=1&b=\"2\"", root.Element("Redirect")!.Value);
    }

    [Fact]
    public void QuotesInAttributes_AreEscaped()
    {
        var twiml = new TwimlWriter().Play("https://x/a.mp3").Enqueue("q", waitUrl: "https://x/wait?x=\"1\"&y=<2>").Build();

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
            var twiml = new TwimlWriter().Say(input, language: input).Build();

            var say = XDocument.Parse(twiml).Root!.Element("Say")!;
            Assert.Equal(expected, say.Value);
            Assert.Equal(expected, say.Attribute("language")!.Value);
        }
    }

    [Fact]
    public void Gather_RejectsVerbsThatCannotBeNested()
    {
        var nested = new List<Action<TwimlWriter>>
        {
            g => g.Redirect("https://x"),
            g => g.Hangup(),
            g => g.Enqueue("q"),
            g => g.Leave(),
            g => g.Reject(),
            g => g.Dial(new DialOptions(), DialTarget.Number("+48123456789")),
            g => g.Gather(new GatherOptions()),
        };

        foreach (var write in nested)
            Assert.Throws<InvalidOperationException>(() => new TwimlWriter().Gather(new GatherOptions(), write));
    }

    [Fact]
    public void Gather_AllowsSayPlayPauseAndEndsNestingAfterwards()
    {
        var twiml = new TwimlWriter()
            .Gather(new GatherOptions(), g => g.Say("a").Play("https://x/b.mp3").Pause(2))
            .Hangup()
            .Build();

        var root = XDocument.Parse(twiml).Root!;
        Assert.Equal(["Say", "Play", "Pause"], root.Element("Gather")!.Elements().Select(e => e.Name.LocalName));
        Assert.NotNull(root.Element("Hangup"));
    }

    [Fact]
    public void Hints_AreCappedAt500EntriesOf100Characters()
    {
        var hints = Enumerable.Range(0, 600).Select(i => $"h{i}").Append(new string('x', 150)).Prepend(new string('y', 150)).ToList();

        var twiml = new TwimlWriter().Gather(new GatherOptions { Hints = hints }).Build();

        var joined = XDocument.Parse(twiml).Root!.Element("Gather")!.Attribute("hints")!.Value.Split(", ");
        Assert.Equal(500, joined.Length);
        Assert.Equal(new string('y', 100), joined[0]);
        Assert.Equal("h498", joined[^1]);
        Assert.All(joined, h => Assert.True(h.Length <= 100));
    }

    [Fact]
    public void Hints_BlankEntriesAreSkippedAndNoneMeansNoAttribute()
    {
        var withBlanks = new TwimlWriter().Gather(new GatherOptions { Hints = ["  ", "sklep", ""] }).Build();
        var without = new TwimlWriter().Gather(new GatherOptions { Hints = [" "] }).Build();

        Assert.Equal("sklep", XDocument.Parse(withBlanks).Root!.Element("Gather")!.Attribute("hints")!.Value);
        Assert.Null(XDocument.Parse(without).Root!.Element("Gather")!.Attribute("hints"));
    }

    [Fact]
    public async Task TwimlResult_WritesXmlWithStatus200()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await new TwimlWriter().Say("Dzień dobry").ToResult().ExecuteAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("text/xml; charset=utf-8", context.Response.ContentType);
        var body = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal("Dzień dobry", XDocument.Parse(body).Root!.Element("Say")!.Value);
    }

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
