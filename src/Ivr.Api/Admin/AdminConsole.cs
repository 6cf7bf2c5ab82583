using Ivr.Api.Menus;
using Ivr.Api.Persistence;
using Ivr.Api.Queues;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Admin;

/// <summary>
/// The admin console at <c>/admin</c>: one page written by hand (no external resources), sign-in with
/// <c>Admin:Username</c> and <c>Admin:Password</c> into a cookie session, sign-out. What the page shows comes from
/// the JSON endpoints under <c>/admin/api</c>, guarded by <see cref="AdminApiFilter"/>.
/// </summary>
public static class AdminConsole
{
    public sealed record SignIn(string? Username, string? Password);

    public sealed record Session(bool Configured, bool SignedIn, string? Username, string? Role, string? TimeZone = null);

    public static IServiceCollection AddAdminConsole(this IServiceCollection services)
    {
        services.AddSingleton<LoginThrottle>();
        DatabaseKeyRepository.AddSharedDataProtection(services);
        services.AddSingleton<DashboardStore>();
        services.AddSingleton<SupervisorStore>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
            {
                cookie.Cookie.Name = "ivr_admin";
                cookie.Cookie.Path = "/admin";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                // Secure whenever the console is reached over HTTPS (directly or through a proxy's X-Forwarded-Proto).
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                // The API answers 401/403; the page shows its own sign-in form rather than being redirected.
                cookie.Events.OnRedirectToLogin = redirect => Status(redirect.Response, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = redirect => Status(redirect.Response, StatusCodes.Status403Forbidden);
                cookie.Events.OnValidatePrincipal = async session =>
                {
                    var admin = session.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
                    if (session.Principal is null || !ConsoleCredentials.IsCurrent(session.Principal, admin))
                    {
                        session.RejectPrincipal();
                        await session.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            });
        return services;
    }

    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            ConsoleAssets.AddSecurityHeaders(context.HttpContext.Response);
            return await next(context);
        });

        console.MapGet("/", (IOptions<AdminOptions> options) => options.Value.HasConsoleUser
            ? ConsoleAssets.Result("console.html")
            : TypedResults.Content(ConsoleAssets.ClosedPage, "text/html; charset=utf-8"));
        console.MapGet("/console.js", () => ConsoleAssets.Result("console.js"));
        console.MapGet("/console.css", () => ConsoleAssets.Result("console.css"));

        console.MapGet("/session", (HttpContext http, IOptions<AdminOptions> options, MenuCatalog menus) => TypedResults.Ok(new Session(
            options.Value.HasConsoleUser,
            SignedIn: http.User.Identity?.IsAuthenticated == true,
            Username: http.User.Identity?.Name,
            Role: http.User.Identity?.IsAuthenticated == true ? ConsoleCredentials.RoleOf(http.User).Name() : null,
            TimeZone: menus.Current.Hotline.TimeZone.Id)));
        console.MapPost("/login", SignInAsync);
        console.MapPost("/logout", async (HttpContext http, AuditLog audit, TimeProvider time) =>
        {
            if (!ConsoleRequest.IsMarked(http.Request))
                return ConsoleRequest.Unmarked();
            if (http.User.Identity is { IsAuthenticated: true, Name: { } name })
                await audit.RecordAsync(name, "sign-out", null, null, time.GetUtcNow());
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        });
        return app;
    }

    private static async Task<IResult> SignInAsync(
        SignIn? attempt, HttpContext http, IOptions<AdminOptions> options, LoginThrottle throttle, SharedLimits shared, AuditLog audit,
        TimeProvider time, ILoggerFactory loggers)
    {
        var admin = options.Value;
        var logger = loggers.CreateLogger("Ivr.Admin");
        if (!admin.HasConsoleUser)
            return TypedResults.Problem(title: "The console is closed", detail: ConsoleAssets.HowToOpen, statusCode: StatusCodes.Status403Forbidden);
        // Checked before the password, so that another site cannot sign a browser in either.
        if (!ConsoleRequest.IsMarked(http.Request))
            return ConsoleRequest.Unmarked();

        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        // This instance's own count first (a pause here is a pause everywhere), then every instance's.
        var client = LoginThrottle.ClientKey(address);
        if ((throttle.RetryAfter(address) ?? await shared.SignInRetryAfterAsync(client, time.GetUtcNow(), http.RequestAborted)) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString();
            return TypedResults.Problem(
                title: "Too many failed sign-ins",
                detail: $"Sign-in from this address is paused after {LoginThrottle.MaxFailures} failures; try again in {Math.Ceiling(wait.TotalMinutes)} minute(s).",
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (ConsoleCredentials.Match(admin, attempt?.Username, attempt?.Password) is not { } role)
        {
            throttle.Failed(address);
            await shared.SignInFailedAsync(client, LoginThrottle.MaxFailures, LoginThrottle.Window, LoginThrottle.LockOut, time.GetUtcNow());
            logger.LogWarning("Failed console sign-in from {Address}", address);
            // The name typed may be a password typed in the wrong box: only its length is kept.
            await audit.RecordAsync("-", "sign-in-refused", null, $"from {address}, a name of {attempt?.Username?.Length ?? 0} characters", time.GetUtcNow());
            return TypedResults.Problem(title: "Wrong user name or password", statusCode: StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(address);
        await shared.SignInSucceededAsync(client);
        var username = attempt!.Username!;
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            ConsoleCredentials.Principal(admin, username, role, CookieAuthenticationDefaults.AuthenticationScheme));
        logger.LogInformation("Console sign-in of {User} ({Role}) from {Address}", username, role.Name(), address);
        await audit.RecordAsync(username, "sign-in", null, $"{role.Name()}, from {address}", time.GetUtcNow());
        return TypedResults.Ok(new Session(true, true, username, role.Name()));
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
