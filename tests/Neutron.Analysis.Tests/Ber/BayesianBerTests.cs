// The Bayesian BER estimate: the conditioned sampler always flips at least one bit and its first flip follows the
// truncated geometric; the tilted sampler's weights p/q make its weighted mean the target's probability, exactly
// computable on a small space; on the bundled LeNet-5 the plain, conditioned and tilted estimates agree, the tilted
// one is the most precise per network run, and adaptive stopping stops at the requested precision.
using System.Globalization;
using Neutron.Analysis.Ber;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults.Running;
using Xunit.Abstractions;

namespace Neutron.Analysis.Tests.Ber;

public class BayesianBerTests(ITestOutputHelper output)
{
    [Fact]
    public void Conditioned_samples_have_a_flip_and_the_right_first_position()
    {
        const long bits = 1000;
        const double rate = 1e-4; // P(K ≥ 1) ≈ 0.095: plain sampling would mostly draw no flip
        int early = 0;
        const int n = 20_000;
        for (int s = 0; s < n; s++)
        {
            var flips = BitErrorRateMonteCarlo.FlipPositionsAtLeastOne(3, rate, s, bits);
            Assert.NotEmpty(flips);
            Assert.All(flips, f => Assert.InRange(f, 0, bits - 1));
            if (flips[0] < bits / 2) early++;
        }
        // P(first < T/2 | K ≥ 1) = (1 − (1−p)^(T/2)) / (1 − (1−p)^T).
        double expected = -double.ExpM1(bits / 2 * double.LogP1(-rate)) / -double.ExpM1(bits * double.LogP1(-rate));
        Assert.InRange(early / (double)n, expected - 0.015, expected + 0.015);
    }

    [Theory]
    [InlineData(0.002, 0.1)] // mostly one flip: the lead flip's tilt dominates
    [InlineData(0.05, 0.3)]  // several flips per set
    public void Tilted_weights_reweight_to_the_target(double rate, double alpha)
    {
        // 16 words of 8 bits; the tilt favours bit 7 strongly. Event A: some flip at bit 7 of words 0..3 (4 positions).
        const long total = 128;
        const int width = 8;
        var tilt = new BayesianBer.Tilt(total, width, [0, 0, 0, 0, 0, 0.1, 0.2, 5], alpha);
        const int n = 200_000;
        double sum = 0, sumSq = 0, maxWeight = 0;
        for (int i = 0; i < n; i++)
        {
            var (flips, w) = tilt.Draw(11, rate, i);
            Assert.NotEmpty(flips);
            Assert.Equal(flips.Distinct().Order(), flips);
            maxWeight = Math.Max(maxWeight, w);
            double y = flips.Any(g => g % width == 7 && g / width < 4) ? w : 0;
            sum += y;
            sumSq += y * y;
        }
        double pi = -double.ExpM1(total * double.LogP1(-rate));
        double truth = -double.ExpM1(4 * double.LogP1(-rate)) / pi; // P(A | K ≥ 1)
        double mean = sum / n, se = Math.Sqrt((sumSq / n - mean * mean) / n);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rate {rate}: weighted {mean:G5} ± {se:G3}, exact {truth:G5}, max weight {maxWeight:G3}"));
        Assert.InRange(mean, truth - 4 * se, truth + 4 * se);
        Assert.True(maxWeight <= 1 / alpha + 1e-9, $"a weight {maxWeight} exceeds 1/alpha");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_three_samplers_agree_on_LeNet_and_the_tilted_one_is_the_most_precise()
    {
        var mc = Lenet(200);
        var options = new BayesianBerOptions { Precision = 1e-9, Batch = 100, MaxModels = 300 };
        var plain = BayesianBer.Estimate(mc, 1e-6, 1.0, options with { Sampler = BerSampler.Plain });
        var conditioned = BayesianBer.Estimate(mc, 1e-6, 1.0, options with { Sampler = BerSampler.Conditioned });
        var tilted = BayesianBer.Estimate(mc, 1e-6, 1.0, options);
        foreach (var p in new[] { plain, conditioned, tilted })
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Sampler}: {p.Failures}/{p.Models} models ({p.Inferences} ran), P(fail) {p.Estimate:G3} ± {p.StandardError:G2} [{p.Credible.Lower:G3}, {p.Credible.Upper:G3}], n* {p.EffectiveSize:F0}"));
        Assert.Equal(conditioned.Models, conditioned.Inferences);
        foreach (var a in new[] { plain, conditioned, tilted })
            foreach (var b in new[] { plain, conditioned, tilted })
                Assert.True(a.Credible.Lower <= b.Credible.Upper, $"{a.Sampler} and {b.Sampler} disagree");
        // Variance per network run: the tilt lands most lead flips on the bits that matter.
        Assert.True(tilted.StandardError * tilted.StandardError * tilted.Inferences < conditioned.StandardError * conditioned.StandardError * conditioned.Inferences,
            "the tilted sampler should beat the conditioned one per inference");
        Assert.False(tilted.Converged);
    }

    [Fact]
    public void Adaptive_stopping_stops_at_the_requested_precision()
    {
        var mc = Lenet(100);
        var p = BayesianBer.Estimate(mc, 1e-5, 1.0, new BayesianBerOptions { Precision = 0.3, Batch = 25, MaxModels = 2000 });
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stopped after {p.Models} models at ±{100 * p.RelativeError:F0} %"));
        Assert.True(p.Converged);
        Assert.True(p.RelativeError <= 0.3);
        Assert.True(p.Models < 2000 && p.Models % 25 == 0);
        // One round fewer would not have been precise enough: the rule stops at the first round that is.
        var earlier = BayesianBer.Estimate(mc, 1e-5, 1.0, new BayesianBerOptions { Precision = 0.3, Batch = 25, MaxModels = p.Models - 25 });
        Assert.False(earlier.Converged);
    }

    [Fact]
    public void Plain_weights_give_the_exact_Jeffreys_posterior()
    {
        var mc = Lenet(50);
        var p = BayesianBer.Estimate(mc, 1e-5, 1.0, new BayesianBerOptions { Precision = 1e-9, Batch = 60, MaxModels = 60, Sampler = BerSampler.Conditioned });
        var jeffreys = Neutron.Analysis.Statistics.Intervals.Jeffreys(p.Failures, p.Models);
        Assert.Equal(p.Models, p.EffectiveSize, 6);
        Assert.Equal(p.Scale * jeffreys.Lower, p.Credible.Lower, 9);
        Assert.Equal(p.Scale * jeffreys.Upper, p.Credible.Upper, 9);
    }

    internal static BitErrorRateMonteCarlo Lenet(int images)
    {
        var data = DataSpec.Load("idx:" + Samples("fashion-mnist", "t10k-1000"), new DataOptions { Limit = images });
        return new BitErrorRateMonteCarlo(OnnxReader.Load(Samples("lenet5-fmnist.onnx")), new EvaluationSet(data.Images, data.Labels));
    }

    static string Samples(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "samples", "fashion-mnist"))) return Path.Combine([dir.FullName, "samples", .. parts]);
        throw new DirectoryNotFoundException("samples/ (bundled with the repository) not found above the test binaries");
    }
}
