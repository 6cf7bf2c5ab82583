using System.Xml.Linq;
using Dapper;
using Ivr.Api.Menus;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>A call driven webhook by webhook, so that the menu can change between two of the caller's key presses.</summary>
public sealed class SteppedCall(HotlineFactory factory, TwilioRequests twilio)
{
    private string _action = "";

    public string CallSid { get; } = TwilioRequests.NewCallSid();

    /// <summary>Everything said to the caller so far.</summary>
    public List<string> Spoken { get; } = [];

    /// <summary>The call's stored menu version after each webhook.</summary>
    public List<string> StoredVersions { get; } = [];

    /// <summary>The version new calls got when each webhook was answered.</summary>
    public List<string> LiveVersions { get; } = [];

    public Task StartAsync() => TakeAsync("/voice/incoming", TwilioRequests.IncomingCall(CallSid));

    /// <summary>Presses <paramref name="digits"/>, or (null) lets the menu time out.</summary>
    public Task PressAsync(string? digits) => TakeAsync(_action, TwilioRequests.Gathered(CallSid, digits));

    private async Task TakeAsync(string path, Dictionary<string, string> form)
    {
        XDocument twiml = await twilio.TwimlAsync(path, form);
        Spoken.AddRange(TwilioRequests.Spoken(twiml));
        _action = TwilioRequests.GatherAction(twiml);
        using var db = factory.OpenDatabase();
        LiveVersions.Add(factory.Services.GetRequiredService<MenuCatalog>().Current.Version);
        StoredVersions.Add(db.QuerySingle<string>("SELECT menu_version FROM calls WHERE call_sid = @CallSid", new { CallSid }));
    }
}
