// The recipes under deploy/: the Kubernetes manifests pass `kubectl apply --dry-run=client` (deploy/kubernetes/check.sh,
// which needs no cluster), and every manifest that runs `--shard auto` as an Indexed Job passes JOB_COMPLETIONS equal
// to its completions. Skipped, with the reason, where kubectl is not installed.
using System.Diagnostics;

namespace Neutron.Cli.Tests;

public class DeployTests
{
    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("the repository (Neutron.slnx) not found above the test binaries");
    }

    [KubectlFact]
    public void KubernetesManifestsPassAClientDryRun()
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Root(), "deploy", "kubernetes", "check.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "check.sh did not finish");
        Assert.True(p.ExitCode == 0, err);
        var manifests = Directory.GetFiles(Path.Combine(Root(), "deploy", "kubernetes"), "*.yaml");
        Assert.NotEmpty(manifests);
        foreach (var m in manifests)
            Assert.Contains($"job.batch/{Name(m)} created (dry run)", stdout.Result);
    }

    [Fact]
    public void IndexedJobsPassTheirCompletions()
    {
        foreach (var m in Directory.GetFiles(Path.Combine(Root(), "deploy", "kubernetes"), "*.yaml"))
        {
            string text = File.ReadAllText(m);
            if (!text.Contains("--shard auto", StringComparison.Ordinal)) continue;
            Assert.Contains("completionMode: Indexed", text);
            string completions = Value(text, "  completions: ");
            Assert.Contains($"{{name: JOB_COMPLETIONS, value: \"{completions}\"}}", text);
        }
    }

    static string Name(string manifest) => Value(File.ReadAllText(manifest), "  name: ");

    static string Value(string text, string key)
    {
        int at = text.IndexOf("\n" + key, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no '{key.Trim()}' in a manifest");
        int start = at + 1 + key.Length;
        return text[start..text.IndexOf('\n', start)].Trim();
    }
}

/// <summary>A test that needs kubectl: skipped, with the reason, where it is not installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        bool found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "kubectl")));
        if (!found) Skip = "kubectl is not installed (Debian package kubernetes-client): the manifests' dry run cannot run";
    }
}
