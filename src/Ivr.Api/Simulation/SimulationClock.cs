using System.Globalization;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Simulation;

/// <summary>
/// The <c>Simulation</c> configuration section: a clock for benchmarks and fault drills, never for a real hotline.
/// A simulator started the simulated day at <see cref="ClockStart"/> when the wall clock read
/// <see cref="ClockOrigin"/> (unix milliseconds), and runs it <see cref="ClockSpeed"/> times faster than real time;
/// a service process given the same three values keeps the same time as the simulator, across restarts.
/// </summary>
public sealed class SimulationOptions
{
    public const string SectionName = "Simulation";

    /// <summary>The simulated moment at <see cref="ClockOrigin"/>, ISO 8601 with an offset (2026-11-25T08:00:00Z).</summary>
    public string? ClockStart { get; set; }

    /// <summary>The wall-clock instant the simulation started, in unix milliseconds.</summary>
    public long? ClockOrigin { get; set; }

    /// <summary>How many simulated seconds pass in one real second.</summary>
    public double? ClockSpeed { get; set; }

    public bool IsOn => ClockStart is not null || ClockOrigin is not null || ClockSpeed is not null;

    public DateTimeOffset Start => DateTimeOffset.Parse(ClockStart!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public DateTimeOffset Origin => DateTimeOffset.FromUnixTimeMilliseconds(ClockOrigin!.Value);

    public static bool IsIsoTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
}

/// <summary>
/// Simulated time on the wall clock: now = start + (wall now - origin) × speed, and every timer (the rounds' sleeps,
/// retry delays, ring and wrap-up times) runs speed times shorter, so that the service's time agrees with a
/// simulator's that computes it the same way, in another process.
/// </summary>
public sealed class SimulationClock(DateTimeOffset start, DateTimeOffset origin, double speed, TimeProvider wall) : TimeProvider
{
    public DateTimeOffset Start => start;
    public DateTimeOffset Origin => origin;
    public double Speed => speed;

    public override DateTimeOffset GetUtcNow() => start + (wall.GetUtcNow() - origin) * speed;

    public override TimeZoneInfo LocalTimeZone => wall.LocalTimeZone;

    // Elapsed times measured with timestamps are simulated too.
    public override long TimestampFrequency => Math.Max(1, (long)(wall.TimestampFrequency / speed));

    public override long GetTimestamp() => wall.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        wall.CreateTimer(callback, state, Shorten(dueTime), Shorten(period));

    private TimeSpan Shorten(TimeSpan span) => span <= TimeSpan.Zero ? span : span / speed;
}

public static class SimulationClockRegistration
{
    /// <summary>
    /// Replaces the service's clock with a <see cref="SimulationClock"/> when the Simulation section is set; without
    /// it nothing changes. The settings are checked at start (<see cref="Announce"/>), with a message naming the key.
    /// </summary>
    public static WebApplicationBuilder AddSimulationClock(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetSection(SimulationOptions.SectionName).GetChildren().Any())
            return builder;
        builder.Services.AddOptions<SimulationOptions>().BindConfiguration(SimulationOptions.SectionName)
            .Validate(o => o.ClockStart is not null && o.ClockOrigin is not null && o.ClockSpeed is not null,
                "Simulation:ClockStart, Simulation:ClockOrigin and Simulation:ClockSpeed go together: set all three for a " +
                "simulated clock (benchmarks only), or none for the real one")
            .Validate(o => o.ClockStart is null || SimulationOptions.IsIsoTime(o.ClockStart),
                "Simulation:ClockStart must be an ISO 8601 time such as 2026-11-25T08:00:00Z")
            .Validate(o => o.ClockOrigin is null or > 0,
                "Simulation:ClockOrigin must be the wall-clock instant the simulation started, in unix milliseconds (e.g. 1764748800000)")
            .Validate(o => o.ClockSpeed is null or >= 1 and <= 1000,
                "Simulation:ClockSpeed must be between 1 and 1000 (simulated seconds per real second, e.g. 25)")
            .ValidateOnStart();
        builder.Services.AddSingleton<TimeProvider>(services =>
        {
            var options = services.GetRequiredService<IOptions<SimulationOptions>>().Value;
            return new SimulationClock(options.Start, options.Origin, options.ClockSpeed!.Value, System);
        });
        return builder;
    }

    /// <summary>Checks the settings (throws <see cref="OptionsValidationException"/>) and says loudly that the
    /// service does not run on real time.</summary>
    public static void Announce(IServiceProvider services, ILogger logger)
    {
        if (services.GetService<IOptions<SimulationOptions>>()?.Value is not { IsOn: true })
            return;
        if (services.GetRequiredService<TimeProvider>() is SimulationClock clock)
            logger.LogWarning("SIMULATED CLOCK: Simulation:* is set, so the service runs on simulated time ({Start:O} at unix ms " +
                              "{Origin}, {Speed}x real time), now {Now:O}. For benchmarks and fault drills only: never take real calls like this",
                clock.Start, clock.Origin.ToUnixTimeMilliseconds(), clock.Speed, clock.GetUtcNow());
    }

    private static TimeProvider System => TimeProvider.System;
}
