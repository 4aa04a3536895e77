// The bundled sample `neutron campaign` runs with no MODEL: a LeNet-5 and 1,000 Fashion-MNIST test images under
// samples/, found from the working folder or from the folder holding samples/ above the tool.
namespace Neutron.Cli.Options;

public static class BundledSample
{
    public const string Model = "samples/lenet5-fmnist.onnx";
    public const string Data = "idx:samples/fashion-mnist/t10k-1000";

    /// <summary>A path relative to the working folder, or else to the folder holding samples/ above the tool.</summary>
    public static string Find(string relative)
    {
        if (File.Exists(relative) || Directory.Exists(relative)) return Path.GetFullPath(relative);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate) || File.Exists(candidate + "-images-idx3-ubyte") || File.Exists(candidate + "-images-idx3-ubyte.gz")) return candidate;
        }
        return Path.GetFullPath(relative);
    }
}
