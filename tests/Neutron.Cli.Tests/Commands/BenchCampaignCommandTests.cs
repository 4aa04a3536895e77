// `neutron bench campaign` dry-run on a few faults: both paths run, the JSON carries the documented fields and the
// outcomes agree; a bad target is a usage error. No timing assertions (the speedup is only reported).
using System.Text.Json;
using Neutron.Cli;

namespace Neutron.Cli.Tests.Commands;

public class BenchCampaignCommandTests
{
    private static string Samples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "samples", "fashion-mnist"))) return Path.Combine(dir.FullName, "samples");
        throw new DirectoryNotFoundException("samples/ not found above the test binaries");
    }

    [Theory]
    [InlineData("weights")]
    [InlineData("activations")]
    public void Measures_both_paths_on_the_same_faults(string target)
    {
        var r = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--data", "idx:" + Path.Combine(Samples(), "fashion-mnist", "t10k-1000"),
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

    [Fact]
    public void An_unknown_target_is_a_usage_error()
    {
        var r = CliHarness.Run("bench", "campaign", CliHarness.Shared("models", "lenet5.onnx"), "--target", "biases");
        Assert.Equal(ExitCodes.Usage, r.Code);
        Assert.Contains("--target 'biases'", r.Err);
    }
}
