using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ivr.Api.Tests;

/// <summary>Which store a test runs the service on.</summary>
public enum Backend
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, its own free port, trust for local
/// connections, started on first use and stopped and removed when the test process ends. Each test gets a database
/// of its own (<see cref="CreateDatabase"/>). Runs as the <c>postgres</c> user when the tests run as root
/// (PostgreSQL refuses to run as root).
/// </summary>
public static class PostgresCluster
{
    private static readonly Lazy<Cluster> Started = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    /// <summary>The connection string of a new, empty database on the test cluster.</summary>
    public static string CreateDatabase()
    {
        var cluster = Started.Value;
        var name = $"ivr_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0", connection);
            create.ExecuteNonQuery();
        }
        return cluster.ConnectionString(name);
    }

    private sealed record Cluster(string Folder, string Bin, int Port)
    {
        public string ConnectionString(string database) =>
            $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=40;Timeout=30";
    }

    private static string FindBin()
    {
        var given = Environment.GetEnvironmentVariable("IVR_POSTGRES_BIN");
        if (!string.IsNullOrEmpty(given))
            return given;
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb"))).Order().ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[^1], "bin")
            : throw new InvalidOperationException(
                "The PostgreSQL tests need initdb and pg_ctl: install Debian's postgresql-15 (apt-get install postgresql-15), " +
                "or set IVR_POSTGRES_BIN to the folder holding them.");
    }

    private static Cluster Start()
    {
        var bin = FindBin();
        SweepLeftovers();
        var folder = Directory.CreateTempSubdirectory("ivr-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
            Run("chown", "postgres:postgres", folder);
        var data = Path.Combine(folder, "data");
        RunAsOwner(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-locale", "--no-sync");
        var port = FreePort();
        // fsync off: the cluster is thrown away; durability is not what these tests check.
        var options = $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
                      "-c full_page_writes=off -c max_connections=400";
        RunAsOwner(asRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(folder, "log"), "-w", "-o", options, "start");
        var cluster = new Cluster(folder, bin, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(cluster, asRoot);
        return cluster;
    }

    private static void Stop(Cluster cluster, bool asRoot)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            RunAsOwner(asRoot, Path.Combine(cluster.Bin, "pg_ctl"), "-D", Path.Combine(cluster.Folder, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            // Hundreds of test databases take a while to delete, longer than a process may take to exit: a separate
            // rm finishes it, and the next run sweeps whatever a killed run left.
            Process.Start("rm", ["-rf", cluster.Folder]);
        }
    }

    // Folders of earlier runs whose server is no longer running (no postmaster.pid), and not being set up right now.
    private static void SweepLeftovers()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), "ivr-pg-*"))
        {
            if (File.Exists(Path.Combine(folder, "data", "postmaster.pid"))
                || Directory.GetCreationTimeUtc(folder) > DateTime.UtcNow.AddMinutes(-10))
                continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another run's, being set up or removed right now.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunAsOwner(bool asRoot, string program, params string[] arguments)
    {
        if (asRoot)
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        else
            Run(program, arguments);
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}{output.Result}");
    }
}
