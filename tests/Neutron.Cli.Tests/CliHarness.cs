// Runs `neutron` in-process with captured stdout/stderr, and finds ../shared. Console is process-wide, so the
// CLI tests run one at a time (assembly attribute below).
using System.Text;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Neutron.Cli.Tests;

public sealed record CliResult(int Code, string Out, string Err);

public static class CliHarness
{
    private static readonly object Gate = new();

    public static CliResult Run(params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            var (stdout, stderr) = (new StringWriter(new StringBuilder()), new StringWriter(new StringBuilder()));
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                int code = Program.Main(args);
                return new CliResult(code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    public static string Shared(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "DESIGN.md"))) return Path.Combine([candidate, .. parts]);
        }
        throw new DirectoryNotFoundException("../shared (reference models and data) not found beside the repository");
    }

    /// <summary>A path under the repository's samples/ (bundled models and images), found above the test binaries.</summary>
    public static string Samples(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "samples", "fashion-mnist")))
                return System.IO.Path.Combine([dir.FullName, "samples", .. parts]);
        throw new DirectoryNotFoundException("samples/ not found above the test binaries");
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("neutron-cli-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }

}
