// `neutron bench campaign` dry-run on a few faults: both paths run, the JSON carries the documented fields and the
// outcomes agree; a bad target is a usage error. No timing assertions (the speedup is only reported).
using System.Text.Json;
using Neutron.Cli;

namespace Neutron.Cli.Tests.Commands;

public class BenchCampaignCommandTests
{

    [Theory]
    [InlineData("weights")]
    [InlineData("activations")]
    public void Measures_both_paths_on_the_same_faults(string target)
    {
        var r = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--data", "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000"),
            "--target", target, "--images", "6", "--faults", "30", "--threads", "2", "--json");
        Assert.True(r.Code == ExitCodes.Ok, r.Err + r.Out);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.True(root.GetProperty("identical").GetBoolean());
        Assert.True(root.GetProperty("accelerated").GetBoolean());
        Assert.True(root.GetProperty("plain_faults_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("fast_faults_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("speedup").GetDouble() > 0);
        Assert.Equal(30, root.GetProperty("faults").GetInt32());
    }

    // CPU seconds instead of the wall clock: the JSON says which clock timed the runs, and the text says "per CPU second".
    [Fact]
    public void Cpu_time_is_the_clock_when_asked()
    {
        string[] common = ["bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--data", "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000"),
            "--images", "6", "--faults", "10", "--threads", "1"];
        var cpu = CliHarness.Run([.. common, "--cpu-time", "--json"]);
        Assert.True(cpu.Code == ExitCodes.Ok, cpu.Err + cpu.Out);
        using (var json = JsonDocument.Parse(cpu.Out))
        {
            Assert.Equal("cpu", json.RootElement.GetProperty("clock").GetString());
            Assert.True(json.RootElement.GetProperty("fast_faults_per_s").GetDouble() > 0);
        }
        var wall = CliHarness.Run([.. common, "--json"]);
        using (var json = JsonDocument.Parse(wall.Out)) Assert.Equal("wall", json.RootElement.GetProperty("clock").GetString());
        var text = CliHarness.Run([.. common, "--cpu-time"]);
        Assert.Contains("per CPU second", text.Out);
    }

    [Fact]
    public void An_unknown_target_is_a_usage_error()
    {
        var r = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--target", "biases");
        Assert.Equal(ExitCodes.Usage, r.Code);
        Assert.Contains("--target 'biases'", r.Err);
    }

    [Fact]
    public void The_memory_budget_decides_the_path_and_never_the_outcomes()
    {
        // 12 images in chunks of 250 are one chunk of ~0.9 MiB: 512KiB holds none of it (plain), 2MiB holds it.
        var tight = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--data", "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000"),
            "--images", "12", "--faults", "8", "--memory", "512KiB", "--json", "--breakdown");
        Assert.True(tight.Code == ExitCodes.Ok, tight.Err + tight.Out);
        using var json = JsonDocument.Parse(tight.Out);
        Assert.False(json.RootElement.GetProperty("accelerated").GetBoolean());
        Assert.True(json.RootElement.GetProperty("identical").GetBoolean());
        Assert.Equal(8, json.RootElement.GetProperty("by_tensor").EnumerateArray().Sum(t => t.GetProperty("faults").GetInt32()));

        var roomy = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--data", "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000"),
            "--images", "12", "--faults", "8", "--memory", "2MiB", "--json", "--breakdown");
        Assert.True(roomy.Code == ExitCodes.Ok, roomy.Err + roomy.Out);
        using var fits = JsonDocument.Parse(roomy.Out);
        Assert.True(fits.RootElement.GetProperty("accelerated").GetBoolean());
        Assert.True(fits.RootElement.GetProperty("identical").GetBoolean());
        // The accelerated breakdown also says which nodes the walk ran, with the images it carried into them.
        Assert.Contains(fits.RootElement.GetProperty("by_node").EnumerateArray(), n => n.GetProperty("images").GetInt64() > 0);
        Assert.Empty(json.RootElement.GetProperty("by_node").EnumerateArray());
    }

    [Theory]
    [InlineData("12x")]
    [InlineData("-1GiB")]
    [InlineData("")]
    public void A_malformed_memory_size_is_a_usage_error(string size)
    {
        var r = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--memory", size);
        Assert.Equal(ExitCodes.Usage, r.Code);
        Assert.Contains("--memory", r.Err);
    }
}
