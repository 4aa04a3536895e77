// Range restriction end to end on the bundled LeNet-5: `protect --scheme clip --out` writes a model with a Clip after
// each ReLU at the bounds seen on the campaign's images; the golden run does not change; the unprotected campaign's
// activation faults, run as a list on the protected model, leave no more critical faults, and the accelerated runner
// agrees with the plain one fault by fault on the protected model (weight and activation faults).
using System.Text.Json;
using Neutron.Engine.Onnx;
using Neutron.Results.Store;

namespace Neutron.Cli.Tests.Commands;

public class ClipCampaignTests
{
    static readonly string Model = CliHarness.Samples("lenet5-fmnist.onnx");
    static readonly string Data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");

    static string[] Common(string db) => ["--data", Data, "--images", "100", "--threads", "2", "--db", db];

    static Dictionary<string, (double Drop, long Correct)> Outcomes(string db)
    {
        using var store = CampaignStore.Open(db, create: false);
        return store.Outcomes(store.SingleCampaign()).ToDictionary(o => o.Fault, o => (o.Drop, (long)o.FaultyCorrect));
    }

    [Fact]
    public void Clip_restricts_each_activation_and_removes_critical_activation_faults()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db"), clip = dir.File("clip.onnx");
        var r = CliHarness.Run(["campaign", Model, "--target", "activations", "--plan", "random:150", "--bits", "23-31", .. Common(plain)]);
        Assert.True(r.Code == 0, r.Err);
        r = CliHarness.Run("protect", "--db", plain, "--scheme", "clip", "--out", clip, "--json");
        Assert.True(r.Code == 0, r.Err);
        var json = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal("clip", json.GetProperty("scheme").GetString());
        var bounds = json.GetProperty("clipped").EnumerateArray().ToList();
        Assert.Equal(["relu1", "relu2", "relu3", "relu4"], bounds.Select(b => b.GetProperty("node").GetString()));
        Assert.All(bounds, b => Assert.True(b.GetProperty("low").GetDouble() == 0 && b.GetProperty("high").GetDouble() > 0));
        Assert.InRange(json.GetProperty("memory_overhead_pct").GetDouble(), 1e-6, 0.1);
        Assert.Equal(4, OnnxReader.Load(clip).Nodes.Count(n => n.OpType == "Clip"));

        string list = dir.File("faults.csv"), prot = dir.File("prot.db"), protPlain = dir.File("prot-plain.db");
        Assert.Equal(0, CliHarness.Run("export", "--db", plain, "--csv", list).Code);
        r = CliHarness.Run(["campaign", clip, "--faults", list, .. Common(prot)]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(Golden(plain), Golden(prot));
        Assert.Equal(0, CliHarness.Run(["campaign", clip, "--faults", list, "--plain", .. Common(protPlain)]).Code);

        var before = Outcomes(plain);
        var after = Outcomes(prot);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.Equal(after, Outcomes(protPlain));
        int criticalBefore = before.Values.Count(o => o.Drop > 1), criticalAfter = after.Values.Count(o => o.Drop > 1);
        Assert.True(criticalBefore > 0, "the unprotected campaign has no critical fault to remove");
        Assert.True(criticalAfter < criticalBefore, $"clip left {criticalAfter} of {criticalBefore} critical activation faults");
    }

    [Fact]
    public void Weight_faults_on_the_clipped_model_agree_with_the_plain_runner()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db"), clip = dir.File("clip.onnx"), fast = dir.File("fast.db"), slow = dir.File("slow.db");
        Assert.Equal(0, CliHarness.Run(["campaign", Model, "--plan", "random:20", .. Common(plain)]).Code);
        Assert.Equal(0, CliHarness.Run("protect", "--db", plain, "--scheme", "clip", "--out", clip).Code);
        string[] campaign = ["campaign", clip, "--plan", "random:150", "--bits", "23-31", "--seed", "3"];
        Assert.Equal(0, CliHarness.Run([.. campaign, .. Common(fast)]).Code);
        Assert.Equal(0, CliHarness.Run([.. campaign, "--plain", .. Common(slow)]).Code);
        var a = Outcomes(fast);
        Assert.Equal(150, a.Count);
        Assert.Equal(a, Outcomes(slow));
    }

    [Fact]
    public void Clip_without_an_onnx_output_is_refused_in_one_line()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db");
        Assert.Equal(0, CliHarness.Run(["campaign", Model, "--plan", "random:5", .. Common(plain)]).Code);
        var r = CliHarness.Run("protect", "--db", plain, "--scheme", "clip", "--out", dir.File("clip.json"));
        Assert.NotEqual(0, r.Code);
        Assert.Contains("--out FILE.onnx", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void Clip_profiles_on_data_given_when_the_recorded_data_is_gone()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db"), moved = dir.File("moved");
        Directory.CreateDirectory(moved);
        foreach (var f in Directory.GetFiles(CliHarness.Samples("fashion-mnist"), "t10k-1000-*")) File.Copy(f, Path.Combine(moved, Path.GetFileName(f)));
        Assert.Equal(0, CliHarness.Run(["campaign", Model, "--plan", "random:5", "--data", "idx:" + Path.Combine(moved, "t10k-1000"), "--images", "100", "--db", plain]).Code);
        Directory.Delete(moved, recursive: true);

        var gone = CliHarness.Run("protect", "--db", plain, "--scheme", "clip", "--out", dir.File("clip.onnx"));
        Assert.Equal(3, gone.Code);
        Assert.Contains("cannot read the campaign's data 'idx:" + Path.Combine(moved, "t10k-1000") + "'", gone.Err);
        Assert.Contains("hint: clip profiles its bounds on the campaign's images: give them where they are now with --data FORMAT:PATH", gone.Err);
        Assert.DoesNotContain("   at ", gone.Err);
        Assert.False(File.Exists(dir.File("clip.onnx")));

        var given = CliHarness.Run("protect", "--db", plain, "--scheme", "clip", "--out", dir.File("clip.onnx"), "--data", Data, "--images", "50");
        Assert.True(given.Code == 0, given.Err);
        Assert.Contains($"bounds profiled on 50 images of {Data}", given.Out);
        Assert.True(File.Exists(dir.File("clip.onnx")));
        var bad = CliHarness.Run("protect", "--db", plain, "--scheme", "clip", "--out", dir.File("clip.onnx"), "--images", "0");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--images 0 must be ≥ 1", bad.Err);
    }

    /// <summary>Each image's golden top-1.</summary>
    static List<int> Golden(string db)
    {
        using var store = CampaignStore.Open(db, create: false);
        return [.. store.Golden(store.SingleCampaign()).Select(g => g.Top1)];
    }
}
