// Runs the built `neutron` (neutron.dll beside the test assembly) as a separate process, as a user would, so tests
// can kill it (SIGKILL) and read its exit code and output. Also locates ../shared and the LeNet-5 test inputs.
using System.Diagnostics;
using System.Text;

namespace Neutron.Results.Tests.Campaigns;

public sealed class NeutronProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _out = new(), _err = new();

    NeutronProcess(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "neutron.dll");

    public static NeutronProcess Start(params IEnumerable<string> args) => new(args);

    /// <summary>Runs to the end; returns exit code, stdout and stderr.</summary>
    public static (int Exit, string Out, string Err) Run(params IEnumerable<string> args)
    {
        using var p = Start(args);
        p.WaitForExit();
        return (p.ExitCode, p.Output, p.Errors);
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void WaitForExit() => _process.WaitForExit();

    /// <summary>SIGKILL: no handler runs, the open transaction is lost.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGSTOP: the process stops where it is, until Resume (tests that need another process to go first).</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after Pause.</summary>
    public void Resume() => Signal("CONT");

    void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {_process.Id} exited {kill.ExitCode}");
    }

    public int Id => _process.Id;
    public int ExitCode => _process.ExitCode;
    public string Output { get { lock (_out) return _out.ToString(); } }
    public string Errors { get { lock (_err) return _err.ToString(); } }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}

/// <summary>../shared: the LeNet-5 model and 1,000 Fashion-MNIST test images with labels.</summary>
public static class Shared
{
    public static string Root { get; } = Find();

    public static string Lenet => Path.Combine(Root, "models", "lenet5.onnx");
    public static string Data => $"npy:{Path.Combine(Root, "reference", "fmnist_test1000_x.npy")},{Path.Combine(Root, "reference", "fmnist_test1000_y.npy")}";

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "DESIGN.md"))) return candidate;
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx")) && Directory.Exists(Path.Combine(dir.Parent!.FullName, "shared")))
                return Path.Combine(dir.Parent!.FullName, "shared");
        }
        throw new DirectoryNotFoundException("../shared (reference models and data) not found beside the repository");
    }
}
