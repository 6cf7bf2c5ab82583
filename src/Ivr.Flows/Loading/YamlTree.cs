using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Ivr.Flows.Loading;

/// <summary>A YAML node with the 1-based line and column where it starts.</summary>
internal abstract class YamlNode(int line, int column)
{
    public int Line { get; } = line;
    public int Column { get; } = column;

    /// <summary>What the node is, for "expected ..., found ..." messages.</summary>
    public abstract string Describe();
}

/// <summary>A scalar. YAML types are not applied: the loader reads every value as text and checks it itself.</summary>
internal sealed class YamlScalar(string value, bool isPlain, int line, int column) : YamlNode(line, column)
{
    public string Value { get; } = value;

    /// <summary>True for YAML's null: an empty plain value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => isPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "nothing" : $"'{Value}'";
}

/// <summary>A map entry; the key keeps its own position for "unknown key" and "duplicate key" messages.</summary>
internal sealed record YamlEntry(YamlScalar Key, YamlNode Value);

/// <summary>A map in file order. Duplicate keys were reported while reading; only the first of each is kept.</summary>
internal sealed class YamlMap(IReadOnlyList<YamlEntry> entries, int line, int column) : YamlNode(line, column)
{
    public IReadOnlyList<YamlEntry> Entries { get; } = entries;

    public YamlEntry? Find(string key) => Entries.FirstOrDefault(e => e.Key.Value == key);

    public override string Describe() => "a map";
}

/// <summary>A list.</summary>
internal sealed class YamlSequence(IReadOnlyList<YamlNode> items, int line, int column) : YamlNode(line, column)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override string Describe() => "a list";
}

/// <summary>
/// Reads YAML text into <see cref="YamlNode"/>s from YamlDotNet's parser events. Done by hand rather than with
/// YamlDotNet's representation model because that model throws on the first duplicate key and we want to report
/// every duplicate, each at its own position.
/// </summary>
internal static partial class YamlTree
{
    // Deep enough for any menu file; guards the recursive reader against pathological input.
    private const int MaxDepth = 64;

    // Aliases can expand a small file exponentially ("billion laughs"); real menu files are far below this.
    private const long MaxExpandedNodes = 200_000;

    /// <summary>The single document of <paramref name="yaml"/>, or null after reporting why there is none.</summary>
    public static YamlNode? Read(string yaml, ProblemCollector problems)
    {
        var events = new List<ParsingEvent>();
        var scanner = new Scanner(new StringReader(yaml));
        try
        {
            var parser = new Parser(scanner);
            while (parser.MoveNext())
                events.Add(parser.Current!);
        }
        catch (YamlException e)
        {
            problems.Error(Line(e.Start), Column(e.Start), "(syntax)", $"not valid YAML: {ParserMessage(e.Message)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, inside some unclosed '{' or '[' (name: {Shop).
            var at = scanner.CurrentPosition;
            problems.Error(Line(at), Column(at), "(syntax)", $"not valid YAML: {UnclosedFlow}");
            return null;
        }
        // On some broken input the parser ends a document or the stream inside an open '{' or '[' without a word;
        // reading on would run off the end of the events.
        if (Unbalanced(events) is { } where)
        {
            problems.Error(Line(where), Column(where), "(syntax)", $"not valid YAML: {UnclosedFlow}");
            return null;
        }

        var documents = events.OfType<DocumentStart>().ToList();
        if (documents.Count == 0)
        {
            problems.Error(1, 1, "(root)", "the file is empty; it needs the sections hotline, departments and menus");
            return null;
        }
        if (documents.Count > 1)
        {
            var second = documents[1];
            problems.Error(Line(second.Start), Column(second.Start), "(root)",
                "the file has more than one YAML document ('---'); keep everything in one");
            return null;
        }

        var reader = new EventReader(events, problems);
        return reader.ReadDocument();
    }

    // Where the events stop nesting properly, or null when every list and mapping is closed inside its document.
    private static Mark? Unbalanced(List<ParsingEvent> events)
    {
        var open = 0;
        foreach (var e in events)
        {
            open += e switch
            {
                MappingStart or SequenceStart => 1,
                MappingEnd or SequenceEnd => -1,
                _ => 0,
            };
            if (open < 0 || (open > 0 && e is DocumentEnd or StreamEnd))
                return e.Start;
        }
        return events is [.., StreamEnd] ? null : events.Count > 0 ? events[^1].End : Mark.Empty;
    }

    private const string UnclosedFlow =
        "a '{' or '[' is not closed where it should be, or a value inside it is not finished (quote values that contain '{', '[', '#' or ':')";

    private static int Line(Mark mark) => (int)Math.Max(1, mark.Line);

    private static int Column(Mark mark) => (int)Math.Max(1, mark.Column);

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the position is reported apart.
    private static string ParserMessage(string message) => PositionPrefix().Replace(message, "").Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    private sealed class EventReader(List<ParsingEvent> events, ProblemCollector problems)
    {
        private readonly Dictionary<string, (YamlNode Node, long Size)> _anchors = new(StringComparer.Ordinal);
        private int _next;
        private bool _tooLarge;

        public YamlNode? ReadDocument()
        {
            while (_next < events.Count && events[_next] is not DocumentStart)
                _next++;
            _next++;
            if (_next >= events.Count || events[_next] is DocumentEnd)
                return null;
            var (node, _) = ReadNode(depth: 0, path: "");
            return _tooLarge ? null : node;
        }

        // Returns the node and its size with aliases expanded, to refuse alias bombs.
        private (YamlNode Node, long Size) ReadNode(int depth, string path)
        {
            var current = events[_next++];
            var line = Line(current.Start);
            var column = Column(current.Start);
            switch (current)
            {
                case AnchorAlias alias:
                    if (_anchors.TryGetValue(alias.Value.Value, out var anchored))
                        return anchored;
                    problems.Error(line, column, PathOrRoot(path), $"unknown alias '*{alias.Value.Value}' (define it first with '&{alias.Value.Value}')");
                    return (new YamlScalar("", isPlain: true, line, column), 1);

                case Scalar scalar:
                    return Remember(scalar, (new YamlScalar(scalar.Value, scalar.Style == ScalarStyle.Plain, line, column), 1));

                case SequenceStart sequenceStart:
                {
                    var items = new List<YamlNode>();
                    long size = 1;
                    while (events[_next] is not SequenceEnd)
                    {
                        var (item, itemSize) = ReadChild(depth, NodePath.Index(path, items.Count));
                        items.Add(item);
                        size += itemSize;
                    }
                    _next++;
                    return Remember(sequenceStart, (new YamlSequence(items, line, column), size));
                }

                case MappingStart mappingStart:
                    return Remember(mappingStart, ReadMap(depth, path, line, column));

                case MappingEnd or SequenceEnd or DocumentEnd or StreamEnd:
                    // On some broken input the parser closes a mapping after a key without its value: the value is
                    // missing, and the closing event is left for the mapping or list that owns it.
                    _next--;
                    problems.Error(line, column, PathOrRoot(path), "not valid YAML: the value is missing here");
                    return (new YamlScalar("", isPlain: true, line, column), 1);

                default:
                    // The parser only yields the events above inside a document; anything else is skipped.
                    return (new YamlScalar("", isPlain: true, line, column), 1);
            }
        }

        private (YamlNode Node, long Size) ReadMap(int depth, string path, int line, int column)
        {
            var entries = new List<YamlEntry>();
            var firstSeen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
            long size = 1;
            while (events[_next] is not MappingEnd)
            {
                var keyEvent = events[_next];
                var (keyNode, _) = ReadChild(depth, path);
                var (value, valueSize) = ReadChild(depth, keyNode is YamlScalar k ? NodePath.Key(path, k.Value) : path);
                size += valueSize;

                if (keyNode is not YamlScalar key)
                {
                    problems.Error(keyNode, PathOrRoot(path), $"a key must be a plain name, found {keyNode.Describe()}");
                    continue;
                }
                var keyPath = NodePath.Key(path, key.Value);
                if (key.Value == "<<" && keyEvent is Scalar { Style: ScalarStyle.Plain })
                {
                    problems.Error(key, keyPath, "merge keys ('<<') are not supported; use an alias for the whole value (hours: *office_hours) or repeat the keys");
                    continue;
                }
                if (firstSeen.TryGetValue(key.Value, out var first))
                {
                    problems.Error(key, keyPath, $"duplicate key '{key.Value}' (first at line {first.Line}, column {first.Column}); this one is ignored");
                    continue;
                }
                firstSeen[key.Value] = key;
                entries.Add(new YamlEntry(key, value));
            }
            _next++;
            return (new YamlMap(entries, line, column), size);
        }

        private (YamlNode Node, long Size) ReadChild(int depth, string path)
        {
            if (depth + 1 <= MaxDepth)
                return ReadNode(depth + 1, path);
            var at = events[_next];
            problems.Error(Line(at.Start), Column(at.Start), PathOrRoot(path), $"nested deeper than {MaxDepth} levels");
            SkipNode();
            return (new YamlScalar("", isPlain: true, Line(at.Start), Column(at.Start)), 1);
        }

        private void SkipNode()
        {
            var open = 0;
            do
            {
                var e = events[_next++];
                if (e is MappingStart or SequenceStart) open++;
                else if (e is MappingEnd or SequenceEnd) open--;
            } while (open > 0);
        }

        // Anchors are registered once their node is complete, so a node cannot contain an alias of itself.
        private (YamlNode Node, long Size) Remember(NodeEvent nodeEvent, (YamlNode Node, long Size) read)
        {
            if (read.Size > MaxExpandedNodes && !_tooLarge)
            {
                _tooLarge = true;
                problems.Error(read.Node, "(root)", $"aliases expand the file to more than {MaxExpandedNodes} values; the file is refused");
            }
            if (!nodeEvent.Anchor.IsEmpty)
                _anchors[nodeEvent.Anchor.Value] = read;
            return read;
        }

        private static string PathOrRoot(string path) => path.Length == 0 ? "(root)" : path;
    }
}
