// `neutron train` end to end on the bundled Fashion-MNIST subset: writes a model our engine loads; bad options
// are usage errors (exit 2).
using System.CommandLine;
using Neutron.Cli;
using Neutron.Cli.Commands;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;

namespace Neutron.Cli.Tests.Commands;

public class TrainCommandTests
{
    private static string Samples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "samples", "fashion-mnist"))) return Path.Combine(dir.FullName, "samples");
        throw new DirectoryNotFoundException("samples/ not found above the test binaries");
    }

    private static int Run(params string[] args) => CliRunner.Invoke(new RootCommand { TrainCommand.Create() }, ["train", .. args]);

    [Fact]
    public void Trains_with_qat_and_writes_a_loadable_model()
    {
        string data = "idx:" + Path.Combine(Samples(), "fashion-mnist", "t10k-1000");
        string output = Path.Combine(Path.GetTempPath(), $"neutron-train-cli-{Environment.ProcessId}.onnx");
        try
        {
            int code = Run("--arch", "lenet5", "--data", data, "--test", data, "--limit", "128", "--epochs", "1", "--batch", "32",
                "--augment", "--qat", "fxp8.6", "--out", output);
            Assert.Equal(ExitCodes.Ok, code);
            var session = new InferenceSession(OnnxReader.Load(output));
            Assert.Equal("input", session.Inputs.Single().Name);
        }
        finally { File.Delete(output); }
    }

    [Theory]
    [InlineData("--optimizer", "rmsprop")]
    [InlineData("--qat", "fxp40.2")]
    [InlineData("--arch", "vgg")]
    [InlineData("--fault-aware", "1e-3")]
    public void Bad_options_are_usage_errors(string option, string value)
    {
        string data = "idx:" + Path.Combine(Samples(), "fashion-mnist", "t10k-1000");
        Assert.Equal(ExitCodes.Usage, Run("--data", data, "--limit", "16", "--epochs", "1", option, value, "--out", "/tmp/never.onnx"));
    }
}
