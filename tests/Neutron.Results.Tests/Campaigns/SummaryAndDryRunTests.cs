// `summary` weights rows that span strata of a stratified plan (marked *) and groups a node's weight and bias;
// `campaign --dry-run` prints the fault-space and plan sizes per stratum without running or creating a database.
namespace Neutron.Results.Tests.Campaigns;

public class SummaryAndDryRunTests
{
    [Fact]
    public void StratifiedSummaryWeightsTheOverallRowAndGroupsNodes()
    {
        using var dir = new TempDirectory();
        string db = dir.File("s.db");
        var (exit, _, err) = NeutronProcess.Run("campaign", Shared.Lenet, "--data", Shared.Data, "--images", "10", "--layer", "conv*",
            "--plan", "stratified:per=layer,count=8", "--threads", "1", "--db", db);
        Assert.True(exit == 0, err);
        var (sumExit, output, sumErr) = NeutronProcess.Run("summary", "--db", db);
        Assert.True(sumExit == 0, sumErr);
        Assert.Contains("per layer (node: a Conv's weight and bias together", output);
        Assert.Contains("per tensor", output);
        Assert.Contains("/conv1/Conv", output);
        Assert.Contains("* weighted by stratum sizes", output);
        var overall = output.Split('\n').Single(l => l.Contains("│ all "));
        Assert.Contains("*", overall);
        Assert.Contains("kernels ", output);
        Assert.DoesNotContain("kernels auto", output); // the engine's actual kernel set is recorded
        Assert.False(output.Contains('\u001b', StringComparison.Ordinal), "colour codes in a pipe"); // (Assert.DoesNotContain compares by culture, where ESC is ignorable)
    }

    [Fact]
    public void DryRunPrintsSizesPerStratumAndRunsNothing()
    {
        using var dir = new TempDirectory();
        string db = dir.File("never.db");
        var (exit, output, err) = NeutronProcess.Run("campaign", Shared.Lenet, "--plan", "statistical:margin=0.01,confidence=0.99,per=layer", "--dry-run", "--db", db);
        Assert.True(exit == 0, err);
        Assert.Contains("fault space: 1,974,592 positions in 10 sites", output);
        // Leveugle for conv1.weight: N = 4,800, e = 0.01, t = 2.5758, p = ½ → 3,723.
        Assert.Matches(@"conv1\.weight\s+4,800\s+3,723", output);
        Assert.Matches(@"total\s+1,974,592\s+66,245", output);
        Assert.False(File.Exists(db));
    }
}
