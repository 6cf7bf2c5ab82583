using System.Globalization;
using System.Xml.Linq;

namespace Ivr.Simulator;

/// <summary>A TwiML document Twilio would refuse; the call ends with an application error.</summary>
internal sealed class InvalidTwimlException(string message) : Exception(message);

/// <summary>TwiML structure and attribute reading, as strict as Twilio: names are case-sensitive.</summary>
internal static class Twiml
{
    private static readonly string[] Ssml = ["break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"];

    // Verb -> the child elements Twilio allows in it.
    private static readonly Dictionary<string, string[]> Verbs = new()
    {
        ["Say"] = Ssml,
        ["Play"] = [],
        ["Pause"] = [],
        ["Gather"] = ["Say", "Play", "Pause"],
        ["Redirect"] = [],
        ["Hangup"] = [],
        ["Reject"] = [],
        ["Leave"] = [],
        ["Enqueue"] = ["Task"],
        ["Dial"] = ["Number", "Client", "Sip", "Queue", "Conference", "Application"],
    };

    private static readonly string[] Unsupported = ["Record", "Connect", "Pay", "Refer", "Start", "Stop", "Sms", "Echo", "Prompt"];

    /// <summary>Parses and checks a whole document before any verb runs, as Twilio does.</summary>
    public static XElement Parse(string body)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(body);
        }
        catch (System.Xml.XmlException e)
        {
            throw new InvalidTwimlException($"the response is not XML: {e.Message}");
        }

        var root = document.Root!;
        if (root.Name != "Response")
            throw new InvalidTwimlException($"the root element is <{root.Name}>, TwiML needs <Response>");
        foreach (var verb in root.Elements())
            CheckVerb(verb, "Response");
        return root;
    }

    private static void CheckVerb(XElement verb, string parent)
    {
        var name = verb.Name.LocalName;
        if (verb.Name.Namespace != XNamespace.None || !Verbs.TryGetValue(name, out var allowed))
            throw new InvalidTwimlException(UnknownVerb(name, parent));
        foreach (var child in verb.Elements())
        {
            if (!allowed.Contains(child.Name.LocalName))
                throw new InvalidTwimlException($"<{child.Name}> is not allowed inside <{name}>");
            if (name == "Gather")
                CheckVerb(child, name);
        }
    }

    private static string UnknownVerb(string name, string parent)
    {
        var meant = Verbs.Keys.FirstOrDefault(v => string.Equals(v, name, StringComparison.OrdinalIgnoreCase));
        if (meant is not null)
            return $"unknown verb <{name}> in <{parent}>: TwiML is case-sensitive, write <{meant}>";
        return Unsupported.Contains(name)
            ? $"<{name}> is not supported by the simulator"
            : $"unknown verb <{name}> in <{parent}>";
    }

    public static string? Text(XElement verb, string attribute) => verb.Attribute(attribute)?.Value;

    public static int? Integer(XElement verb, string attribute, int minimum)
    {
        var text = Text(verb, attribute);
        if (text is null)
            return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new InvalidTwimlException($"<{verb.Name}> {attribute}=\"{text}\" must be a whole number of at least {minimum}");
        return value;
    }

    public static bool Boolean(XElement verb, string attribute) => Text(verb, attribute) switch
    {
        null or "false" => false,
        "true" => true,
        var other => throw new InvalidTwimlException($"<{verb.Name}> {attribute}=\"{other}\" must be true or false"),
    };

    public static string Method(XElement verb, string attribute = "method") => Text(verb, attribute)?.ToUpperInvariant() switch
    {
        null or "" or "POST" => "POST",
        "GET" => "GET",
        var other => throw new InvalidTwimlException($"<{verb.Name}> {attribute}=\"{other}\" must be GET or POST"),
    };

    /// <summary>The verb's own text, without nested elements' text (e.g. &lt;Task&gt; in &lt;Enqueue&gt;).</summary>
    public static string OwnText(XElement verb) => string.Concat(verb.Nodes().OfType<XText>().Select(t => t.Value)).Trim();

    /// <summary>Absolute URLs are kept exactly as written, since Twilio signs over them; relative ones resolve
    /// against the current document URL.</summary>
    public static string Resolve(string documentUrl, string target)
    {
        target = target.Trim();
        // On Unix "/voice/x" parses as an absolute file:// URI, hence the scheme check.
        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            return target;
        if (!Uri.TryCreate(new Uri(documentUrl), target, out var resolved))
            throw new InvalidTwimlException($"'{target}' is not a valid URL");
        return resolved.AbsoluteUri;
    }
}
