// The proofs behind the accelerated runner's bound-based masking, checked against the plain path: for every image
// a bound dropped, the plain path's faulty logits must lie within the claimed bounds of golden's (per logit, or
// their summed change when the model has many classes) — not merely keep their top-1, which could hold by luck.
// LeNet-5 covers Conv, Gemm, ReLU, MaxPool and Flatten; the ../shared ResNet-20 adds BatchNormalization, Add and
// GlobalAveragePool.
using System.Collections.Concurrent;
using Neutron.Engine.Data;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Training;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Tests.Running;

public class MarginBoundTests
{
    // Runs the faults accelerated, then every proven (fault, image) on the plain path; returns the proofs checked.
    private static int CheckProofs(Model model, EvaluationSet data, List<PlannedFault> faults, bool perLogit)
    {
        var proofs = new ConcurrentDictionary<Fault, ConcurrentBag<(int Image, double[] Bounds)>>();
        var options = new RunnerOptions { Threads = 2, ImageChunk = 50 };
        var fast = new FaultRunner(model, data, options with { ProofObserver = (f, n, b) => proofs.GetOrAdd(f, _ => []).Add((n, b)) });
        var plain = new FaultRunner(model, data, options with { Plain = true });
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);

        var golden = new float[data.Count][];
        plain.Observe(null, (n, row) => golden[n] = row.ToArray());
        int checkedProofs = 0;
        foreach (var (fault, proven) in proofs)
        {
            var faulty = new float[data.Count][];
            plain.Observe(fault, (n, row) => faulty[n] = row.ToArray());
            foreach (var (n, bounds) in proven)
            {
                var change = faulty[n].Zip(golden[n], (a, b) => Math.Abs((double)a - b)).ToArray();
                Assert.All(change, d => Assert.True(double.IsFinite(d), $"{fault}, image {n}: a logit became non-finite"));
                if (perLogit)
                    for (int j = 0; j < change.Length; j++)
                        Assert.True(change[j] <= bounds[j], $"{fault}, image {n}: logit {j} moved {change[j]:G6}, bound {bounds[j]:G6}");
                else
                    Assert.True(change.Sum() <= bounds[0], $"{fault}, image {n}: logits moved {change.Sum():G6} in all, bound {bounds[0]:G6}");
                checkedProofs++;
            }
        }
        return checkedProofs;
    }

    [Theory]
    [InlineData(FaultTarget.Weight, "flip")]
    [InlineData(FaultTarget.Weight, "flip:rand3")]
    [InlineData(FaultTarget.Activation, "flip")]
    [InlineData(FaultTarget.Activation, "stuck1")]
    public void Every_proof_holds_on_the_plain_path_of_the_lenet_sample(FaultTarget target, string spec)
    {
        var model = OnnxReader.Load(SharedData.Samples("lenet5-fmnist.onnx"));
        var data = RunnerFixtures.Images(100);
        var faults = RunnerFixtures.Sample(new FaultRunner(model, data, new RunnerOptions { Plain = true }), target, spec, 150, 23);
        Assert.True(CheckProofs(model, data, faults, perLogit: true) > 1000, "too few proofs for the test to mean anything");
    }

    [Fact]
    public void Every_proof_holds_for_convolution_weights_cleared_before_their_channel_is_computed()
    {
        // Conv filters and biases only (random draws land in fc1 mostly): their proofs come from the bound on the
        // weight's exact change, before any arithmetic, and from the recomputed channel after it.
        var model = OnnxReader.Load(SharedData.Samples("lenet5-fmnist.onnx"));
        var data = RunnerFixtures.Images(100);
        var runner = new FaultRunner(model, data, new RunnerOptions { Plain = true });
        var space = FaultSpace.Create(runner.Sites, FaultTarget.Weight, new SiteFilter { OpTypes = ["Conv"] }, FaultModelSpec.Parse("flip"));
        var faults = Enumerable.Range(0, 150)
            .Select(i => new PlannedFault(i, space.FaultAt((long)Faults.Random.CounterRng.Below(41, (ulong)i, 0, (ulong)space.Size), 41)))
            .ToList();
        Assert.True(CheckProofs(model, data, faults, perLogit: true) > 5000, "too few proofs for the test to mean anything");
    }

    [Theory]
    [InlineData(FaultTarget.Activation)]
    [InlineData(FaultTarget.Weight)]
    public void Every_proof_holds_on_the_plain_path_of_the_shared_resnet(FaultTarget target)
    {
        // BatchNormalization, Add and GlobalAveragePool gains; faults in the last stage, where proofs can happen.
        var model = OnnxReader.Load(SharedData.Path("models", "resnet20.onnx"));
        var data = RunnerFixtures.Images(40);
        var sample = RunnerFixtures.Sample(new FaultRunner(model, data, new RunnerOptions { Plain = true }), target, "flip", 3000, 37);
        var faults = sample.Where(f => f.Fault.Tensor.Contains("layer3.2", StringComparison.Ordinal)).Take(60).ToList();
        Assert.True(CheckProofs(model, data, faults, perLogit: true) > 200, "too few proofs for the test to mean anything");
    }

    [Fact]
    public void Every_proof_holds_with_many_classes_where_one_bound_covers_all_logits()
    {
        // 20 classes (above 16, so one bound on the summed change of all logits), untrained: small margins.
        var model = Architectures.LeNet5(1, 28, 28, 20, seed: 4);
        var data = RunnerFixtures.Images(60);
        var faults = RunnerFixtures.Sample(new FaultRunner(model, data, new RunnerOptions { Plain = true }), FaultTarget.Weight, "flip", 200, 29);
        Assert.True(CheckProofs(model, data, faults, perLogit: false) > 500, "too few proofs for the test to mean anything");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(16)]
    public void Rounding_per_image_matches_its_scalar_twin_within_the_double_sums_error(int rows)
    {
        var random = new System.Random(rows);
        foreach (int width in new[] { 1, 7, 64, 333, 4_100 })
        {
            const int count = 3;
            var coefficients = Enumerable.Range(0, width * rows).Select(_ => random.Next(4) == 0 ? 0 : random.NextDouble() * 1e3).ToArray();
            var constant = Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
            var term = new LogitGains.RoundingTerm("x", width, 3.7e-5, coefficients, constant);
            // A third zeros (ReLU outputs), the rest of either sign.
            var values = Enumerable.Range(0, count * width).Select(_ => random.Next(3) == 0 ? 0f : (float)(random.NextDouble() * 8 - 4)).ToArray();
            var fast = MarginBound.Rounding(term, values, count, rows);
            var scalar = MarginBound.RoundingScalar(term, values, count, rows);
            Assert.Equal(scalar.Length, fast.Length);
            for (int i = 0; i < fast.Length; i++)
                Assert.True(Math.Abs(fast[i] - scalar[i]) <= 1e-12 * scalar[i], $"width {width}, image {i / rows}, bound {i % rows}: {fast[i]:R} against {scalar[i]:R}");
            // Wide enough, the images' bounds differ, and so do each image's: a mixed-up layout would not pass the above.
            if (width >= 64) Assert.Equal(scalar.Length, scalar.Distinct().Count());
        }
    }

    [Fact]
    public void Absolute_changes_match_their_scalar_twin_for_every_length_and_special_value()
    {
        float[] special = [0f, -0f, 1f, -1f, 3e38f, -3e38f, 1e-45f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0.1f];
        var random = new System.Random(5);
        for (int length = 0; length <= 70; length++)
        {
            var row = new float[length];
            var golden = new float[length];
            for (int e = 0; e < length; e++)
            {
                golden[e] = random.Next(3) == 0 ? special[random.Next(special.Length)] : (float)(random.NextDouble() * 4 - 2);
                // A third equal, a third special, a third nearby.
                row[e] = random.Next(3) switch { 0 => golden[e], 1 => special[random.Next(special.Length)], _ => golden[e] * 1.001f + 1e-3f };
            }
            var fast = new double[length];
            var scalar = new double[length];
            MarginBound.AbsoluteChanges(row, golden, fast);
            MarginBound.AbsoluteChangesScalar(row, golden, scalar);
            for (int e = 0; e < length; e++)
                Assert.True(BitConverter.DoubleToInt64Bits(fast[e]) == BitConverter.DoubleToInt64Bits(scalar[e]) || (double.IsNaN(fast[e]) && double.IsNaN(scalar[e])),
                    $"length {length}, element {e}: |{row[e]} - {golden[e]}| gave {fast[e]}, scalar {scalar[e]}");
        }
    }

    [Fact]
    public void Nothing_is_proven_outside_fp32_or_when_switched_off()
    {
        var model = OnnxReader.Load(SharedData.Samples("lenet5-fmnist.onnx"));
        var data = RunnerFixtures.Images(20);
        int proofs = 0;
        foreach (var options in new[] { new RunnerOptions { Format = NumberFormat.Parse("fp16"), Datapath = NumberFormat.Parse("fp16") }, new RunnerOptions { ProveUnchanged = false } })
        {
            var runner = new FaultRunner(model, data, options with { ProofObserver = (_, _, _) => Interlocked.Increment(ref proofs) });
            runner.Run(RunnerFixtures.Sample(runner, FaultTarget.Weight, "flip", 40, 31), new ListSink());
        }
        Assert.Equal(0, proofs);
        var fp32 = new FaultRunner(model, data, new RunnerOptions { ProofObserver = (_, _, _) => Interlocked.Increment(ref proofs) });
        fp32.Run(RunnerFixtures.Sample(fp32, FaultTarget.Weight, "flip", 40, 31), new ListSink());
        Assert.True(proofs > 0);
    }
}
