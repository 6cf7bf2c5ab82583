using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Flows.Engine;
using Ivr.Flows.Model;

namespace Ivr.Api.Voice;

/// <summary>A call as the webhooks answer it: its state (null for a call the service does not know), the menu version it started on and its language.</summary>
public sealed record CallMenu(CallState? State, MenuDefinition Definition, string Language);

/// <summary>Finds the menu version and language a call is answered in: its own, or the live menu's for a call the service does not know.</summary>
public sealed class CallMenus(CallStore calls, MenuCatalog menus)
{
    public async Task<CallMenu> ForCallAsync(string callSid, CancellationToken ct)
    {
        var state = callSid.Length > 0 ? await calls.FindAsync(callSid, ct) : null;
        var definition = state is null ? menus.Current : await menus.ForVersionAsync(state.MenuVersion, ct);
        return new CallMenu(state, definition, state?.Language ?? definition.DefaultLanguage);
    }
}
