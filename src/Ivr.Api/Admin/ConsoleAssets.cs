using System.Collections.Frozen;
using System.Net;

namespace Ivr.Api.Admin;

/// <summary>
/// The console's page, script and style sheet, embedded in the service (<c>Admin/Console/</c>), so that nothing is
/// fetched from anywhere else and nothing outside <c>/admin</c> serves them.
/// </summary>
public static class ConsoleAssets
{
    public const string HowToOpen =
        "Set Admin:Username and Admin:Password (at least 10 characters), for example as the environment variables " +
        "Admin__Username and Admin__Password, and restart the service.";

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files =
        new Dictionary<string, (byte[], string)>
        {
            ["console.html"] = (Read("console.html"), "text/html; charset=utf-8"),
            ["console.js"] = (Read("console.js"), "text/javascript; charset=utf-8"),
            ["console.css"] = (Read("console.css"), "text/css; charset=utf-8"),
        }.ToFrozenDictionary();

    public static IResult Result(string name)
    {
        var (content, contentType) = Files[name];
        return TypedResults.Bytes(content, contentType);
    }

    /// <summary>What <c>/admin</c> shows while no console user is configured.</summary>
    public static string ClosedPage { get; } =
        $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Hotline admin: closed</title>
          <link rel="stylesheet" href="/admin/console.css">
        </head>
        <body>
          <main class="closed">
            <h1>The admin console is closed</h1>
            <p>No administrator is configured, so nobody can sign in.</p>
            <p>{{WebUtility.HtmlEncode(HowToOpen)}}</p>
            <pre>export Admin__Username=admin
        export Admin__Password='a long passphrase'</pre>
            <p>or in <code>appsettings.json</code>:</p>
            <pre>{ "Admin": { "Username": "admin", "Password": "a long passphrase" } }</pre>
          </main>
        </body>
        </html>
        """;

    /// <summary>No scripts, styles or frames from anywhere else; no sniffing; no referrer leaking the console's URL.</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-cache";
    }

    private static byte[] Read(string name)
    {
        var resource = $"Ivr.Api.Admin.Console.{name}";
        using var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The console file {resource} is not embedded in the service.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
