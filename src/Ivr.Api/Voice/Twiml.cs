using System.Text;
using System.Xml;
using System.Xml.Linq;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using GatherVerb = Twilio.TwiML.Voice.Gather;
using HttpMethod = Twilio.Http.HttpMethod;
using PhoneNumber = Twilio.Types.PhoneNumber;

namespace Ivr.Api.Voice;

/// <summary>
/// What the hotline adds to the Twilio SDK's TwiML: the defaults of its Gathers, the limits on hints, and a document
/// that never throws. The SDK turns a null voice or language into an attribute that breaks the document, and throws
/// on text that XML 1.0 cannot carry (a caller's NUL, a lone surrogate); here those are left out or dropped.
/// </summary>
public static class Twiml
{
    private const string Declaration = """<?xml version="1.0" encoding="UTF-8"?>""";
    private const int MaxHints = 500;
    private const int MaxHintLength = 100;
    private static readonly XmlWriterSettings Settings = new() { OmitXmlDeclaration = true, Indent = true, IndentChars = "  " };

    /// <summary>Appends <c>&lt;Say&gt;</c> in <paramref name="language"/> and <paramref name="voice"/> (either may be null).</summary>
    public static T Speak<T>(this T parent, string text, string? language = null, string? voice = null) where T : TwiML
    {
        var say = new Say(text);
        if (voice is not null)
            say.Voice = voice;
        if (language is not null)
            say.Language = language;
        parent.Append(say);
        return parent;
    }

    /// <summary>
    /// A <c>&lt;Gather&gt;</c> posting to <paramref name="action"/>: keys (and speech when asked), 5 s of silence by
    /// default. Hints are cut to Twilio's limits: at most 500, of at most 100 characters; blank ones are skipped.
    /// </summary>
    public static GatherVerb Gather(Uri? action, bool speech = false, int timeout = 5, int? numDigits = null,
        string? finishOnKey = null, string? language = null, IEnumerable<string>? hints = null, string? speechTimeout = null,
        bool? actionOnEmptyResult = null)
    {
        var gather = new GatherVerb(
            input: speech ? [GatherVerb.InputEnum.Dtmf, GatherVerb.InputEnum.Speech] : [GatherVerb.InputEnum.Dtmf],
            action: action, method: action is null ? null : HttpMethod.Post, timeout: timeout, numDigits: numDigits,
            finishOnKey: finishOnKey, hints: Hints(hints ?? []), speechTimeout: speechTimeout,
            actionOnEmptyResult: actionOnEmptyResult);
        if (language is not null)
            gather.Language = language;
        return gather;
    }

    /// <summary>Dials an agent's phone (<c>sip</c>, <c>client</c> or a number), who first hears <paramref name="whisper"/>.</summary>
    public static Dial DialAgent(string kind, string address, Uri whisper, Uri action, int ringSeconds)
    {
        var dial = new Dial(action: action, method: HttpMethod.Post, timeout: ringSeconds, answerOnBridge: true);
        switch (kind)
        {
            case "sip":
                dial.Sip(new Uri(address, UriKind.RelativeOrAbsolute), url: whisper);
                break;
            case "client":
                dial.Append(new Client(url: whisper).Identity(address));
                break;
            default:
                dial.Number(new PhoneNumber(address), url: whisper);
                break;
        }
        return dial;
    }

    /// <summary>The hints attribute: Twilio takes at most 500 of at most 100 characters; longer input is cut, not refused.</summary>
    public static string? Hints(IEnumerable<string> hints)
    {
        var kept = hints
            .Select(h => h.Trim())
            .Where(h => h.Length > 0)
            .Take(MaxHints)
            .Select(h => h.Length > MaxHintLength ? h[..MaxHintLength] : h)
            .ToList();
        return kept.Count == 0 ? null : string.Join(", ", kept);
    }

    /// <summary>
    /// The document Twilio gets. Characters XML 1.0 cannot carry are dropped from every text and attribute; a verb
    /// nested in <c>&lt;Gather&gt;</c> other than Say, Play and Pause is a bug, and refused.
    /// </summary>
    public static string Render(TwiML twiml)
    {
        var root = twiml.ToXDocument().Root!;
        foreach (var element in root.DescendantsAndSelf())
        {
            if (element.Name.LocalName == "Gather"
                && element.Elements().FirstOrDefault(e => e.Name.LocalName is not ("Say" or "Play" or "Pause")) is { } nested)
                throw new InvalidOperationException($"<{nested.Name.LocalName}> cannot be nested in <Gather>: only Say, Play and Pause can.");
            foreach (var attribute in element.Attributes())
                attribute.Value = XmlText.Clean(attribute.Value);
            foreach (var text in element.Nodes().OfType<XText>())
                text.Value = XmlText.Clean(text.Value);
        }
        var buffer = new StringBuilder(Declaration).AppendLine();
        using (var writer = XmlWriter.Create(buffer, Settings))
            root.WriteTo(writer);
        return buffer.ToString();
    }
}

internal static class XmlText
{
    /// <summary>Drops characters XML 1.0 cannot carry, so caller-supplied text never breaks a response.</summary>
    public static string Clean(string value)
    {
        if (IsClean(value))
            return value;

        var clean = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && XmlConvert.IsXmlSurrogatePair(value[i + 1], c))
                clean.Append(c).Append(value[++i]);
            else if (XmlConvert.IsXmlChar(c))
                clean.Append(c);
        }
        return clean.ToString();
    }

    private static bool IsClean(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (XmlConvert.IsXmlChar(value[i]))
                continue;
            if (i + 1 < value.Length && XmlConvert.IsXmlSurrogatePair(value[i + 1], value[i]))
            {
                i++;
                continue;
            }
            return false;
        }
        return true;
    }
}
