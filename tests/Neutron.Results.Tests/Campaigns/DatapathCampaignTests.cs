// Weights and datapath have their own formats (DESIGN §4): `--format` is the stored weights', activations stay fp32
// unless `--datapath` says otherwise, and both are recorded with the campaign, printed by `summary` and used again
// by `resume`.
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Campaigns;

public partial class DatapathCampaignTests
{
    private static string Samples(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx"))) return Path.Combine([dir.FullName, "samples", .. parts]);
        throw new DirectoryNotFoundException("repository root (Neutron.slnx) not found above the test binaries");
    }

    [Fact]
    public void A_weight_only_qat_model_keeps_its_accuracy_in_a_campaign_in_its_format()
    {
        // Trained with its weights in fxp8.6 and its activations in float: a campaign in fxp8.6 must compute as it
        // was trained, not saturate its activations at ±2 (fxp8.6 has one integer bit), which cost it ~40 points.
        string model = Samples("lenet5-fmnist-fxp8.6.onnx"), data = "idx:" + Samples("fashion-mnist", "t10k-1000");
        using var dir = new TempDirectory();
        var (evalExit, evalOut, evalErr) = NeutronProcess.Run("eval", model, "--data", data);
        Assert.True(evalExit == 0, evalErr);
        var (exit, output, err) = NeutronProcess.Run("campaign", model, "--data", data, "--format", "fxp8.6", "--plan", "random:4",
            "--threads", "1", "--db", dir.File("q.db"));
        Assert.True(exit == 0, err);
        string evalAccuracy = Top1Line().Match(evalOut).Groups[1].Value, golden = GoldenLine().Match(output + err).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(evalAccuracy), evalOut);
        Assert.Equal(evalAccuracy, golden);
        Assert.True(double.Parse(golden, CultureInfo.InvariantCulture) > 85, output);
        using var store = SqliteCampaignStore.Open(dir.File("q.db"), create: false);
        var settings = store.Settings(store.SingleCampaign());
        Assert.Equal(("fxp8.6", "fp32"), (settings.Format, settings.Datapath));
    }

    [Fact]
    public void The_datapath_is_recorded_printed_and_resumed()
    {
        using var dir = new TempDirectory();
        string db = dir.File("a.db");
        string[] args = ["campaign", Shared.Lenet, "--data", Shared.Data, "--images", "20", "--target", "activations", "--format", "fxp8.6",
            "--datapath", "fxp16.10", "--bits", "13-15", "--plan", "random:24", "--threads", "1", "--batch", "4", "--db", db];
        var (exit, _, err) = NeutronProcess.Run(args);
        Assert.True(exit == 0, err);
        var whole = CampaignSnapshot.Read(db);
        // Activation faults address 16-bit words: bit 15 is the sign of fxp16.10, a mantissa bit of fp32.
        Assert.All(whole.Faults, f => Assert.Matches(@"#1[3-5]$", f.Item2));
        Assert.Contains(whole.Outcomes, o => o.Sdc > 0);

        var (sumExit, summary, sumErr) = NeutronProcess.Run("summary", "--db", db);
        Assert.True(sumExit == 0, sumErr);
        Assert.Contains("weights fxp8.6, datapath fxp16.10", summary);

        // Forget the last two batches, as a kill would, and resume: the rerun faults must come out as before, which
        // they would not in an fp32 datapath (a flip of bit 14 moves an fxp16.10 value by 16, an fp32 one by ~1e-6 of it).
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "DELETE FROM predictions WHERE fault_index >= 16; DELETE FROM outcomes WHERE fault_index >= 16;";
            cmd.ExecuteNonQuery();
        }
        Assert.Equal(16, CampaignSnapshot.Read(db).Outcomes.Count);
        var (resumeExit, _, resumeErr) = NeutronProcess.Run("resume", "--db", db, "--threads", "1");
        Assert.True(resumeExit == 0, resumeErr);
        CampaignSnapshot.Read(db).AssertSameAs(whole);
    }

    [GeneratedRegex(@"top-1\s+([0-9.]+) %")]
    private static partial Regex Top1Line();

    [GeneratedRegex(@"golden accuracy ([0-9.]+) %")]
    private static partial Regex GoldenLine();
}
