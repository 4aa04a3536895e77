// Fault-aware training fed by an importance campaign, end to end on the bundled fxp8.6 LeNet-5: `campaign --plan
// importance:...`, `export --csv`, then `train --from ... --fault-list EXPORT --critical τ` with no filter between
// them; the list train keeps is exactly the export's distinct faults whose drop exceeds τ, and the model it writes
// loads.
using System.Globalization;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;

namespace Neutron.Cli.Tests.Commands;

public class ImportanceFaultAwareTrainingTests
{
    [Fact]
    public void An_importance_campaigns_export_feeds_train_fault_list()
    {
        using var dir = new TempDir();
        string model = CliHarness.Samples("lenet5-fmnist-fxp8.6.onnx");
        string data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
        var campaign = CliHarness.Run("campaign", model, "--data", data, "--images", "50", "--format", "fxp8.6",
            "--plan", "importance:count=60", "--seed", "3", "--db", dir.File("imp.db"));
        Assert.True(campaign.Code == 0, campaign.Err);
        var export = CliHarness.Run("export", "--db", dir.File("imp.db"), "--csv", dir.File("imp.csv"));
        Assert.True(export.Code == 0, export.Err);

        // What train must keep: the distinct faults whose drop exceeds τ = 1 point.
        var lines = File.ReadAllLines(dir.File("imp.csv"));
        var header = lines[0].Split(',');
        int faultColumn = Array.IndexOf(header, "fault"), dropColumn = Array.IndexOf(header, "drop");
        Assert.True(faultColumn >= 0 && dropColumn >= 0, lines[0]);
        Assert.Contains("p", header);
        Assert.Contains("q", header);
        int critical = lines.Skip(1).Select(l => l.Split(','))
            .Where(c => double.Parse(c[dropColumn], CultureInfo.InvariantCulture) > 1)
            .Select(c => c[faultColumn]).Distinct().Count();
        Assert.InRange(critical, 4, 60);

        string output = dir.File("hardened.onnx");
        var train = CliHarness.Run("train", "--from", model, "--data", data, "--test", data, "--limit", "64", "--epochs", "1",
            "--batch", "32", "--qat", "fxp8.6", "--fault-list", dir.File("imp.csv"), "--critical", "1", "--faults-per-step", "2",
            "--out", output);
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.Contains($"imp.csv: {critical} weight faults in fxp8.6", train.Out, StringComparison.Ordinal);
        Assert.Contains("after:  test accuracy under one held-out fault in fxp8.6", train.Out, StringComparison.Ordinal);
        Assert.Equal("input", new InferenceSession(OnnxReader.Load(output)).Inputs.Single().Name);
        Assert.NotEqual(File.ReadAllBytes(model), File.ReadAllBytes(output));
    }
}
