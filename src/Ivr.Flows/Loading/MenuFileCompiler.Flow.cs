using Ivr.Flows.Model;

namespace Ivr.Flows.Loading;

/// <summary>The checks on how a call moves through the menus: references, loops of next, unreachable menus.</summary>
internal sealed partial class MenuFileCompiler
{
    /// <summary>
    /// Reports a reference to a menu the file does not have, and returns the menu it means: itself, or for a slip
    /// the closest menu id. The file is unusable then anyway; the guess only keeps the reachability check from
    /// reporting every menu behind the slip again.
    /// </summary>
    private string? ResolveMenu(Located<string>? target)
    {
        if (target is null || _menuIds.Contains(target.Value))
            return target?.Value;
        var likely = Suggest.Closest(target.Value, _menuIds);
        var hint = likely is not null ? $"; did you mean '{likely}'?" : "";
        problems.Error(target.Node, target.Path, $"unknown menu '{target.Value}' (known: {Suggest.List(_menuIds)}){hint}");
        return likely;
    }

    /// <summary>
    /// Menus that only say and go on with <c>next</c> must not form a cycle: nothing would ever stop the caller.
    /// Each such menu has one <c>next</c>, so following them from every menu finds every cycle.
    /// </summary>
    private void CheckNextLoops()
    {
        var next = file.Menus
            .Where(m => m.Action is { Kind: "next", Target: { } t } && _menuIds.Contains(t.Value))
            .ToDictionary(m => m.Id, m => m.Action!.Target!.Value);
        var done = new HashSet<string>();
        foreach (var menu in file.Menus)
        {
            var path = new List<string>();
            var current = menu.Id;
            while (!done.Contains(current) && !path.Contains(current) && next.ContainsKey(current))
            {
                path.Add(current);
                current = next[current];
            }
            if (path.Contains(current))
            {
                var cycle = path[path.IndexOf(current)..];
                // Start the report at the cycle's first menu in the file, so it does not depend on where we entered.
                var first = _menuIds.Where(cycle.Contains).First();
                var offset = cycle.IndexOf(first);
                var ordered = cycle[offset..].Concat(cycle[..offset]).Append(first);
                var target = file.Menus.First(m => m.Id == first).Action!.Target!;
                problems.Error(target.Node, target.Path,
                    $"menus {string.Join(" -> ", ordered)} go round through next without asking for input; a caller would loop forever (give one of them options, or end the chain with route, callback or hangup)");
            }
            done.UnionWith(path);
        }
    }

    /// <summary>
    /// Warns once for each menu that no transition from the start leads to, naming the menus only it leads to, so
    /// one cut-off branch is one warning. It walks the same table the engine steps along.
    /// </summary>
    private void WarnUnreachableMenus(MenuTransitions transitions)
    {
        var reported = _menuIds.Where(id => !transitions.Unreachable.Contains(id)).ToHashSet();
        foreach (var menu in file.Menus.Where(m => !reported.Contains(m.Id)))
        {
            // The first menu in the file of a cut-off branch stands for it, unless another cut-off menu leads to it.
            var leader = file.Menus.FirstOrDefault(other => !reported.Contains(other.Id) && other.Id != menu.Id
                && transitions.Reached([other.Id], reported).Contains(menu.Id) && !transitions.Reached([menu.Id], reported).Contains(other.Id));
            if (leader is not null)
                continue;
            var behind = transitions.Reached([menu.Id], reported).Where(id => id != menu.Id).Order(StringComparer.Ordinal).ToList();
            reported.Add(menu.Id);
            reported.UnionWith(behind);
            var also = behind.Count == 0 ? "" : $"; so are the menus only it leads to: {string.Join(", ", behind.Select(id => $"'{id}'"))}";
            problems.Warning(menu.Key, menu.Path, $"menu '{menu.Id}' is never reached: no start, next, option or on_fail leads to it{also}");
        }
    }
}
