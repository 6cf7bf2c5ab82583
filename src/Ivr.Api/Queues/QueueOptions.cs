namespace Ivr.Api.Queues;

/// <summary>The <c>Queues</c> configuration section: how agents are handed calls.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queues";

    /// <summary>Seconds an agent has after a call before the next one is offered (notes, a breath).</summary>
    public int WrapUpSeconds { get; set; } = 30;

    /// <summary>Seconds an agent who did not answer an offered call is kept away from new ones.</summary>
    public int AwayAfterMissedSeconds { get; set; } = 300;

    /// <summary>Seconds a <c>&lt;Dial&gt;</c> to an agent rings before it counts as not answered.</summary>
    public int RingSeconds { get; set; } = 20;

    /// <summary>The typical handle time used until a department has its own figures.</summary>
    public int TypicalHandleSeconds { get; set; } = 240;

    /// <summary>The typical patience of a caller in a queue used until a department has its own figures.</summary>
    public int TypicalPatienceSeconds { get; set; } = 300;

    /// <summary>
    /// Seconds a caller in a queue, or an agent's call, may go unheard of before Twilio is asked whether the call is
    /// still on (its status callback or dial action may have been lost).
    /// </summary>
    public int SweepAfterSeconds { get; set; } = 120;
}

/// <summary>The <c>Admin</c> configuration section: who may use the admin console and the APIs.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>The key sent as X-Api-Key to the agent and admin APIs; without one nobody gets in.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The console's user name. There is no default: without it and a password the console lets nobody in.</summary>
    public string? Username { get; set; }

    /// <summary>The console's password, set together with <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>More console users, each with a role and a password hash (<c>hash-password</c> makes one).</summary>
    public List<ConsoleUser> Users { get; set; } = [];

    /// <summary>True when <see cref="Username"/> and <see cref="Password"/> are set: that user is an admin.</summary>
    public bool HasAdminUser => !string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password);

    /// <summary>True when anyone can sign in to the console.</summary>
    public bool HasConsoleUser => HasAdminUser || Users.Count > 0;
}

/// <summary>One entry of <c>Admin:Users</c>.</summary>
public sealed class ConsoleUser
{
    public string Name { get; set; } = "";

    /// <summary>ASP.NET Core's <c>PasswordHasher</c> hash of the password (PBKDF2), never the password itself.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary><c>admin</c>, <c>supervisor</c> or <c>viewer</c>.</summary>
    public string Role { get; set; } = "";
}
