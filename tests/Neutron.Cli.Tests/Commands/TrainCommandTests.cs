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

    private static int Run(params string[] args) => CliRunner.Invoke(new RootCommand { TrainCommand.Create() }, ["train", .. args]);

    [Fact]
    public void Trains_with_qat_and_writes_a_loadable_model()
    {
        string data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
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

    [Fact]
    public void Trains_with_activations_in_a_datapath_format()
    {
        string data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
        string output = Path.Combine(Path.GetTempPath(), $"neutron-train-datapath-{Environment.ProcessId}.onnx");
        try
        {
            var r = CliHarness.Run("train", "--arch", "lenet5", "--data", data, "--test", data, "--limit", "128", "--epochs", "1", "--batch", "32",
                "--qat", "fxp8.6", "--datapath", "fxp16.10", "--out", output);
            Assert.True(r.Code == ExitCodes.Ok, r.Err);
            Assert.Contains("with QAT in fxp8.6, activations in fxp16.10", r.Out);
            Assert.Equal("input", new InferenceSession(OnnxReader.Load(output)).Inputs.Single().Name);
            Assert.Equal(ExitCodes.Usage, Run("--arch", "lenet5", "--data", data, "--datapath", "fxp40.2", "--out", output));
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
        string data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
        Assert.Equal(ExitCodes.Usage, Run("--data", data, "--limit", "16", "--epochs", "1", option, value, "--out", "/tmp/never.onnx"));
    }

    [Theory]
    [InlineData("weight:conv1.weight@0#7\nweight:conv1.weight@1#7\n", new[] { "--fault-list", "LIST" }, "--qat")]
    [InlineData("weight:conv1.weight@0#7\nweight:conv1.weight@1#7\n", new[] { "--fault-list", "LIST", "--qat", "fxp8.6", "--fault-aware", "1e-3" }, "exclude each other")]
    [InlineData("weight:conv1.weight@0#7\nact:/relu/Relu_output_0@3#7\n", new[] { "--fault-list", "LIST", "--qat", "fxp8.6" }, "line 3")]
    [InlineData("weight:conv1.weight@0#7\nweight:conv1.weight@1#9\n", new[] { "--fault-list", "LIST", "--qat", "fxp8.6" }, "line 3")]
    [InlineData("weight:conv1.weight@0#7\nweight:conv1.weight@1#7\n", new[] { "--fault-list", "LIST", "--qat", "fxp8.6", "--critical", "1" }, "drop")]
    [InlineData("weight:conv1.weight@0#7\n", new[] { "--fault-list", "LIST", "--qat", "fxp8.6" }, "at least 2")]
    [InlineData("weight:conv1.weight@0#7\nweight:conv1.weight@1#7\n", new[] { "--fault-list", "LIST", "--qat", "fxp8.6", "--held-out", "1" }, "--held-out")]
    [InlineData("weight:conv1.weight@0#7\nweight:conv1.weight@1#7\n", new[] { "--qat", "fxp8.6", "--faults-per-step", "2" }, "go with --fault-list")]
    public void Bad_fault_lists_are_usage_errors_naming_the_problem(string faults, string[] options, string expected)
    {
        string data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
        string list = Path.Combine(Path.GetTempPath(), $"neutron-train-list-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        File.WriteAllText(list, "fault\n" + faults);
        try
        {
            var args = options.Select(o => o == "LIST" ? list : o).ToArray();
            var r = CliHarness.Run(["train", "--arch", "lenet5", "--data", data, "--test", data, "--limit", "16", "--epochs", "1", .. args, "--out", "/tmp/never.onnx"]);
            Assert.True(r.Code == ExitCodes.Usage, $"exit {r.Code}: {r.Err}");
            Assert.Contains(expected, r.Err, StringComparison.Ordinal);
            Assert.Contains("hint:", r.Err, StringComparison.Ordinal);
        }
        finally { File.Delete(list); }
    }

    [Fact]
    public void Trains_against_a_fault_list_and_prints_before_and_after()
    {
        string data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
        string list = Path.Combine(Path.GetTempPath(), $"neutron-train-list-{Environment.ProcessId}.csv");
        string output = Path.Combine(Path.GetTempPath(), $"neutron-train-list-{Environment.ProcessId}.onnx");
        // As `neutron export --csv` writes it; only the rows with drop > 1 are kept.
        File.WriteAllText(list, "id,fault,images,golden_correct,faulty_correct,sdc,nonfinite,drop\n" +
            string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},weight:conv1.weight@{i * 7}#7,100,90,80,12,0,{(i % 3 == 0 ? 0.5 : 10)}\n")));
        try
        {
            var r = CliHarness.Run("train", "--arch", "lenet5", "--data", data, "--test", data, "--limit", "64", "--epochs", "1", "--batch", "32",
                "--qat", "fxp8.6", "--fault-list", list, "--critical", "1", "--held-out", "0.25", "--faults-per-step", "2", "--out", output);
            string text = r.Out;
            Assert.True(r.Code == ExitCodes.Ok, text + r.Err);
            Assert.Contains("8 weight faults in fxp8.6, 6 to train against (2 per step), 2 held out", text, StringComparison.Ordinal);
            Assert.Contains("before: test accuracy under one held-out fault in fxp8.6", text, StringComparison.Ordinal);
            Assert.Contains("after:  test accuracy under one held-out fault in fxp8.6", text, StringComparison.Ordinal);
            Assert.NotNull(OnnxReader.Load(output));
        }
        finally
        {
            File.Delete(list);
            File.Delete(output);
        }
    }
}
