using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

/// <summary>The busy hour's small parts: its database, its callers' numbers and draws, and the printed table.</summary>
internal static class RunParts
{
    // A fresh database for the run on the PostgreSQL server of the connection string given.
    public static async Task<string> CreateDatabaseAsync(string given)
    {
        var server = new Npgsql.NpgsqlConnectionStringBuilder(given);
        var name = $"ivr_busy_hour_{Environment.ProcessId}_{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
        await using (var connection = new Npgsql.NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync();
        }
        server.Database = name;
        return server.ConnectionString;
    }

    // Polish mobile numbers, one per caller.
    public static string CallerNumber(int index) => $"+4850{index.ToString("D7", CultureInfo.InvariantCulture)}";

    // Separate, repeatable streams of draws from one seed.
    public static Random Seeded(int seed, int stream) => new(unchecked(seed * 1_000_003 + stream));

    public static string Format(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "-";

    public static double? Nullable(JsonElement element) => element.ValueKind == JsonValueKind.Null ? null : element.GetDouble();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The service's figures beside the truth, and their ratio.
    public static void Table(JsonElement reported, IReadOnlyDictionary<string, double?> truth, string prefix)
    {
        foreach (var (name, expected) in truth)
        {
            var value = Nullable(reported.GetProperty(name));
            var ratio = value is { } r && expected is { } e && e != 0 ? (r / e).ToString("F3", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine($"{prefix + name,-34} {Format(value),10} {Format(expected),10} {ratio,7}");
        }
    }
}
