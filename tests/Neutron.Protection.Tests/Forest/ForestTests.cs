// Known answers for the random forest: ROC AUC and average precision on hand-worked examples (with ties), the
// confusion at 0.5, trees that separate separable data, the balanced bootstrap's class counts, determinism across
// thread counts, and stratified folds. The scikit-learn comparison is SklearnAgreementTests.
using Neutron.Protection.Forest;

namespace Neutron.Protection.Tests.Forest;

public class ForestTests
{
    [Fact]
    public void Roc_auc_and_average_precision_match_hand_worked_values()
    {
        // scikit-learn's documented example: roc_auc_score = 0.75, average_precision_score = 0.8333…
        double[] s = [0.1, 0.4, 0.35, 0.8];
        bool[] y = [false, false, true, true];
        Assert.Equal(0.75, BinaryMetrics.RocAuc(s, y), 12);
        Assert.Equal(5.0 / 6, BinaryMetrics.AveragePrecision(s, y), 12);
        // A tie between a positive and a negative counts one half: (1 + ½ + 1 + 1) / 4 pairs.
        double[] t = [0.2, 0.5, 0.5, 0.9];
        Assert.Equal(0.875, BinaryMetrics.RocAuc(t, y), 12);
        // Thresholds 0.9 (R ½, P 1) and 0.5 (R 1, P ⅔): ½ · 1 + ½ · ⅔.
        Assert.Equal(5.0 / 6, BinaryMetrics.AveragePrecision(t, y), 12);
        Assert.Equal(0.5, BinaryMetrics.RocAuc([0.3, 0.3, 0.3, 0.3], y), 12);
        Assert.True(double.IsNaN(BinaryMetrics.RocAuc([0.1, 0.2], [false, false])));
    }

    [Fact]
    public void Confusion_counts_a_row_positive_above_the_threshold()
    {
        var c = BinaryMetrics.Confuse([0.1, 0.5, 0.51, 0.9, 0.2], [false, true, false, true, true]);
        Assert.Equal(new Confusion(TrueNegative: 1, FalsePositive: 1, FalseNegative: 2, TruePositive: 1), c);
        Assert.Equal(0.4, c.Share(c.FalseNegative), 12);
        Assert.Equal(1.0 / 3, c.Recall, 12);
    }

    [Fact]
    public void A_forest_separates_separable_data()
    {
        var (x, y) = Line(100, 50);
        var model = new ForestTrainer(new ForestOptions { Trees = 50, Seed = 1 }).Train(x, y);
        Assert.Equal(0.0, model.Probability([10f]));
        Assert.Equal(1.0, model.Probability([90f]));
        Assert.Equal(1.0, BinaryMetrics.RocAuc(model.Probabilities(x), y));
        // Every tree is one split: a root and two pure leaves.
        Assert.All(model.Trees, t => Assert.Equal((2, 1), t.Shape()));
    }

    [Fact]
    public void Trees_grow_deep_enough_for_xor()
    {
        var values = new List<float>();
        var labels = new List<bool>();
        for (int i = 0; i < 20; i++)
            for (int j = 0; j < 20; j++)
            {
                values.Add(i); values.Add(j);
                labels.Add(i < 10 != j < 10);
            }
        var x = new FeatureMatrix(labels.Count, 2, [.. values]);
        var model = new ForestTrainer(new ForestOptions { Trees = 30, Seed = 2 }).Train(x, labels);
        Assert.True(model.Probability([3f, 3f]) < 0.2);
        Assert.True(model.Probability([3f, 16f]) > 0.8);
        Assert.True(model.Probability([16f, 3f]) > 0.8);
        Assert.True(model.Probability([16f, 16f]) < 0.2);
    }

    [Fact]
    public void The_forest_is_the_same_for_any_thread_count_and_changes_with_the_seed()
    {
        var (x, y) = Noisy(600, 5, 0.3, seed: 3);
        foreach (bool balanced in new[] { false, true })
        {
            var options = new ForestOptions { Trees = 40, Seed = 7, Balanced = balanced };
            var one = new ForestTrainer(options with { Threads = 1 }).Train(x, y).Probabilities(x);
            var two = new ForestTrainer(options with { Threads = 2 }).Train(x, y).Probabilities(x);
            var other = new ForestTrainer(options with { Threads = 2, Seed = 8 }).Train(x, y).Probabilities(x);
            Assert.Equal(one, two);
            Assert.NotEqual(one, other);
        }
    }

    [Fact]
    public void The_balanced_bootstrap_draws_the_minority_size_from_each_class()
    {
        var (x, y) = Noisy(500, 3, 0.05, seed: 4);
        int minority = Math.Min(y.Count(l => l), y.Count(l => !l));
        Assert.InRange(minority, 5, 60);
        var random = new TreeRandom(9, 0);
        var counts = new int[y.Length];
        var trainer = new ForestTrainer(new ForestOptions { Balanced = true });
        int[] pos = Enumerable.Range(0, y.Length).Where(r => y[r]).ToArray(), neg = Enumerable.Range(0, y.Length).Where(r => !y[r]).ToArray();
        trainer.Bootstrap(counts, pos, neg, ref random);
        Assert.Equal(minority, pos.Sum(r => counts[r]));
        Assert.Equal(minority, neg.Sum(r => counts[r]));
        var plain = new ForestTrainer(new ForestOptions());
        plain.Bootstrap(counts, pos, neg, ref random);
        Assert.Equal(y.Length, counts.Sum());
        _ = x;
    }

    [Fact]
    public void Balanced_forests_miss_fewer_rare_positives()
    {
        var (x, y) = Noisy(3000, 4, 0.03, seed: 5);
        var cvRf = CrossValidation.Run(x, y, 5, new ForestOptions { Trees = 30, Seed = 1 });
        var cvBrf = CrossValidation.Run(x, y, 5, new ForestOptions { Trees = 30, Seed = 1, Balanced = true });
        Assert.True(cvBrf.Confusion.Recall > cvRf.Confusion.Recall, $"BRF recall {cvBrf.Confusion.Recall} vs RF {cvRf.Confusion.Recall}");
        Assert.True(cvBrf.Confusion.FalsePositive > cvRf.Confusion.FalsePositive);
        Assert.Equal(3000, cvRf.Confusion.Total);
        Assert.InRange(cvRf.MeanRocAuc, 0.8, 1.0);
    }

    [Fact]
    public void Stratified_folds_deal_each_class_evenly()
    {
        bool[] y = Enumerable.Range(0, 103).Select(i => i % 10 == 0).ToArray(); // 11 positives, 92 negatives
        var fold = CrossValidation.StratifiedFolds(y, 5, 42);
        Assert.Equal(fold, CrossValidation.StratifiedFolds(y, 5, 42));
        for (int k = 0; k < 5; k++)
        {
            Assert.InRange(Enumerable.Range(0, y.Length).Count(r => y[r] && fold[r] == k), 2, 3);
            Assert.InRange(Enumerable.Range(0, y.Length).Count(r => fold[r] == k), 20, 21);
        }
        Assert.NotEqual(fold, CrossValidation.StratifiedFolds(y, 5, 43));
    }

    [Fact]
    public void Cross_validation_scores_separable_data_perfectly()
    {
        var (x, y) = Line(200, 120);
        var cv = CrossValidation.Run(x, y, 10, new ForestOptions { Trees = 20, Seed = 3 });
        Assert.Equal(10, cv.Folds.Count);
        Assert.Equal(1.0, cv.MeanRocAuc, 12);
        Assert.Equal(1.0, cv.MeanPrAuc, 12);
        // The first positive (x = 120), when held out, sits exactly on the midpoint 120 of its neighbours and goes left.
        Assert.InRange(cv.Confusion.TruePositive, 79, 80);
        Assert.Equal((120L, 0L), (cv.Confusion.TrueNegative, cv.Confusion.FalsePositive));
    }

    /// <summary>x = 0..n−1, positive from x = cut on.</summary>
    internal static (FeatureMatrix X, bool[] Y) Line(int n, int cut) =>
        (new FeatureMatrix(n, 1, Enumerable.Range(0, n).Select(i => (float)i).ToArray()), Enumerable.Range(0, n).Select(i => i >= cut).ToArray());

    /// <summary>Features uniform in [0, 1); positive when a nonlinear score beats a threshold that leaves about
    /// `share` positives; 5 % of the labels flipped.</summary>
    internal static (FeatureMatrix X, bool[] Y) Noisy(int n, int columns, double share, ulong seed)
    {
        var v = new float[n * columns];
        var score = new double[n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < columns; c++) v[r * columns + c] = (float)Math.Round(Neutron.Faults.Random.CounterRng.Uniform(seed, (ulong)(r * columns + c)), 3);
            double a = v[r * columns], b = v[r * columns + 1], d = columns > 2 ? v[r * columns + 2] : 0;
            score[r] = a * a + Math.Sin(6 * b) * 0.3 + (a > 0.5 ? d : 0) + Neutron.Faults.Random.CounterRng.Uniform(seed, (ulong)r, 5) * 0.2;
        }
        double cut = score.Order().ElementAt((int)(n * (1 - share)));
        var y = new bool[n];
        for (int r = 0; r < n; r++)
            y[r] = (score[r] >= cut) ^ (Neutron.Faults.Random.CounterRng.Uniform(seed, (ulong)r, 6) < 0.05 * share);
        return (new FeatureMatrix(n, columns, v), y);
    }
}
