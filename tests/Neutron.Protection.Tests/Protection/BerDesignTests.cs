// The BER design space goes through the one protection model: a word's flips become one multi-bit fault that
// ProtectionPlan.Decide judges (corrected, detected, or what is left runs); a layer design covers whole tensors and
// costs what Redundancy and the Hamming codes say; on the bundled LeNet-5, TMR on every layer leaves no failure
// and runs no network, DMR on every layer turns every faulty model into a detected one.
using Neutron.Analysis.Ber;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Running;
using Neutron.Protection.Protection;

namespace Neutron.Protection.Tests.Protection;

public class BerDesignTests
{
    static ProtectionPlan Plan(string code, ProtectedBits? bits = null) => new()
    {
        Scheme = "test", Code = code, ModelSha256 = "abc", Bits = bits,
        Protected = [new ProtectedTensor("w", [[0, 9]])],
    };

    [Fact]
    public void A_words_flips_are_judged_as_one_fault()
    {
        var secDed = new ProtectionGuard(Plan(ProtectionPlan.SecDed));
        Assert.Equal(new GuardedWord(false, 0), secDed.Apply("w", 3, 1u << 30));
        Assert.Equal(new GuardedWord(true, 0), secDed.Apply("w", 3, (1u << 30) | 1));
        Assert.Equal(new GuardedWord(false, 0b111), secDed.Apply("w", 3, 0b111)); // three errors: beyond SEC-DED, they run
        Assert.Equal(new GuardedWord(false, 1u << 30), secDed.Apply("w", 10, 1u << 30)); // not covered
        var sec = new ProtectionGuard(Plan(ProtectionPlan.Sec));
        Assert.Equal(new GuardedWord(false, (1u << 30) | 1), sec.Apply("w", 0, (1u << 30) | 1));
        Assert.Equal(new GuardedWord(false, 0), new ProtectionGuard(Plan(ProtectionPlan.Tmr)).Apply("w", 9, 0xFFu));
        Assert.Equal(new GuardedWord(true, 0), new ProtectionGuard(Plan(ProtectionPlan.Dmr)).Apply("w", 9, 1));
        // A code over bits 30..23 corrects its one error and lets the uncovered flip through.
        var bits = new ProtectionGuard(Plan(ProtectionPlan.Sec, new ProtectedBits(30, 23)));
        Assert.Equal(new GuardedWord(false, 1u << 2), bits.Apply("w", 0, (1u << 30) | (1u << 2)));
    }

    [Fact]
    public void Layer_designs_cover_whole_tensors_and_cost_what_the_codes_say()
    {
        var sites = new List<Neutron.Faults.Sites.FaultSite>
        {
            new(FaultTarget.Weight, "conv1.weight", "conv1", "Conv", [6, 1, 5, 5], 32),
            new(FaultTarget.Weight, "fc1.weight", "fc1", "Gemm", [10, 150], 32),
        };
        var macs = new Dictionary<string, long> { ["conv1"] = 1000, ["fc1"] = 1500 };
        var tmr = LayerDesign.Of("tmr", ["conv1"], sites, macs, "sha", "fp32");
        Assert.Equal("tmr:conv1", tmr.Name);
        Assert.Equal(200.0 * 150 / 1650, tmr.Cost.MemoryOverheadPct, 9);
        Assert.Equal(200.0 * 1000 / 2500, tmr.Cost.ComputeOverheadPct, 9);
        Assert.True(tmr.Plan.Covers("conv1.weight", 149) && !tmr.Plan.Covers("fc1.weight", 0));
        var sec = LayerDesign.Of("sec", ["*"], sites, macs, "sha", "fp32");
        Assert.Equal(EccProtection.All(1650, 32).EccPct, sec.Cost.MemoryOverheadPct, 9); // every word: (38,32), 6/32
        var secDed = LayerDesign.Of("sec-ded", ["fc1"], sites, macs, "sha", "fp32");
        Assert.Equal(100.0 * 1500 * 7 / (1650 * 32), secDed.Cost.MemoryOverheadPct, 9);
        Assert.Throws<ArgumentException>(() => LayerDesign.Of("tmr", ["nothing*"], sites, macs, "sha", "fp32"));
        Assert.Throws<ArgumentException>(() => LayerDesign.Of("quad", ["conv1"], sites, macs, "sha", "fp32"));
        var parsed = LayerDesign.Parse("SEC-DED:conv1, fc*");
        Assert.Equal("sec-ded", parsed?.Code);
        Assert.Equal(["conv1", "fc*"], parsed?.Layers ?? []);
        Assert.Null(LayerDesign.Parse("protection.json"));
    }

    [Fact]
    public void Redundancy_on_every_layer_of_LeNet_masks_or_detects_every_faulty_model()
    {
        var data = DataSpec.Load("idx:" + Samples("fashion-mnist", "t10k-1000"), new DataOptions { Limit = 50 });
        var mc = new BitErrorRateMonteCarlo(OnnxReader.Load(Samples("lenet5-fmnist.onnx")), new EvaluationSet(data.Images, data.Labels));
        var macs = mc.Sites.Select(s => s.Layer).Distinct().ToDictionary(l => l, _ => 1L);
        var options = new BayesianBerOptions { Precision = 1e-9, Batch = 40, MaxModels = 40, Sampler = BerSampler.Conditioned };
        var tmr = BayesianBer.Estimate(mc, 1e-4, 1.0, options, new ProtectionGuard(LayerDesign.Of("tmr", ["*"], mc.Sites, macs, "sha", "fp32").Plan));
        Assert.Equal((0, 0, 0), (tmr.Failures, tmr.Inferences, tmr.Detected));
        var dmr = BayesianBer.Estimate(mc, 1e-4, 1.0, options, new ProtectionGuard(LayerDesign.Of("dmr", ["*"], mc.Sites, macs, "sha", "fp32").Plan));
        Assert.Equal((0, 0, 40), (dmr.Failures, dmr.Inferences, dmr.Detected));
        Assert.Equal(dmr.Scale, dmr.DetectedShare, 12); // every model has a flip, and every flip is detected
        // Unprotected, BER 1e-4 (about 200 flips per model) fails often: the protection is what made the difference.
        var bare = BayesianBer.Estimate(mc, 1e-4, 1.0, options);
        Assert.True(bare.Failures > 20, $"only {bare.Failures} of 40 unprotected models failed");
    }

    static string Samples(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "samples", "fashion-mnist"))) return Path.Combine([dir.FullName, "samples", .. parts]);
        throw new DirectoryNotFoundException("samples/ (bundled with the repository) not found above the test binaries");
    }
}
