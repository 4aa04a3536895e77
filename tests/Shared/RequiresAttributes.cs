// Tests that need something outside the repository (a Debian package's files, Python modules) are reported as
// skipped with the reason when it is missing, never passed: xunit 2 decides skips when it discovers tests, so these
// attributes check at construction. test.sh installs everything they look for.
using System.Diagnostics;

namespace Neutron.Tests.Shared;

/// <summary>A fact skipped, with a reason naming what to install, when a file is missing.</summary>
public sealed class FactRequiringFileAttribute : FactAttribute
{
    public FactRequiringFileAttribute(string path, string install)
    {
        if (!File.Exists(path)) Skip = $"{path} not found; install {install}";
    }
}

/// <summary>A theory skipped when a file is missing, or when python3 cannot import the modules named.</summary>
public sealed class TheoryRequiringAttribute : TheoryAttribute
{
    public TheoryRequiringAttribute(string path, string install, string pythonModules = "")
    {
        if (!File.Exists(path)) Skip = $"{path} not found; install {install}";
        else if (pythonModules.Length > 0 && !Python.CanImport(pythonModules)) Skip = $"python3 cannot import {pythonModules}; install {install}";
    }
}

public static class Python
{
    public const string Path = "/usr/bin/python3";

    /// <summary>Whether python3 imports the comma-separated modules (asked once per list).</summary>
    public static bool CanImport(string modules) => Known.GetOrAdd(modules, m =>
    {
        if (!File.Exists(Path)) return false;
        var info = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import " + m);
        using var p = Process.Start(info)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    });

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Known = new();
}
