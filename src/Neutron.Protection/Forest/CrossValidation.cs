// Stratified k-fold cross-validation of a forest: each class is shuffled by the counter-based generator and dealt
// round-robin into k folds, so every fold holds its share of both classes. Each row is tested exactly once, by the
// forest trained on the other k − 1 folds. ROC AUC and PR AUC are means over the folds where both classes occur;
// the confusion is pooled over the folds (each row once), so its shares are shares of all rows.
using Neutron.Faults.Random;

namespace Neutron.Protection.Forest;

public sealed record FoldResult(int Fold, int TestRows, double RocAuc, double PrAuc, Confusion Confusion);

public sealed record CrossValidationResult(IReadOnlyList<FoldResult> Folds, double[] Probabilities)
{
    public double MeanRocAuc => Mean(Folds.Select(f => f.RocAuc));
    public double MeanPrAuc => Mean(Folds.Select(f => f.PrAuc));
    public Confusion Confusion => Folds.Aggregate(default(Confusion), (a, f) => a + f.Confusion);

    private static double Mean(IEnumerable<double> values)
    {
        var defined = values.Where(v => !double.IsNaN(v)).ToArray();
        return defined.Length == 0 ? double.NaN : defined.Average();
    }
}

public static class CrossValidation
{
    /// <summary>The fold (0..k−1) of every row.</summary>
    public static int[] StratifiedFolds(IReadOnlyList<bool> labels, int folds, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (folds > labels.Count) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"more folds than the {labels.Count} rows");
        var fold = new int[labels.Count];
        foreach (bool cls in new[] { false, true })
        {
            var rows = Enumerable.Range(0, labels.Count).Where(r => labels[r] == cls).ToArray();
            for (int i = rows.Length - 1; i > 0; i--)
            {
                int j = (int)CounterRng.Below(seed, (ulong)i, cls ? 2UL : 1UL, (ulong)(i + 1));
                (rows[i], rows[j]) = (rows[j], rows[i]);
            }
            // The positives continue the round-robin where the negatives stopped, so small folds stay balanced in size.
            int offset = cls ? labels.Count(l => !l) : 0;
            for (int i = 0; i < rows.Length; i++) fold[rows[i]] = (offset + i) % folds;
        }
        return fold;
    }

    /// <summary>Trains k forests; reports each finished fold to <paramref name="progress"/>.</summary>
    public static CrossValidationResult Run(FeatureMatrix x, IReadOnlyList<bool> labels, int folds, ForestOptions options, IProgress<int>? progress = null)
    {
        var fold = StratifiedFolds(labels, folds, options.Seed);
        var probabilities = new double[x.Rows];
        var results = new List<FoldResult>();
        for (int k = 0; k < folds; k++)
        {
            var train = Enumerable.Range(0, x.Rows).Where(r => fold[r] != k).ToArray();
            var test = Enumerable.Range(0, x.Rows).Where(r => fold[r] == k).ToArray();
            var model = new ForestTrainer(options with { Seed = CounterRng.Next(options.Seed, (ulong)k, 3) })
                .Train(x.Select(train), train.Select(r => labels[r]).ToArray());
            var p = model.Probabilities(x.Select(test));
            var truth = test.Select(r => labels[r]).ToArray();
            for (int i = 0; i < test.Length; i++) probabilities[test[i]] = p[i];
            results.Add(new FoldResult(k, test.Length, BinaryMetrics.RocAuc(p, truth), BinaryMetrics.AveragePrecision(p, truth), BinaryMetrics.Confuse(p, truth)));
            progress?.Report(k + 1);
        }
        return new CrossValidationResult(results, probabilities);
    }
}
