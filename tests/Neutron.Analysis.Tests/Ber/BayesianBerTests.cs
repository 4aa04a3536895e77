// The Bayesian BER estimate: the conditioned sampler always flips at least one bit and its first flip follows the
// truncated geometric; on the ../shared LeNet-5 the plain and conditioned estimates agree, and adaptive stopping
// stops at the requested precision.
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

    [Fact]
    public void Plain_and_conditioned_agree_on_LeNet()
    {
        string? shared = Shared();
        if (shared is null) { output.WriteLine("SKIPPED: ../shared (LeNet-5 and the reference images) not found"); return; }
        var model = OnnxReader.Load(Path.Combine(shared, "models", "lenet5.onnx"));
        var x = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_y.npy"));
        var mc = new BitErrorRateMonteCarlo(model, new EvaluationSet(x, y.Longs.ToArray(), 100));
        var options = new BayesianBerOptions { Precision = 0.3, Batch = 50, MaxModels = 400 };
        var plain = BayesianBer.Estimate(mc, 1e-6, 1.0, options with { Conditioned = false });
        var conditioned = BayesianBer.Estimate(mc, 1e-6, 1.0, options);
        foreach (var p in new[] { plain, conditioned })
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Sampler}: {p.Failures}/{p.Models} models ({p.Inferences} ran), P(fail) {p.Mean:G3} [{p.Credible.Lower:G3}, {p.Credible.Upper:G3}], ±{100 * p.RelativeError:F0} %, converged {p.Converged}"));
        Assert.Equal(conditioned.Models, conditioned.Inferences);
        Assert.True(conditioned.Credible.Lower <= plain.Credible.Upper && plain.Credible.Lower <= conditioned.Credible.Upper, "the two estimates must agree");
        Assert.True(conditioned.Converged || conditioned.Models == options.MaxModels);
        if (conditioned.Converged) Assert.True(conditioned.RelativeError <= 0.3);
    }

    static string? Shared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx")))
            {
                var beside = Path.Combine(dir.Parent!.FullName, "shared");
                return File.Exists(Path.Combine(beside, "models", "lenet5.onnx")) ? beside : null;
            }
        return null;
    }
}
