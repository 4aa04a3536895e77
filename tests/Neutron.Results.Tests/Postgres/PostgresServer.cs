// A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, `initdb` into a temporary folder,
// started on a free loopback port (as the `postgres` user when the tests run as root, since the server refuses
// root), and stopped and deleted when the test process ends. TCP logins need a password, which this process and the
// `neutron` processes it starts take from PGPASSWORD, as users do. One server per test process; each test makes its
// own database. When no server can start, PostgresFact skips with the reason.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Neutron.Results.Tests.Postgres;

public sealed class PostgresServer
{
    static readonly Lazy<(PostgresServer? Server, string? Why)> Shared = new(Start);

    /// <summary>The running server, or null with the reason none could start.</summary>
    public static PostgresServer? Instance => Shared.Value.Server;
    public static string? Unavailable => Shared.Value.Why;

    /// <summary>The test user's password, also set as PGPASSWORD for this process and its children.</summary>
    public const string Password = "neutron-test-password";

    readonly string _bin, _folder;
    readonly string? _runAs;
    int _databases;

    public int Port { get; }

    PostgresServer(string bin, string folder, string? runAs, int port) => (_bin, _folder, _runAs, Port) = (bin, folder, runAs, port);

    /// <summary>A new empty database on the server, as a `--db` URL.</summary>
    public string NewDatabase()
    {
        string name = $"t{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}";
        using var c = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=neutron;Password={Password};Database=postgres;Pooling=false");
        c.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE {name};", c);
        cmd.ExecuteNonQuery();
        return $"postgresql://neutron@127.0.0.1:{Port}/{name}";
    }

    static (PostgresServer?, string?) Start()
    {
        string? bin = FindBin();
        if (bin is null) return (null, "PostgreSQL is not installed (Debian package postgresql: initdb and pg_ctl not found)");
        string? runAs = null;
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root" || IsRoot())
        {
            if (!File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser")) return (null, "running as root and runuser is missing: the server refuses to run as root");
            runAs = "postgres";
        }
        SweepStale();
        string folder = Directory.CreateTempSubdirectory("neutron-pg-").FullName;
        try
        {
            if (runAs is not null)
            {
                var (chown, chownOut) = Run("chown", ["-R", runAs, folder], null);
                if (chown != 0) return (null, $"cannot give {folder} to user {runAs}: {chownOut}");
            }
            int port = FreePort();
            string data = Path.Combine(folder, "data");
            string passwordFile = Path.Combine(folder, "password");
            File.WriteAllText(passwordFile, Password + "\n");
            if (runAs is not null) Run("chown", [runAs, passwordFile], null);
            var (init, initOut) = Run(Path.Combine(bin, "initdb"),
                ["-D", data, "-U", "neutron", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--locale=C"], runAs);
            if (init != 0) return (null, $"initdb failed: {Last(initOut)}");
            var (start, startOut) = Run(Path.Combine(bin, "pg_ctl"),
                ["-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
                 "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"], runAs);
            if (start != 0) return (null, $"the server did not start: {Last(startOut)} {Last(ReadLog(folder))}");
            var server = new PostgresServer(bin, folder, runAs, port);
            Environment.SetEnvironmentVariable("PGPASSWORD", Password);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
            return (server, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return (null, $"cannot start PostgreSQL: {e.Message}");
        }
    }

    void Stop()
    {
        Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "stop"], _runAs);
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>Deletes the folders of earlier test processes whose server is gone (a test host may be ended before
    /// its exit handler finishes deleting).</summary>
    static void SweepStale()
    {
        foreach (var old in Directory.GetDirectories(Path.GetTempPath(), "neutron-pg-*"))
        {
            if (File.Exists(Path.Combine(old, "data", "postmaster.pid"))) continue;
            try { Directory.Delete(old, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    static string? FindBin()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb"))).OrderByDescending(d => int.TryParse(Path.GetFileName(d), out int v) ? v : 0).ToList()
            : [];
        if (versions.Count > 0) return Path.Combine(versions[0], "bin");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"))) return dir;
        return null;
    }

    static bool IsRoot()
    {
        var (code, output) = Run("id", ["-u"], null);
        return code == 0 && output.Trim() == "0";
    }

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    static string ReadLog(string folder)
    {
        try { return File.ReadAllText(Path.Combine(folder, "server.log")); }
        catch (IOException) { return ""; }
    }

    static string Last(string text) => text.Trim().Split('\n').LastOrDefault() ?? "";

    static (int Code, string Output) Run(string file, IEnumerable<string> args, string? runAs)
    {
        var info = new ProcessStartInfo(runAs is null ? file : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (runAs is not null)
        {
            foreach (var a in new[] { "-u", runAs, "--", file }) info.ArgumentList.Add(a);
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        // pg_ctl start leaves the server holding inherited pipes: read to the end only what exits.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(5));
        return (p.ExitCode, (stdout.IsCompletedSuccessfully ? stdout.Result : "") + (stderr.IsCompletedSuccessfully ? stderr.Result : ""));
    }
}

/// <summary>A test that needs the throwaway server: skipped, with the reason, when it cannot start.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.Unavailable is { } why) Skip = why;
    }
}
