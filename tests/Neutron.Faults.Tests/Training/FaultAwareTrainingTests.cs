// Fault-aware training's fault maps: the flip count follows the bit-error rate, a map is a pure function of its
// seed, evaluation under faults restores the weights, and training with faults on runs and keeps fitting.
using System.Numerics;
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;
using Neutron.Faults.Formats;
using Neutron.Faults.Training;

namespace Neutron.Faults.Tests.Training;

public class FaultAwareTrainingTests
{
    [Fact]
    public void Flips_follow_the_bit_error_rate_and_the_seed()
    {
        var format = NumberFormat.Parse("fxp8.6");
        var encoding = format.ForTensor([], [0], false);
        var values = Enumerable.Range(0, 20_000).Select(i => (i % 200 - 100) / 64f).ToArray();
        var a = (float[])values.Clone();
        var b = (float[])values.Clone();
        FaultAwareTraining.StoreWithFlips(a, encoding, 0.01, 7, 0);
        FaultAwareTraining.StoreWithFlips(b, encoding, 0.01, 7, 0);
        Assert.Equal(a, b);
        long flipped = 0;
        for (int i = 0; i < values.Length; i++) flipped += BitOperations.PopCount(format.Encode(values[i]) ^ format.Encode(a[i]));
        // 160,000 bits at 1 %: 1,600 expected, sd ≈ 40.
        Assert.InRange(flipped, 1_440, 1_760);
        var none = (float[])values.Clone();
        FaultAwareTraining.StoreWithFlips(none, encoding, 0, 7, 0);
        Assert.Equal(values, none);
    }

    [Fact]
    public void Training_under_faults_fits_and_evaluation_restores_weights()
    {
        var format = NumberFormat.Parse("fxp8.6");
        var rng = new System.Random(4);
        var images = new float[16 * 28 * 28];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
        var set = new ImageSet(images, Enumerable.Range(0, 16).Select(i => i % 10).ToArray(), 1, 28, 28, 10, [0f]);
        var net = new ModelTape(Architectures.LeNet5(1, 28, 28, 10, seed: 2));
        FaultAwareTraining.Attach(net, format, 1e-4, seed: 11);
        var reports = new Trainer(net, new TrainerOptions { Epochs = 40, BatchSize = 16, Optimizer = OptimizerKind.Adam, LearningRate = 3e-3f, WeightDecay = 0, Schedule = ScheduleKind.Constant }).Fit(set);
        Assert.True(reports[^1].Loss < reports[0].Loss / 2, $"loss {reports[0].Loss} → {reports[^1].Loss}");
        QuantizationAwareTraining.Freeze(net, format);

        var before = net.Parameters.Select(p => (float[])p.Data.Clone()).ToArray();
        var clean = FaultAwareTraining.AccuracyUnderFaults(net, set, format, 0, 2, seed: 5);
        Assert.Equal(Trainer.Evaluate(net, set), clean.Mean);
        var faulty = FaultAwareTraining.AccuracyUnderFaults(net, set, format, 0.05, 4, seed: 5);
        Assert.True(faulty.Mean < clean.Mean, $"5 % of bits flipped should hurt: {faulty} vs {clean}");
        Assert.True(faulty.Low <= faulty.Mean && faulty.Mean <= faulty.High);
        var after = net.Parameters.Select(p => p.Data).ToArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
    }
}
