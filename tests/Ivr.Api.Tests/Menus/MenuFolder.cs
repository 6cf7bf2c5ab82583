using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ivr.Api.Menus;
using Ivr.Flows.Loading;
using Microsoft.Extensions.DependencyInjection;

namespace Ivr.Api.Tests;

/// <summary>
/// A copy of the sample menu in a folder of its own, edited the way admins and their editors do it, and a service
/// that runs on it.
/// </summary>
public sealed partial class MenuFolder : IDisposable
{
    public const string ApiKey = "test-admin-key";

    public static readonly string Sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-menus.yaml"));

    public MenuFolder(string? content = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), $"ivr-menus-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        FilePath = Path.Combine(Folder, "ivr-menus.yaml");
        File.WriteAllText(FilePath, content ?? Sample);
    }

    public string Folder { get; }
    public string FilePath { get; }

    /// <summary>The service on this folder's menu file, with the admin API open to <see cref="ApiKey"/> unless settings say otherwise.</summary>
    public HotlineFactory Hotline(Dictionary<string, string?>? settings = null) => Hotline(settings, watchFile: true);

    /// <summary>
    /// The service without its file watcher: the test applies each edit itself with <see cref="ReloadAsync"/>, as the
    /// watcher would, and knows when it is done instead of waiting on the wall clock for the watcher to notice.
    /// </summary>
    public HotlineFactory UnwatchedHotline(Dictionary<string, string?>? settings = null) => Hotline(settings, watchFile: false);

    private HotlineFactory Hotline(Dictionary<string, string?>? settings, bool watchFile)
    {
        var all = new Dictionary<string, string?> { ["Ivr:MenuFile"] = FilePath, ["Admin:ApiKey"] = ApiKey };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        return new HotlineFactory(settings: all, services: watchFile ? null : services =>
        {
            foreach (var watcher in services.Where(s => s.ImplementationType == typeof(MenuFileWatcher)).ToList())
                services.Remove(watcher);
        });
    }

    /// <summary>What the file watcher does once the file has settled: read it, and apply what was read.</summary>
    public async Task<FileReload> ReloadAsync(HotlineFactory factory) =>
        await ReloadAsync(factory, await MenuCatalog.ReadFileAsync(FilePath));

    /// <summary>Applies <paramref name="read"/>, what the watcher read of the file, which may no longer be the file.</summary>
    public static Task<FileReload> ReloadAsync(HotlineFactory factory, string? read) =>
        factory.Services.GetRequiredService<MenuCatalog>().ReloadFileAsync(read);

    /// <summary>/healthz now, with its details (asked with <see cref="ApiKey"/>).</summary>
    public static async Task<JsonElement> HealthAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("X-Api-Key", ApiKey);
        using var response = await client.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The sample menu with "Wydanie n." at the end of the welcome, the main prompt and three submenu prompts.</summary>
    public static string Edition(int n) => Sample
        .Replace("aby poprawić jakość obsługi.\"", $"aby poprawić jakość obsługi. Wydanie {n}.\"")
        .Replace("Rozmowa z konsultantem: 0. For English, press 9.", $"Rozmowa z konsultantem: 0. For English, press 9. Wydanie {n}.")
        .Replace("Powrót do menu głównego: gwiazdka.", $"Powrót do menu głównego: gwiazdka. Wydanie {n}.");

    /// <summary>The editions named in what a caller heard.</summary>
    public static IEnumerable<int> EditionsIn(IEnumerable<string> spoken) =>
        spoken.SelectMany(text => EditionMark().Matches(text)).Select(match => int.Parse(match.Groups[1].Value));

    public static string VersionOf(string content) => MenuLoader.Version(content);

    /// <summary>Saves in place, as most editors do: the file is truncated and written.</summary>
    public void Write(string content) => File.WriteAllText(FilePath, content);

    /// <summary>Saves as vim and many IDEs do: a new file next to it, renamed over it.</summary>
    public void WriteByRename(string content)
    {
        var temporary = Path.Combine(Folder, $".ivr-menus.yaml.{Guid.NewGuid():N}.swp");
        File.WriteAllText(temporary, content);
        File.Move(temporary, FilePath, overwrite: true);
    }

    public string Read() => File.ReadAllText(FilePath);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A watcher that has not let go yet; the temp folder is cleaned up with the others.
        }
    }

    [GeneratedRegex(@"Wydanie (\d+)\.")]
    private static partial Regex EditionMark();
}
