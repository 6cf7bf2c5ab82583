namespace Ivr.Simulator;

/// <summary>The arguments of the phone command: `call BASE_URL [--keys 1,9] [--from N] [--to N] [--token T]`.</summary>
public abstract record PhoneCommandLine
{
    public const string Usage = """
        Calls the hotline like Twilio would, and lets you listen and press keys.

        usage: dotnet run --project src/Ivr.Simulator -- call BASE_URL [options]

          BASE_URL          the running service, e.g. http://localhost:5000
          --keys STEPS      answer each menu from a script instead of the console, comma-separated:
                            digits are keys ("1", "123#"), words are speech, "-" is silence; e.g. 1,status,-
          --from NUMBER     caller id (default +48500100200; "anonymous" withholds it)
          --to NUMBER       the hotline number called (default +48221000000)
          --token TOKEN     auth token for X-Twilio-Signature (default: $Twilio__AuthToken, else the local one)
          --help            this text

        Exit code: 0 the call ended normally, 1 application error or service unreachable, 2 bad arguments.
        """;

    public sealed record Call(string BaseUrl, IReadOnlyList<string>? Script, string From, string To, string AuthToken) : PhoneCommandLine
    {
        public Uri VoiceUrl => new($"{BaseUrl.TrimEnd('/')}/voice/incoming");
        public Uri StatusCallbackUrl => new($"{BaseUrl.TrimEnd('/')}/voice/status");

        /// <summary>
        /// The switchboard of this call, in real time: whoever is dialed answers after 3 s and talks for 20 s.
        /// </summary>
        public SwitchboardOptions Switchboard(string accountSid, Action<string, CallEvent> onEvent) => new()
        {
            AccountSid = accountSid,
            AuthToken = AuthToken,
            VoiceUrl = VoiceUrl,
            StatusCallbackUrl = StatusCallbackUrl,
            AnyOtherAgent = SimulatedAgent.Answering(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(20)),
            Patience = _ => TimeSpan.FromHours(1),
            OnEvent = onEvent,
            // A new call each time: a fixed seed would draw the same CallSid, and the service would take a second
            // call for the first one again.
            Seed = Random.Shared.Next(),
        };
    }

    public sealed record Help : PhoneCommandLine;

    public sealed record Invalid(string Error) : PhoneCommandLine;

    public static PhoneCommandLine Parse(IReadOnlyList<string> args, string? environmentToken)
    {
        if (args.Any(a => a is "--help" or "-h"))
            return new Help();
        if (args.Count == 0)
            return new Invalid("missing the command: call");
        if (args[0] != "call")
            return new Invalid($"unknown command '{args[0]}': the only command is call");
        if (args.Count < 2 || args[1].StartsWith("--", StringComparison.Ordinal))
            return new Invalid("missing the service URL, e.g. http://localhost:5000");
        if (!Uri.TryCreate(args[1], UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            return new Invalid($"'{args[1]}' is not an http(s) URL");

        var call = new Call(args[1], null, CallSetup.DefaultFrom, CallSetup.DefaultTo,
            string.IsNullOrEmpty(environmentToken) ? SimulatorOptions.DefaultAuthToken : environmentToken);
        for (var i = 2; i < args.Count; i += 2)
        {
            var option = args[i];
            if (option is not ("--keys" or "--from" or "--to" or "--token"))
                return new Invalid($"unknown option '{option}'");
            if (i + 1 >= args.Count || args[i + 1].Length == 0)
                return new Invalid($"{option} needs a value");
            var value = args[i + 1];
            call = option switch
            {
                "--keys" => call with { Script = value.Split(',') },
                "--from" => call with { From = value },
                "--to" => call with { To = value },
                _ => call with { AuthToken = value },
            };
        }
        return call;
    }
}
