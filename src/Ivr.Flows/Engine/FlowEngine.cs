using Ivr.Flows.Model;

namespace Ivr.Flows.Engine;

/// <summary>
/// The menu state machine. A pure function from (menus, call state, caller input, time, context) to the new state,
/// the transition taken and what to tell the caller: no I/O, no clock, nothing kept between calls.
/// </summary>
public static class FlowEngine
{
    /// <summary>How many times a caller who keeps failing is sent to an on_fail menu before the call is ended.</summary>
    public const int MaxFallbacks = 2;

    /// <summary>
    /// The call's menu while a returning caller is offered to continue their last matter (never a menu id of the file,
    /// which cannot contain parentheses).
    /// </summary>
    public const string ReturningMenu = "(returning)";

    /// <summary>The <c>From</c> of the transition that begins a call (afresh, for a repeated <c>/voice/incoming</c>).</summary>
    public const string NewCall = "(new)";

    // What a caller may say to take the returning offer, besides pressing 1.
    private static readonly string[] Yes = ["1", "tak", "jeden", "jedynka", "yes", "one", "yeah"];

    /// <summary>Moves the call one step on <paramref name="input"/>.</summary>
    public static StepResult Step(
        MenuDefinition definition, CallState state, CallInput input, DateTimeOffset now, CallContext context)
    {
        var turn = new Turn(definition, state with { Step = state.Step + 1 }, now, context);
        var from = state.Menu;
        var (trigger, said) = input switch
        {
            CallInput.Start => Start(turn, definition, context, out from),
            _ when state.Phase != CallPhase.InMenu => Ended(turn),
            _ when state.Menu == ReturningMenu => Returning(turn, definition, input, context),
            CallInput.LookupDone done when definition.Menus.TryGetValue(state.Menu, out var looking)
                                           && looking.Action is MenuAction.Lookup lookup =>
                (turn.LookupDone(lookup, done), done.Input),
            _ when !definition.Menus.TryGetValue(state.Menu, out var menu) || !menu.AsksForInput =>
                (turn.Enter(definition.Hotline.Start, "replay"), null),
            CallInput.Replay => (turn.Offer(definition.Menus[state.Menu], reprompt: null), null),
            CallInput.Keys keys => Choose(turn, definition.Menus[state.Menu], keys.Digits.Trim(), isSpeech: false),
            CallInput.Speech speech when speech.Text.Trim().Length > 0 =>
                Choose(turn, definition.Menus[state.Menu], speech.Text.Trim(), isSpeech: true),
            _ => (turn.NotUnderstood(definition.Menus[state.Menu], SystemMessages.NoInput, "no_input"), null),
        };
        return new StepResult(turn.State, new Transition(from, turn.State.Menu, trigger, said), turn.Instructions);
    }

    private static (string, string?) Start(Turn turn, MenuDefinition definition, CallContext context, out string from)
    {
        from = NewCall;
        turn.State = CallState.Begin(definition) with { Step = turn.State.Step };
        // A caller the shop knows may start in their own language, if the hotline speaks it.
        if (definition.Hotline.LanguageFromShop && context.ShopLanguage is { } shopLanguage
            && definition.Hotline.Languages.Contains(shopLanguage))
            turn.State = turn.State with { Language = shopLanguage };
        return (turn.Enter(definition.Hotline.Start, "start"), null);
    }

    // A webhook for a call that has already left the menus (queued, booked, finished): end it politely.
    private static (string, string?) Ended(Turn turn)
    {
        turn.SayMessage(SystemMessages.Goodbye);
        turn.Instructions.Add(new Instruction.Hangup());
        turn.State = turn.State with { Phase = CallPhase.Finished };
        return ("ended", null);
    }

    // The answer to the returning offer: 1 (or "tak") goes straight to the department, anything else to the menus.
    private static (string, string?) Returning(Turn turn, MenuDefinition definition, CallInput input, CallContext context)
    {
        var said = input switch
        {
            CallInput.Keys keys => keys.Digits.Trim(),
            CallInput.Speech speech => speech.Text.Trim(),
            _ => null,
        };
        var accepted = said is not null && Yes.Any(word => said.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(part => string.Equals(part.Trim('.', ',', '!', '?'), word, StringComparison.OrdinalIgnoreCase)));
        if (accepted && context.Returning is { } matter && definition.Departments.TryGetValue(matter.Department, out var department))
        {
            var agent = matter.Outcome == ContactOutcome.Answered ? matter.AgentId : null;
            return ($"returning:{turn.Route(department, agent)}", said);
        }
        return ($"returning:{turn.AfterGreeting()}", said);
    }

    private static (string, string?) Choose(Turn turn, Menu menu, string input, bool isSpeech)
    {
        var option = isSpeech
            ? SpeechMatcher.Match(menu.Options, input, turn.State.Language)
            : menu.Options.FirstOrDefault(o => o.Key == input);
        if (option is null)
            return (turn.NotUnderstood(menu, SystemMessages.InvalidInput, "invalid"), input);

        if (option.Language is not null)
            turn.State = turn.State with { Language = option.Language };
        var said = option.Say is not null;
        if (option.Say is not null)
            turn.Say(option.Say);
        var trigger = turn.Perform(option.Action, said);
        return (isSpeech ? $"speech:{trigger}" : $"key:{trigger}", input);
    }

    /// <summary>The instructions of one step, built up as the call moves through menus without input.</summary>
    private sealed class Turn(MenuDefinition definition, CallState state, DateTimeOffset now, CallContext context)
    {
        public CallState State { get; set; } = state;
        public List<Instruction> Instructions { get; } = [];
        private int _entered;

        public string Enter(string menuId, string trigger)
        {
            // The validator refuses next-loops without input; this guard turns a missed one into a clear bug report.
            if (++_entered > definition.Menus.Count + 1)
                throw new InvalidOperationException(
                    $"Menu '{menuId}' of version {definition.Version} loops through next without asking for input.");

            var menu = definition.Menus[menuId];
            State = State with { Menu = menuId, Offered = 0, Phase = CallPhase.InMenu };
            if (menu.Say is not null)
                Say(menu.Say);
            // Right after the greeting, a returning caller is offered to continue their last matter.
            if (trigger == "start" && definition.Returning is not null && context.Returning is { } matter
                && definition.Departments.TryGetValue(matter.Department, out var department))
            {
                OfferReturning(matter, department);
                return trigger;
            }
            if (menu.AsksForInput)
            {
                Offer(menu, reprompt: null);
                return trigger;
            }
            var action = Perform(menu.Action!, said: menu.Say is not null);
            return trigger == "start" ? trigger : action;
        }

        public string Perform(MenuAction action, bool said) => action switch
        {
            MenuAction.GoTo goTo => Enter(goTo.Menu, "next"),
            MenuAction.Route route => Route(definition.Departments[route.Department]),
            MenuAction.Callback callback => Callback(definition.Departments[callback.Department]),
            MenuAction.Hangup => Hangup(said),
            MenuAction.Lookup lookup => Lookup(lookup),
            _ => throw new InvalidOperationException($"Unknown action {action} in menu '{State.Menu}'."),
        };

        private void OfferReturning(PreviousContact matter, Department department)
        {
            var zone = definition.Hotline.TimeZone;
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(matter.At, zone).DateTime);
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
            var text = definition.Messages.Get(SystemMessages.ReturningOffer, State.Language)
                .Replace("{when}", SpokenHistory.FromDay(day, today, State.Language))
                .Replace("{department}", department.Title.For(State.Language));
            var hints = State.Language.StartsWith("pl", StringComparison.OrdinalIgnoreCase) ? new[] { "tak", "jeden" } : ["yes", "one"];
            Instructions.Add(new Instruction.Gather([SayInstruction(LocalizedText.Capitalize(text))], State.Language,
                definition.Hotline.TimeoutSeconds, NumDigits: 1, hints));
            State = State with { Menu = ReturningMenu, Offered = 1 };
        }

        /// <summary>The caller declined the returning offer: the start menu goes on where the greeting left it.</summary>
        public string AfterGreeting()
        {
            var start = definition.Menus[definition.Hotline.Start];
            State = State with { Menu = start.Id, Offered = 0, Phase = CallPhase.InMenu };
            if (start.AsksForInput)
                return Offer(start, reprompt: null);
            return Perform(start.Action!, said: start.Say is not null);
        }

        public string Offer(Menu menu, string? reprompt)
        {
            var language = State.Language;
            var prompt = new List<Instruction.Say>();
            if (reprompt is not null)
                prompt.Add(SayInstruction(definition.Messages.Get(reprompt, language)));
            prompt.Add(SayInstruction(PersonalText.Fill(menu.Prompt!.For(language), context.FirstName)));
            var hints = menu.Options
                .SelectMany(o => o.Speech.GetValueOrDefault(language) ?? [])
                .Distinct()
                .ToList();
            Instructions.Add(new Instruction.Gather(prompt, language, menu.TimeoutSeconds, NumDigits: 1, hints));
            State = State with { Offered = State.Offered + 1 };
            return "offer";
        }

        public string NotUnderstood(Menu menu, string message, string trigger)
        {
            if (State.Offered < menu.Attempts)
            {
                Offer(menu, reprompt: message);
                return trigger;
            }
            SayMessage(message);
            if (menu.OnFail is null || State.Fallbacks >= MaxFallbacks)
            {
                Hangup(said: false);
                return "fail";
            }
            State = State with { Fallbacks = State.Fallbacks + 1 };
            Enter(menu.OnFail, "fail");
            return "fail";
        }

        public string Route(Department department, string? preferredAgent = null)
        {
            var zone = definition.Hotline.TimeZone;
            if (department.Hours.IsOpen(now, zone))
            {
                SayMessage(SystemMessages.QueueJoined, department);
                Instructions.Add(new Instruction.Enqueue(department.Id, State.Language, PreferredAgent: preferredAgent,
                    PreferredUntil: preferredAgent is null ? null : now.AddSeconds(definition.Returning?.SameAgentWaitSeconds ?? 0)));
                State = State with { Phase = CallPhase.Queued };
                return "route";
            }

            var opening = department.Hours.NextOpening(now, zone);
            if (opening is { } next)
            {
                var localNow = TimeZoneInfo.ConvertTime(now, zone).DateTime;
                var when = SpokenTime.Say(next, localNow, State.Language);
                SayMessage(SystemMessages.Closed, department, when);
                Instructions.Add(new Instruction.OfferCallback(department.Id, State.Language, when));
                State = State with { Phase = CallPhase.Finished };
                return "closed";
            }
            else
            {
                SayMessage(SystemMessages.ClosedIndefinitely, department);
            }
            Hangup(said: false);
            return "closed";
        }

        // The host looks it up (asking for a number if it needs one) and comes back with LookupDone.
        private string Lookup(MenuAction.Lookup lookup)
        {
            Instructions.Add(new Instruction.Lookup(lookup.Kind, State.Language));
            return "lookup";
        }

        public string LookupDone(MenuAction.Lookup lookup, CallInput.LookupDone done)
        {
            if (done.Said is { Length: > 0 } said)
                Instructions.Add(SayInstruction(said));
            Enter(lookup.Next(done.Outcome), "next");
            return "lookup_" + done.Outcome.ToString().ToLowerInvariant();
        }

        private string Callback(Department department)
        {
            // The host confirms the number with the caller (a withheld one is keyed in) and says the reference.
            var number = context.CallerNumber is { } caller && caller.StartsWith('+') ? caller : null;
            Instructions.Add(new Instruction.BookCallback(department.Id, number));
            State = State with { Phase = CallPhase.CallbackBooked };
            return "callback";
        }

        private string Hangup(bool said)
        {
            if (!said)
                SayMessage(SystemMessages.Goodbye);
            Instructions.Add(new Instruction.Hangup());
            State = State with { Phase = CallPhase.Finished };
            return "hangup";
        }

        public void Say(LocalizedText text) =>
            Instructions.Add(SayInstruction(PersonalText.Fill(text.For(State.Language), context.FirstName)));

        public void SayMessage(string key, Department? department = null, string? when = null)
        {
            var text = definition.Messages.Get(key, State.Language);
            if (department is not null)
                text = text.Replace("{department}", department.Title.For(State.Language));
            if (when is not null)
                text = text.Replace("{when}", when);
            Instructions.Add(SayInstruction(LocalizedText.Capitalize(text)));
        }

        private Instruction.Say SayInstruction(string text) =>
            new(text, State.Language, definition.VoiceFor(State.Language));
    }
}
