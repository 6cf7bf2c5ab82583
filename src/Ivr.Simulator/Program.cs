using System.Net;
using System.Text;
using Ivr.Simulator;

Console.OutputEncoding = Encoding.UTF8;

// The account a service in local mode uses (Ivr.Api's TwilioCallsClient.LocalAccountSid).
const string LocalAccountSid = "AC00000000000000000000000000000000";

switch (PhoneCommandLine.Parse(args, Environment.GetEnvironmentVariable("Twilio__AuthToken")))
{
    case PhoneCommandLine.Help:
        Console.WriteLine(PhoneCommandLine.Usage);
        return 0;
    case PhoneCommandLine.Invalid invalid:
        Console.Error.WriteLine($"error: {invalid.Error}\n");
        Console.Error.WriteLine(PhoneCommandLine.Usage);
        return 2;
    case PhoneCommandLine.Call call:
        // Twilio gives a webhook 15 seconds to answer.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) })
        {
            // The call runs on a switchboard in real time, with Twilio's REST API on a local port, so that a service in
            // local mode can put the caller through to a (simulated) agent.
            var board = new Switchboard(http, new VirtualClock(DateTimeOffset.UtcNow),
                call.Switchboard(LocalAccountSid, (_, e) => Console.WriteLine(PhonePrinter.Format(e))));
            ICaller caller = call.Script is null ? new ConsoleCaller(Console.In, Console.Out) : new ScriptedCaller(call.Script);
            Console.WriteLine($"✆  calling {call.VoiceUrl} from {call.From}");
            try
            {
                await using var rest = new SwitchboardListener(board, SwitchboardListener.LocalPort);
                var record = await board.RunLiveAsync(new IncomingCall(TimeSpan.Zero, caller) { From = call.From, To = call.To });
                Console.WriteLine($"✆  call ended: {record.EndReason} after {record.VirtualDuration.TotalSeconds:0} s");
                return record.HadApplicationError || record.WasCutOff ? 1 : 0;
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"cannot reach {call.BaseUrl}: is the service running? Start it with `dotnet run --project src/Ivr.Api` ({e.Message})");
                return 1;
            }
            catch (HttpListenerException e)
            {
                Console.Error.WriteLine($"cannot serve Twilio's REST API on 127.0.0.1:{SwitchboardListener.LocalPort}: is another phone call running? ({e.Message})");
                return 1;
            }
            catch (TaskCanceledException)
            {
                Console.Error.WriteLine($"{call.BaseUrl} did not answer within {http.Timeout.TotalSeconds:0} s, so Twilio would give up too");
                return 1;
            }
        }
    default:
        throw new InvalidOperationException("unhandled command line");
}
