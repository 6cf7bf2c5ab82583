using System.Globalization;
using System.Text;
using System.Xml;

namespace Ivr.Api.Voice;

/// <summary>
/// Writes a TwiML document: <c>&lt;Response&gt;</c> and the voice verbs the hotline uses, with Twilio's attribute
/// spelling. Text that is not valid XML 1.0 (control characters, lone surrogates) is dropped, never thrown on.
/// </summary>
public sealed class TwimlWriter
{
    private const string Declaration = """<?xml version="1.0" encoding="UTF-8"?>""";
    private const int MaxHints = 500;
    private const int MaxHintLength = 100;

    private readonly StringBuilder _buffer = new(Declaration);
    private readonly XmlWriter _xml;
    private bool _inGather;
    private string? _document;

    public TwimlWriter()
    {
        _buffer.AppendLine();
        _xml = XmlWriter.Create(_buffer, new XmlWriterSettings
        {
            OmitXmlDeclaration = true,
            Indent = true,
            IndentChars = "  ",
        });
        _xml.WriteStartElement("Response");
    }

    public TwimlWriter Say(string text, string? language = null, string? voice = null)
    {
        Start("Say");
        Attribute("voice", voice);
        Attribute("language", language);
        Text(text);
        return End();
    }

    public TwimlWriter Play(string url, int? loop = null)
    {
        Start("Play");
        Attribute("loop", loop);
        Text(url);
        return End();
    }

    public TwimlWriter Pause(int lengthSeconds)
    {
        Start("Pause");
        Attribute("length", lengthSeconds);
        return End();
    }

    /// <summary>Writes <c>&lt;Gather&gt;</c>; <paramref name="nested"/> may only write Say, Play and Pause.</summary>
    public TwimlWriter Gather(GatherOptions options, Action<TwimlWriter>? nested = null)
    {
        Start("Gather", nestable: false);
        if (options.Action is not null)
        {
            Attribute("action", options.Action);
            Attribute("method", options.Method);
        }
        Attribute("input", options.Input);
        Attribute("timeout", options.TimeoutSeconds);
        Attribute("numDigits", options.NumDigits);
        Attribute("finishOnKey", options.FinishOnKey);
        Attribute("language", options.Language);
        Attribute("hints", JoinHints(options.Hints));
        Attribute("speechTimeout", options.SpeechTimeout);
        Attribute("actionOnEmptyResult", options.ActionOnEmptyResult);

        _inGather = true;
        try
        {
            nested?.Invoke(this);
        }
        finally
        {
            _inGather = false;
        }
        return End();
    }

    public TwimlWriter Redirect(string url, string method = "POST")
    {
        Start("Redirect", nestable: false);
        Attribute("method", method);
        Text(url);
        return End();
    }

    public TwimlWriter Hangup()
    {
        Start("Hangup", nestable: false);
        return End();
    }

    public TwimlWriter Enqueue(
        string queueName, string? waitUrl = null, string? action = null, string method = "POST", string waitUrlMethod = "POST")
    {
        Start("Enqueue", nestable: false);
        if (action is not null)
        {
            Attribute("action", action);
            Attribute("method", method);
        }
        if (waitUrl is not null)
        {
            Attribute("waitUrl", waitUrl);
            Attribute("waitUrlMethod", waitUrlMethod);
        }
        Text(queueName);
        return End();
    }

    public TwimlWriter Leave()
    {
        Start("Leave", nestable: false);
        return End();
    }

    public TwimlWriter Dial(DialOptions options, DialTarget target)
    {
        Start("Dial", nestable: false);
        if (options.Action is not null)
        {
            Attribute("action", options.Action);
            Attribute("method", options.Method);
        }
        Attribute("timeout", options.TimeoutSeconds);
        Attribute("callerId", options.CallerId);
        Attribute("answerOnBridge", options.AnswerOnBridge);
        Attribute("timeLimit", options.TimeLimit);

        _xml.WriteStartElement(target.Kind.ToString());
        Attribute("url", target.WhisperUrl);
        if (target.StatusCallback is not null)
        {
            Attribute("statusCallback", target.StatusCallback);
            Attribute("statusCallbackMethod", "POST");
        }
        if (target.StatusCallbackEvents.Count > 0)
            Attribute("statusCallbackEvent", string.Join(' ', target.StatusCallbackEvents));
        if (target.Kind == DialTargetKind.Client)
            _xml.WriteElementString("Identity", XmlText.Clean(target.Address));
        else
            Text(target.Address);
        _xml.WriteEndElement();

        return End();
    }

    public TwimlWriter Reject(string? reason = null)
    {
        Start("Reject", nestable: false);
        Attribute("reason", reason);
        return End();
    }

    /// <summary>Closes the document and returns it; the writer accepts no more verbs afterwards.</summary>
    public string Build()
    {
        if (_document is null)
        {
            _xml.WriteEndElement();
            _xml.Flush();
            _xml.Dispose();
            _document = _buffer.ToString();
        }
        return _document;
    }

    public TwimlResult ToResult() => new(Build());

    public override string ToString() => Build();

    private void Start(string verb, bool nestable = true)
    {
        if (_document is not null)
            throw new InvalidOperationException($"<{verb}> written after the TwiML document was built.");
        if (_inGather && !nestable)
            throw new InvalidOperationException($"<{verb}> cannot be nested in <Gather>: only Say, Play and Pause can.");
        _xml.WriteStartElement(verb);
    }

    private TwimlWriter End()
    {
        _xml.WriteEndElement();
        return this;
    }

    private void Text(string text) => _xml.WriteString(XmlText.Clean(text));

    private void Attribute(string name, string? value)
    {
        if (value is not null)
            _xml.WriteAttributeString(name, XmlText.Clean(value));
    }

    private void Attribute(string name, int? value)
    {
        if (value is { } number)
            _xml.WriteAttributeString(name, number.ToString(CultureInfo.InvariantCulture));
    }

    private void Attribute(string name, bool? value)
    {
        if (value is { } flag)
            _xml.WriteAttributeString(name, flag ? "true" : "false");
    }

    // Twilio's limits: at most 500 hints of at most 100 characters; longer input is cut, not rejected.
    private static string? JoinHints(IReadOnlyList<string> hints)
    {
        var kept = hints
            .Select(h => h.Trim())
            .Where(h => h.Length > 0)
            .Take(MaxHints)
            .Select(h => h.Length > MaxHintLength ? h[..MaxHintLength] : h)
            .ToList();
        return kept.Count == 0 ? null : string.Join(", ", kept);
    }
}

/// <summary>Attributes of <c>&lt;Gather&gt;</c>; null leaves Twilio's default.</summary>
public sealed record GatherOptions
{
    /// <summary>Absolute URL requested with the caller's input; without it Twilio re-requests the current document.</summary>
    public string? Action { get; init; }
    public string Method { get; init; } = "POST";

    /// <summary><c>dtmf</c>, <c>speech</c> or <c>dtmf speech</c>.</summary>
    public string Input { get; init; } = "dtmf";
    public int TimeoutSeconds { get; init; } = 5;
    public int? NumDigits { get; init; }

    /// <summary>The key that ends input; an empty string disables it.</summary>
    public string? FinishOnKey { get; init; }
    public string? Language { get; init; }
    public IReadOnlyList<string> Hints { get; init; } = [];

    /// <summary>Seconds of silence ending speech input, or <c>auto</c>.</summary>
    public string? SpeechTimeout { get; init; }
    public bool? ActionOnEmptyResult { get; init; }
}

/// <summary>Attributes of <c>&lt;Dial&gt;</c>; null leaves Twilio's default.</summary>
public sealed record DialOptions
{
    public string? Action { get; init; }
    public string Method { get; init; } = "POST";
    public int? TimeoutSeconds { get; init; }
    public string? CallerId { get; init; }
    public bool? AnswerOnBridge { get; init; }
    public int? TimeLimit { get; init; }
}

public enum DialTargetKind
{
    Number,
    Sip,
    Client,
}

/// <summary>
/// What <c>&lt;Dial&gt;</c> connects to. <see cref="WhisperUrl"/> is TwiML played to the agent before the caller is
/// connected (the noun's <c>url</c> attribute).
/// </summary>
public sealed record DialTarget(DialTargetKind Kind, string Address)
{
    public string? WhisperUrl { get; init; }
    public string? StatusCallback { get; init; }

    /// <summary>Any of <c>initiated</c>, <c>ringing</c>, <c>answered</c>, <c>completed</c>.</summary>
    public IReadOnlyList<string> StatusCallbackEvents { get; init; } = [];

    public static DialTarget Number(string e164) => new(DialTargetKind.Number, e164);

    public static DialTarget Sip(string sipUri) => new(DialTargetKind.Sip, sipUri);

    public static DialTarget Client(string identity) => new(DialTargetKind.Client, identity);
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
            {
                clean.Append(c).Append(value[++i]);
            }
            else if (XmlConvert.IsXmlChar(c))
            {
                clean.Append(c);
            }
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
