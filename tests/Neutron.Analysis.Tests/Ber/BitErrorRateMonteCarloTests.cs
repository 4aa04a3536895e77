using Neutron.Analysis.Ber;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Tests.Ber;

public class BitErrorRateMonteCarloTests
{
    [Theory]
    [InlineData(910, 900, 1000, 1.0, false)] // 0.91 − 0.90 is 1.0000…09 pp in doubles: exactly τ is not critical
    [InlineData(910, 899, 1000, 1.0, true)]
    [InlineData(926, 916, 1000, 1.0, false)]
    [InlineData(180, 178, 200, 1.0, false)]
    [InlineData(180, 177, 200, 1.0, true)]
    [InlineData(910, 910, 1000, 0.0, false)]
    [InlineData(910, 909, 1000, 0.0, true)]
    public void ADropOfExactlyTauIsNotCriticalAsInACampaign(int golden, int faulty, int images, double tau, bool critical)
    {
        Assert.Equal(critical, BitErrorRateMonteCarlo.Critical((double)golden / images, (double)faulty / images, tau));
        Assert.Equal(new FaultOutcome(0, images, golden, faulty, 0, 0, []).Critical(tau), critical);
    }

    [Fact]
    public void FlipPositionsAreDeterministicDistinctAndBinomialInCount()
    {
        const long bits = 2_000_000;
        const double rate = 1e-5; // mean 20 flips per sample
        Assert.Equal(BitErrorRateMonteCarlo.FlipPositions(3, rate, 7, bits), BitErrorRateMonteCarlo.FlipPositions(3, rate, 7, bits));
        Assert.NotEqual(BitErrorRateMonteCarlo.FlipPositions(3, rate, 7, bits), BitErrorRateMonteCarlo.FlipPositions(3, rate, 8, bits));
        var counts = new double[2000];
        long lowHalf = 0, all = 0;
        for (int s = 0; s < counts.Length; s++)
        {
            var p = BitErrorRateMonteCarlo.FlipPositions(3, rate, s, bits);
            Assert.True(p.Zip(p.Skip(1)).All(x => x.First < x.Second) && (p.Count == 0 || (p[0] >= 0 && p[^1] < bits)));
            counts[s] = p.Count;
            lowHalf += p.Count(x => x < bits / 2);
            all += p.Count;
        }
        // Binomial(2e6, 1e-5): mean 20, variance 19.9998. Over 2000 samples the mean's standard error is 0.1 and the
        // sample variance's is about 0.65, so these bounds fail only on a broken sampler.
        double mean = counts.Average(), variance = counts.Sum(c => (c - mean) * (c - mean)) / (counts.Length - 1);
        Assert.InRange(mean, 19.5, 20.5);
        Assert.InRange(variance, 17.5, 22.5);
        // Positions uniform: half of them in the lower half (standard error about 0.0025).
        Assert.InRange(lowHalf / (double)all, 0.49, 0.51);
    }

    [Fact]
    public void QuantileIsRType7() =>
        // R: quantile(c(1, 2, 3, 4, 10), c(0.05, 0.5, 0.95)) = 1.2 3.0 8.8
        Assert.Equal([1.2, 3.0, 8.8], new[] { 0.05, 0.5, 0.95 }.Select(q => Math.Round(BitErrorRateMonteCarlo.Quantile([1, 2, 3, 4, 10], q), 10)));

    [Fact]
    public void LeNetSweepRestoresWeightsAndDegradesWithRate()
    {
        string shared = FindShared();
        var model = OnnxReader.Load(Path.Combine(shared, "models/lenet5.onnx"));
        var before = model.Initializers.ToDictionary(p => p.Key, p => p.Value.IsFloating ? p.Value.Floats.ToArray() : []);
        var data = DataSpec.Load($"npy:{shared}/reference/fmnist_test1000_x.npy,{shared}/reference/fmnist_test1000_y.npy", new DataOptions { Limit = 32 });
        var mc = new BitErrorRateMonteCarlo(model, new EvaluationSet(data.Images, data.Labels),
            new BerOptions { Rates = [1e-6, 1e-2], Samples = 2, Seed = 5, Filter = new SiteFilter { Name = "*" } });
        var result = mc.Run();

        // Flip counts are those of the pure position function (determinism itself is tested above).
        Assert.Equal(result.Samples.Select(s => s.Flips), result.Samples.Select(s => (long)BitErrorRateMonteCarlo.FlipPositions(5, s.Rate, s.Sample, result.TotalBits).Count));
        Assert.Equal(mc.Sites.Sum(s => s.Elements) * 32, result.TotalBits);
        Assert.InRange(result.GoldenAccuracy, 0.7, 1.0); // 0.926 on all 1,000 reference images
        var low = result.Points[0];
        var high = result.Points[1];
        // 1e-2 of ~2M bits: ~20,000 flips, about 200 in exponent bit 30, each multiplying a weight by ~2^128: ruin.
        Assert.True(high.MeanFlips > 10_000);
        Assert.True(high.MeanAccuracy < 0.3, $"accuracy at 1e-2 is {high.MeanAccuracy}");
        Assert.True(low.MeanAccuracy > high.MeanAccuracy);
        Assert.Equal(1.0, high.CriticalFraction);
        // The source model is untouched (the sweep mutates a private copy and restores it).
        foreach (var (name, values) in before) if (values.Length > 0) Assert.Equal(values, model.Initializers[name].Floats.ToArray());

        var fit = FitEstimate.From(result, fitPerMbit: 1000);
        Assert.Equal(1000 * result.TotalBits / 1048576.0, fit.UpsetFit, 9);
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "models/lenet5.onnx"))) return candidate;
        }
        return "/work/shared";
    }
}
