using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

// The menu file as written, before cross-checks: plain settable classes filled by MenuFileReader and turned into
// the immutable model by MenuFileCompiler. Every value keeps the node it came from, for positions in problems.

/// <summary>A value with the node and path it was read from.</summary>
internal sealed record Located<T>(T Value, YamlNode Node, string Path);

internal sealed class RawMenuFile
{
    public required YamlMap Root { get; init; }
    public RawHotline? Hotline { get; set; }
    public List<RawDepartment> Departments { get; } = [];
    public List<RawMenu> Menus { get; } = [];
    public YamlMap? MenusNode { get; set; }
    public YamlMap? MessagesNode { get; set; }
    public List<RawMessage> Messages { get; } = [];
    public ReturningCallers? Returning { get; set; }
}

internal sealed class RawHotline
{
    public required YamlMap Node { get; init; }
    public Located<string>? Name { get; set; }
    public Located<string>? TimeZone { get; set; }
    /// <summary>The languages that are well-formed and not repeated, in file order.</summary>
    public List<Located<string>> Languages { get; } = [];
    public List<(Located<string> Language, Located<string> Voice)> Voices { get; } = [];
    public Located<string>? Start { get; set; }
    public Located<string>? OnFail { get; set; }
    public int Attempts { get; set; } = 3;
    public int TimeoutSeconds { get; set; } = 5;
    public int? ServiceLevelBelow { get; set; }
    public int? AbandonedAbove { get; set; }
    public bool LanguageFromShop { get; set; }
}

/// <summary>A text: one string for every language, or a string per language.</summary>
internal sealed class RawText
{
    public required YamlNode Node { get; init; }
    public required string Path { get; init; }
    public string? Same { get; set; }
    public List<(Located<string> Language, Located<string> Text)> ByLanguage { get; } = [];
}

internal sealed class RawDepartment
{
    public required string Id { get; init; }
    public required YamlScalar Key { get; init; }
    public required string Path { get; init; }
    public RawText? Title { get; set; }
    public Dictionary<DayOfWeek, List<TimeRange>> Weekly { get; } = [];
    public HashSet<DateOnly> Closed { get; } = [];
    public List<Agent> Agents { get; } = [];
    public int? OfferCallbackAfterSeconds { get; set; }
    public Survey? Survey { get; set; }
}

/// <summary>What a menu or option does; <see cref="Target"/> is null for hangup and options.</summary>
internal sealed record RawAction(string Kind, YamlScalar Key, Located<string>? Target);

internal sealed class RawMenu
{
    public required string Id { get; init; }
    public required YamlScalar Key { get; init; }
    public required string Path { get; init; }
    public RawText? Say { get; set; }
    public RawText? Prompt { get; set; }
    public List<RawOption> Options { get; } = [];
    /// <summary>The menu's one action; null when it has none or it is <c>options</c>.</summary>
    public RawAction? Action { get; set; }
    public int? Attempts { get; set; }
    public int? TimeoutSeconds { get; set; }
    public Located<string>? OnFail { get; set; }
    /// <summary>Where a <c>lookup</c> goes on to: found, not found, the shop failing.</summary>
    public Located<string>? LookupFound { get; set; }
    public Located<string>? LookupNotFound { get; set; }
    public Located<string>? LookupOnError { get; set; }
}

internal sealed class RawOption
{
    public required string Key { get; init; }
    public required string Path { get; init; }
    public RawText? Say { get; set; }
    public Located<string>? Language { get; set; }
    public List<(Located<string> Language, List<string> Words)> Speech { get; } = [];
    public RawAction? Action { get; set; }
}

internal sealed class RawMessage
{
    public required string Key { get; init; }
    public required RawText Text { get; init; }
}
