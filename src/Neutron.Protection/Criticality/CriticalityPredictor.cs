// Predicting which weight bits are critical (the DATE 2023 framework's step II): cross-validated scores of a random
// forest or a balanced one per tolerance (Table II: mean ROC AUC, mean PR AUC, and the confusion as shares of all
// injected bits), and the probability that each bit of a whole weight space is critical, computed block by block
// (bounded memory whatever the space's size; rows of a block spread over the threads, blocks returned in order).
using Neutron.Protection.Forest;

namespace Neutron.Protection.Criticality;

public enum ForestKind
{
    RandomForest,
    Balanced,
}

/// <summary>One row of Table II: a forest's cross-validated scores at one tolerance, and each row's out-of-fold
/// probability with its label (empty when nothing was cross-validated), from which a threshold can be chosen.</summary>
public sealed record PredictionScore(double Tolerance, ForestKind Forest, int Rows, int Critical, double RocAuc, double PrAuc, Confusion Confusion, int Folds)
{
    public double[] OutOfFold { get; init; } = [];
    public bool[] Labels { get; init; } = [];
}

public static class CriticalityPredictor
{
    public const int BlockSize = 1 << 16;

    public static string Name(ForestKind kind) => kind == ForestKind.Balanced ? "brf" : "rf";

    public static ForestOptions Options(ForestKind kind, int trees, ulong seed, int threads) =>
        new() { Trees = trees, Balanced = kind == ForestKind.Balanced, Seed = seed, Threads = threads };

    /// <summary>k-fold cross-validation at one tolerance. Fewer folds when the critical rows are fewer than k (at
    /// least 2, each holding a critical row); NaN scores when fewer than 2 rows of either class exist.</summary>
    public static PredictionScore Evaluate(FeatureMatrix x, IReadOnlyList<double> drops, double tolerance, ForestKind kind, int folds, ForestOptions options,
        IProgress<int>? progress = null)
    {
        var labels = drops.Select(d => d > tolerance).ToArray();
        int critical = labels.Count(l => l), smaller = Math.Min(critical, labels.Length - critical);
        int k = Math.Min(folds, smaller);
        if (k < 2) return new PredictionScore(tolerance, kind, labels.Length, critical, double.NaN, double.NaN, default, 0);
        var cv = CrossValidation.Run(x, labels, k, options with { Balanced = kind == ForestKind.Balanced }, progress);
        return new PredictionScore(tolerance, kind, labels.Length, critical, cv.MeanRocAuc, cv.MeanPrAuc, cv.Confusion, k)
            { OutOfFold = cv.Probabilities, Labels = labels };
    }

    /// <summary>The probability that each bit of the space is critical, in space order, one block at a time.</summary>
    public static IEnumerable<(long Start, double[] Probabilities)> PredictSpace(ForestModel model, BitFeatures features, IReadOnlyList<int>? columns = null)
    {
        long size = features.Space.Size;
        int width = features.Count, used = columns?.Count ?? width;
        for (long start = 0; start < size; start += BlockSize)
        {
            int n = (int)Math.Min(BlockSize, size - start);
            var p = new double[n];
            long first = start;
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = model.Options.Threads },
                () => (Row: new float[width], Picked: new float[used]),
                (i, _, buffers) =>
                {
                    features.Fill(first + i, buffers.Row);
                    if (columns is null) p[i] = model.Probability(buffers.Row);
                    else
                    {
                        for (int c = 0; c < used; c++) buffers.Picked[c] = buffers.Row[columns[c]];
                        p[i] = model.Probability(buffers.Picked);
                    }
                    return buffers;
                },
                _ => { });
            yield return (start, p);
        }
    }
}
