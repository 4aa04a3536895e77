// Locates ../shared (reference models, inputs and PyTorch outputs) from the test's working directory.
namespace Neutron.Engine.Tests;

public static class SharedData
{
    public static string Root { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (File.Exists(System.IO.Path.Combine(candidate, "DESIGN.md"))) return candidate;
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Neutron.slnx")))
            {
                var beside = System.IO.Path.Combine(dir.Parent!.FullName, "shared");
                if (Directory.Exists(beside)) return beside;
            }
            dir = dir.Parent;
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
