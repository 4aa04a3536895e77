// The training loop: seeded shuffling, mini-batches, augmentation, forward/backward on a tape, optimizer step,
// learning-rate schedule, per-epoch loss/accuracy (and test accuracy when a test set is given).
// Options, the loop and the trained model are three things: TrainerOptions, Trainer, and the ModelTape's Model.
using System.Diagnostics;
using Neutron.Engine.Autodiff;

namespace Neutron.Engine.Training;

public enum OptimizerKind { Sgd, Adam }

public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public float LearningRate { get; init; } = 0.05f;
    public float Momentum { get; init; } = 0.9f;
    public float WeightDecay { get; init; } = 5e-4f;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    public int StepEpochs { get; init; }
    public int Seed { get; init; } = 1;
    public Augmentation Augmentation { get; init; } = Augmentation.None;
    public int EvaluationBatch { get; init; } = 500;
}

public sealed record EpochReport(int Epoch, int Epochs, double Loss, double Accuracy, double? TestAccuracy, double Seconds, float LearningRate);

public sealed class Trainer(ModelTape net, TrainerOptions options)
{
    public ModelTape Net { get; } = net;
    public TrainerOptions Options { get; } = options;

    /// <summary>Called after each batch with (batches done in this epoch, batches per epoch).</summary>
    public Action<int, int>? OnBatch { get; init; }
    public Action<EpochReport>? OnEpoch { get; init; }

    public List<EpochReport> Fit(ImageSet train, ImageSet? test = null, CancellationToken cancel = default)
    {
        var o = Options;
        if (train.Count < 2) throw new ArgumentException("training needs at least two images");
        var parameters = Net.Parameters;
        Optimizer optimizer = o.Optimizer == OptimizerKind.Adam
            ? new Adam(parameters, weightDecay: o.WeightDecay)
            : new Sgd(parameters, o.Momentum, o.WeightDecay);
        var schedule = new LearningRateSchedule(o.Schedule, o.LearningRate, o.Epochs, o.StepEpochs);
        int batch = Math.Min(o.BatchSize, train.Count);
        // A trailing batch of one would make batch statistics degenerate: fold it away.
        int batches = train.Count / batch + (train.Count % batch >= 2 ? 1 : 0);
        var order = Enumerable.Range(0, train.Count).ToArray();
        var reports = new List<EpochReport>();
        var buffer = new float[batch * train.ImageSize];
        var labels = new int[batch];
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            Shuffle(order, new Random(Mix(o.Seed, epoch, -1)));
            double lossSum = 0;
            long correct = 0, seen = 0;
            float rate = 0;
            for (int bi = 0; bi < batches; bi++)
            {
                cancel.ThrowIfCancellationRequested();
                int start = bi * batch, n = Math.Min(batch, train.Count - start);
                var rng = new Random(Mix(o.Seed, epoch, bi));
                for (int i = 0; i < n; i++)
                {
                    int src = order[start + i];
                    labels[i] = train.Labels[src];
                    var dst = buffer.AsSpan(i * train.ImageSize, train.ImageSize);
                    if (o.Augmentation.IsNone) train.Image(src).CopyTo(dst);
                    else o.Augmentation.Apply(train.Image(src), dst, train.Channels, train.Height, train.Width, train.Background, rng);
                }
                var x = new Var(n == batch ? buffer : buffer[..(n * train.ImageSize)], [n, train.Channels, train.Height, train.Width]);
                var tape = new Tape { Training = true };
                var logits = Net.Forward(tape, x);
                var loss = tape.SoftmaxCrossEntropy(logits, labels.AsSpan(0, n));
                tape.Backward(loss);
                rate = schedule.At(epoch + (double)bi / batches);
                optimizer.Step(rate);
                lossSum += loss.Data[0] * n;
                correct += CountCorrect(logits.Data, labels.AsSpan(0, n), logits.Shape[1]);
                seen += n;
                OnBatch?.Invoke(bi + 1, batches);
            }
            double? testAccuracy = test is null ? null : Evaluate(Net, test, o.EvaluationBatch);
            var report = new EpochReport(epoch + 1, o.Epochs, lossSum / seen, (double)correct / seen, testAccuracy, clock.Elapsed.TotalSeconds, rate);
            reports.Add(report);
            OnEpoch?.Invoke(report);
        }
        return reports;
    }

    /// <summary>Top-1 accuracy in eval mode (BatchNorm on running statistics).</summary>
    public static double Evaluate(ModelTape net, ImageSet set, int batch = 500)
    {
        long correct = 0;
        for (int start = 0; start < set.Count; start += batch)
        {
            int n = Math.Min(batch, set.Count - start);
            var x = new Var(set.Images[(start * set.ImageSize)..((start + n) * set.ImageSize)], [n, set.Channels, set.Height, set.Width]);
            var logits = net.Forward(new Tape { Training = false, Recording = false }, x);
            correct += CountCorrect(logits.Data, set.Labels.AsSpan(start, n), logits.Shape[1]);
        }
        return (double)correct / Math.Max(set.Count, 1);
    }

    /// <summary>Rows whose argmax (first index on ties, NaN as the maximum, DESIGN §4) equals the label.</summary>
    public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
    {
        int correct = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            var row = logits.Slice(r * classes, classes);
            int best = 0;
            for (int j = 1; j < classes && !float.IsNaN(row[best]); j++)
                if (row[j] > row[best] || float.IsNaN(row[j])) best = j;
            if (best == labels[r]) correct++;
        }
        return correct;
    }

    private static void Shuffle(int[] order, Random rng)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>A seed for (seed, epoch, batch): SplitMix64 finalisation, so nearby keys give unrelated streams.</summary>
    internal static int Mix(int seed, int epoch, int batch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch << 32 ^ (uint)batch;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
