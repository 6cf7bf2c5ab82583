namespace Ivr.Api.Admin;

/// <summary>What a console user may do, each role all that the one before it may and more.</summary>
public enum ConsoleRole
{
    /// <summary>Reads the figures.</summary>
    Viewer,

    /// <summary>Also runs the floor: agents, callbacks, and reads the menu.</summary>
    Supervisor,

    /// <summary>Everything, menu edits and rollbacks included.</summary>
    Admin,
}

/// <summary>The least role an admin API endpoint needs; an endpoint without one needs <see cref="ConsoleRole.Admin"/>.</summary>
public sealed record ConsoleAccess(ConsoleRole Least);

public static class ConsoleRoles
{
    /// <summary>Lets console users of <paramref name="least"/> or a higher role use these endpoints.</summary>
    public static TBuilder AllowConsoleRole<TBuilder>(this TBuilder builder, ConsoleRole least) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ConsoleAccess(least));

    /// <summary>"viewer", "supervisor", "admin": the role as settings and the console write it.</summary>
    public static string Name(this ConsoleRole role) => role.ToString().ToLowerInvariant();

    public static ConsoleRole? Parse(string? name) =>
        Enum.TryParse<ConsoleRole>(name, ignoreCase: true, out var role) && Enum.IsDefined(role) && !int.TryParse(name, out _) ? role : null;
}
