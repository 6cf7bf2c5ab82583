using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

/// <summary>
/// Turns a <see cref="RawMenuFile"/> into a <see cref="MenuDefinition"/>, checking what needs the whole file:
/// references between menus and departments, languages and text lengths, the time zone, system messages,
/// loops of <c>next</c> and unreachable menus. Builds as much as it can and returns null when anything is wrong.
/// The transition table (<see cref="MenuTransitions"/>) is computed here, once per version.
/// </summary>
internal sealed partial class MenuFileCompiler(RawMenuFile file, ProblemCollector problems)
{
    // Twilio's <Say> limits: Amazon Polly voices take 3,000 characters, the others 4,096.
    private const int PollyLimit = 3000;
    private const int SayLimit = 4096;

    // Empty when the hotline's languages are missing or wrong; language checks are then skipped, as that error
    // is already reported and every text would repeat it.
    private readonly List<string> _languages = file.Hotline?.Languages.Select(l => l.Value).ToList() ?? [];
    private readonly Dictionary<string, string> _voices = [];
    private readonly List<string> _menuIds = file.Menus.Select(m => m.Id).ToList();
    private readonly List<string> _departmentIds = file.Departments.Select(d => d.Id).ToList();

    public MenuDefinition? Compile(string version)
    {
        var hotline = file.Hotline;
        CheckVoices();
        var zone = ResolveTimeZone(hotline?.TimeZone);
        var start = ResolveMenu(hotline?.Start);
        var onFail = ResolveMenu(hotline?.OnFail);

        var departments = new Dictionary<string, Department>();
        foreach (var raw in file.Departments)
        {
            if (BuildDepartment(raw) is { } department)
                departments[department.Id] = department;
        }
        var menus = new Dictionary<string, Menu>();
        foreach (var raw in file.Menus)
            menus[raw.Id] = BuildMenu(raw, hotline, onFail);
        var messages = BuildMessages();
        var transitions = MenuTransitions.Build(start, onFail, menus.Values.ToList(), file.Returning is null ? null : _departmentIds);

        CheckNextLoops();
        if (start is not null)
            WarnUnreachableMenus(transitions);

        if (problems.HasErrors || hotline?.Name is null || hotline.Start is null || zone is null || messages is null)
            return null;
        var settings = new HotlineSettings(
            hotline.Name.Value, zone, _languages.AsReadOnly(), _voices.AsReadOnly(), hotline.Start.Value,
            hotline.Attempts, hotline.TimeoutSeconds, hotline.OnFail?.Value,
            new AlertThresholds(hotline.ServiceLevelBelow, hotline.AbandonedAbove)) { LanguageFromShop = hotline.LanguageFromShop };
        return new MenuDefinition(version, settings, departments.AsReadOnly(), menus.AsReadOnly(), messages, transitions) { Returning = file.Returning };
    }

    private void CheckVoices()
    {
        foreach (var (language, voice) in file.Hotline?.Voices ?? [])
        {
            if (_languages.Contains(language.Value))
                _voices[language.Value] = voice.Value;
            else if (_languages.Count > 0)
                problems.Error(language.Node, language.Path, $"voice for '{language.Value}', which is not one of the hotline's languages ({Suggest.List(_languages)})");
        }
    }

    private TimeZoneInfo? ResolveTimeZone(Located<string>? id)
    {
        if (id is null)
            return null;
        TimeZoneInfo? zone = null;
        if (ZoneId().IsMatch(id.Value) && !id.Value.Contains(".."))
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(id.Value);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                zone = null;
            }
        }
        if (zone is null)
        {
            var hint = Suggest.Closest(id.Value, TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id), maxDistance: 3) is { } closest
                ? $"did you mean '{closest}'? " : "";
            problems.Error(id.Node, id.Path, $"unknown time zone '{id.Value}' ({hint}use an IANA id such as Europe/Warsaw)");
            return null;
        }
        // Windows ids resolve on some systems only; the file must mean the same everywhere.
        if (!TimeZoneInfo.TryConvertIanaIdToWindowsId(id.Value, out _)
            && TimeZoneInfo.TryConvertWindowsIdToIanaId(id.Value, out var iana))
        {
            problems.Error(id.Node, id.Path, $"'{id.Value}' is a Windows time zone id; use the IANA id '{iana}'");
            return null;
        }
        return zone;
    }

    private Department? BuildDepartment(RawDepartment raw)
    {
        var title = Text(raw.Title);
        if (title is null)
            return null;
        return new Department(
            raw.Id,
            title,
            new OpeningHours(
                raw.Weekly.ToDictionary(day => day.Key, day => (IReadOnlyList<TimeRange>)day.Value.AsReadOnly()).AsReadOnly(),
                raw.Closed.ToHashSet()),
            raw.Agents.AsReadOnly(),
            raw.OfferCallbackAfterSeconds) { Survey = raw.Survey };
    }

    private Menu BuildMenu(RawMenu raw, RawHotline? hotline, string? hotlineOnFail)
    {
        var onFail = raw.OnFail is { } own ? ResolveMenu(own) : hotlineOnFail;
        var options = new List<MenuOption>();
        foreach (var option in raw.Options)
        {
            if (BuildOption(option) is { } built)
                options.Add(built);
        }
        WarnAboutSharedKeywords(raw);
        CheckFirstNames(raw);
        return new Menu(
            raw.Id,
            Text(raw.Say),
            Text(raw.Prompt),
            options.AsReadOnly(),
            raw.Action is { Kind: "lookup" } ? Lookup(raw) : Action(raw.Action),
            raw.Attempts ?? hotline?.Attempts ?? 3,
            raw.TimeoutSeconds ?? hotline?.TimeoutSeconds ?? 5,
            onFail);
    }

    // Speech is matched option by option, so a keyword two options share always chooses the first of them.
    private void WarnAboutSharedKeywords(RawMenu raw)
    {
        var firstOption = new Dictionary<(string Language, string Keyword), string>();
        foreach (var option in raw.Options)
        {
            foreach (var (language, words) in option.Speech)
            {
                foreach (var word in words)
                {
                    var keyword = string.Join(' ', Engine.SpeechMatcher.Words(word));
                    if (keyword.Length == 0)
                        continue;
                    if (!firstOption.TryAdd((language.Value, keyword), option.Key) && firstOption[(language.Value, keyword)] != option.Key)
                        problems.Warning(language.Node, language.Path,
                            $"keyword '{word}' also chooses option \"{firstOption[(language.Value, keyword)]}\"; a caller who says it always gets that option");
                }
            }
        }
    }

    private MenuOption? BuildOption(RawOption raw)
    {
        if (raw.Language is { } language && !_languages.Contains(language.Value) && _languages.Count > 0)
            problems.Error(language.Node, language.Path, $"language '{language.Value}' is not one of the hotline's languages ({Suggest.List(_languages)})");

        var speech = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (speechLanguage, words) in raw.Speech)
        {
            if (_languages.Contains(speechLanguage.Value))
                speech[speechLanguage.Value] = words.AsReadOnly();
            else if (_languages.Count > 0)
                problems.Error(speechLanguage.Node, speechLanguage.Path, $"keywords for '{speechLanguage.Value}', which is not one of the hotline's languages ({Suggest.List(_languages)})");
        }

        var say = Text(raw.Say);
        var action = Action(raw.Action);
        return action is null ? null : new MenuOption(raw.Key, say, raw.Language?.Value, speech.AsReadOnly(), action);
    }

    /// <summary>
    /// A lookup names where the call goes in each case, so a shop that fails never leaves the caller stranded;
    /// those keys mean nothing without a lookup.
    /// </summary>
    private MenuAction.Lookup? Lookup(RawMenu raw)
    {
        var kind = raw.Action!.Target!;
        var known = MenuAction.Lookup.Kinds.Contains(kind.Value);
        if (!known)
            problems.Error(kind.Node, kind.Path, $"unknown lookup '{kind.Value}' (known: {string.Join(", ", MenuAction.Lookup.Kinds)})");
        var missing = new[] { ("found", raw.LookupFound), ("not_found", raw.LookupNotFound), ("on_error", raw.LookupOnError) }
            .Where(place => place.Item2 is null).Select(place => place.Item1).ToList();
        if (missing.Count > 0)
            problems.Error(raw.Key, raw.Path, $"lookup in menu '{raw.Id}' needs {string.Join(", ", missing)}: the menu to go on to when the order is found, when it is not, and when the shop does not answer");
        var found = ResolveMenu(raw.LookupFound);
        var notFound = ResolveMenu(raw.LookupNotFound);
        var onError = ResolveMenu(raw.LookupOnError);
        return missing.Count == 0 && found is not null && notFound is not null && onError is not null
            ? new MenuAction.Lookup(kind.Value, found, notFound, onError)
            : null;
    }

    private void CheckLookupKeys(RawMenu raw)
    {
        if (raw.Action is { Kind: "lookup" })
            return;
        foreach (var place in new[] { raw.LookupFound, raw.LookupNotFound, raw.LookupOnError }.OfType<Located<string>>())
            problems.Error(place.Node, place.Path, $"'{place.Path[(place.Path.LastIndexOf('.') + 1)..]}' is only used by a menu with lookup (lookup: order)");
    }

    // A first name the shop may not know needs the words to say instead: {first_name|Szanowni Państwo}.
    private void CheckFirstNames(RawMenu raw)
    {
        CheckLookupKeys(raw);
        foreach (var text in new[] { raw.Say, raw.Prompt }.Concat(raw.Options.Select(o => o.Say)).OfType<RawText>())
        {
            var strings = text.Same is { } same ? [(text.Node, text.Path, same)]
                : text.ByLanguage.Select(entry => ((YamlNode)entry.Text.Node, entry.Text.Path, entry.Text.Value));
            foreach (var (node, path, value) in strings)
            {
                foreach (var place in PersonalText.WithoutFallback(value))
                    problems.Error(node, path, $"{place} needs the words to say when the shop does not know the caller: {{first_name|...}}, e.g. {{first_name|Szanowni Państwo}} (the text after | may be empty)");
            }
        }
    }

    private MenuAction? Action(RawAction? raw) => raw switch
    {
        { Kind: "next", Target: { } target } => ResolveMenu(target) is { } menu ? new MenuAction.GoTo(menu) : null,
        { Kind: "route", Target: { } target } => DepartmentReference(target) ? new MenuAction.Route(target.Value) : null,
        { Kind: "callback", Target: { } target } => DepartmentReference(target) ? new MenuAction.Callback(target.Value) : null,
        { Kind: "hangup" } => new MenuAction.Hangup(),
        _ => null,
    };

    private bool DepartmentReference(Located<string> target)
    {
        if (_departmentIds.Contains(target.Value))
            return true;
        problems.Error(target.Node, target.Path, $"unknown department '{target.Value}' (known: {Suggest.List(_departmentIds)})");
        return false;
    }

    /// <summary>Checks a text against the hotline's languages and Twilio's length limit.</summary>
    private LocalizedText? Text(RawText? raw)
    {
        if (raw is null || _languages.Count == 0)
            return null;
        if (raw.Same is { } same)
        {
            // One string for all languages: the strictest voice's limit applies.
            var tightest = _languages.OrderBy(Limit).First();
            CheckLength(raw.Node, raw.Path, tightest, same);
            return LocalizedText.Same(same, _languages);
        }

        var byLanguage = new Dictionary<string, string>();
        foreach (var (language, text) in raw.ByLanguage)
        {
            if (!_languages.Contains(language.Value))
            {
                problems.Error(language.Node, language.Path, $"language '{language.Value}' is not one of the hotline's languages ({Suggest.List(_languages)})");
                continue;
            }
            CheckLength(text.Node, text.Path, language.Value, text.Value);
            byLanguage[language.Value] = text.Value;
        }
        var missing = _languages.Where(language => !raw.ByLanguage.Any(entry => entry.Language.Value == language)).ToList();
        if (missing.Count > 0)
        {
            problems.Error(raw.Node, raw.Path, $"missing translation for {string.Join(", ", missing)}; a caller must never hear silence (give every language of the hotline: {Suggest.List(_languages)}, or one plain string for all)");
            return null;
        }
        return byLanguage.Count > 0 ? new LocalizedText(byLanguage) : null;
    }

    private void CheckLength(YamlNode node, string path, string language, string text)
    {
        var limit = Limit(language);
        if (text.Length <= limit)
            return;
        var voice = _voices.GetValueOrDefault(language);
        problems.Error(node, path, $"the {language} text is {text.Length} characters long; Twilio's <Say> takes at most {limit} with {(voice is null ? "the default voice" : $"voice {voice}")}");
    }

    private int Limit(string language) =>
        _voices.GetValueOrDefault(language) is { } voice && voice.StartsWith("Polly.", StringComparison.OrdinalIgnoreCase)
            ? PollyLimit
            : SayLimit;

    private SystemMessages? BuildMessages()
    {
        if (_languages.Count == 0)
            return null;
        var overrides = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var message in file.Messages)
        {
            var texts = new Dictionary<string, string>();
            if (message.Text.Same is { } same)
            {
                CheckMessage(message, message.Text.Node, message.Text.Path, _languages.OrderBy(Limit).First(), same);
                foreach (var language in _languages)
                    texts[language] = same;
            }
            // A message may override some languages only; the others keep the built-in text.
            foreach (var (language, text) in message.Text.ByLanguage)
            {
                if (!_languages.Contains(language.Value))
                {
                    problems.Error(language.Node, language.Path, $"language '{language.Value}' is not one of the hotline's languages ({Suggest.List(_languages)})");
                    continue;
                }
                CheckMessage(message, text.Node, text.Path, language.Value, text.Value);
                texts[language.Value] = text.Value;
            }
            overrides[message.Key] = texts;
        }

        // A language without built-in texts (say de-DE) needs every message written in the file.
        var languageNodes = file.Hotline?.Languages ?? [];
        foreach (var language in languageNodes)
        {
            foreach (var key in SystemMessages.Defaults.Keys)
            {
                if (SystemMessages.HasBuiltIn(key, language.Value)
                    || (overrides.TryGetValue(key, out var own) && own.ContainsKey(language.Value)))
                    continue;
                var text = file.Messages.FirstOrDefault(m => m.Key == key)?.Text;
                var (node, path) = text is not null ? (text.Node, text.Path)
                    : file.MessagesNode is { } messagesNode ? ((YamlNode)messagesNode, "messages")
                    : (language.Node, language.Path);
                problems.Error(node, path, $"message '{key}' has no built-in {language.Value} text; add messages.{key}.{language.Value}");
            }
        }
        return SystemMessages.Build(_languages, overrides);
    }

    private void CheckMessage(RawMessage message, YamlNode node, string path, string language, string text)
    {
        CheckLength(node, path, language, text);
        var allowed = SystemMessages.Defaults[message.Key].Values
            .SelectMany(builtIn => Placeholder().Matches(builtIn).Select(m => m.Value))
            .Distinct()
            .ToList();
        foreach (var placeholder in Placeholder().Matches(text).Select(m => m.Value).Distinct())
        {
            if (!allowed.Contains(placeholder))
                problems.Error(node, path, $"unknown placeholder {placeholder} in message '{message.Key}' ({(allowed.Count == 0 ? "it takes none" : $"it can use {string.Join(", ", allowed)}")})");
        }
    }

    [GeneratedRegex(@"\{[a-z_]+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z0-9_+\-/ ]+$")]
    private static partial Regex ZoneId();
}
