// Trains a random forest (ForestOptions → ForestModel): ranks every feature once, then grows the trees in parallel,
// tree t from its own bootstrap drawn from TreeRandom(seed, t), so the forest is the same for any thread count.
// Random forest: n draws with replacement from all n rows. Balanced: m draws with replacement from each class,
// m = the minority class's size (a training set with one class only falls back to the plain bootstrap).
namespace Neutron.Protection.Forest;

public sealed class ForestTrainer(ForestOptions options)
{
    public ForestOptions Options { get; } = options;

    public ForestModel Train(FeatureMatrix x, IReadOnlyList<bool> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Options.Validate();
        if (y.Count != x.Rows) throw new ArgumentException($"{y.Count} labels for {x.Rows} rows", nameof(y));
        if (x.Rows == 0) throw new ArgumentException("no rows to train on", nameof(x));
        if (x.Columns > 64) throw new ArgumentException($"{x.Columns} features; the forest takes at most 64", nameof(x));
        var labels = y.ToArray();
        var (codes, values) = Rank(x);
        int[] positives = Enumerable.Range(0, labels.Length).Where(r => labels[r]).ToArray();
        int[] negatives = Enumerable.Range(0, labels.Length).Where(r => !labels[r]).ToArray();

        var trees = new DecisionTree[Options.Trees];
        Parallel.For(0, Options.Trees, new ParallelOptions { MaxDegreeOfParallelism = Options.Threads },
            () => (Builder: new TreeBuilder(codes, values, labels, Options), Counts: new int[labels.Length]),
            (t, _, local) =>
            {
                var random = new TreeRandom(Options.Seed, (ulong)t);
                Bootstrap(local.Counts, positives, negatives, ref random);
                trees[t] = local.Builder.Build(local.Counts, ref random);
                return local;
            },
            _ => { });
        return new ForestModel(trees, x.Names, Options);
    }

    internal void Bootstrap(int[] counts, int[] positives, int[] negatives, ref TreeRandom random)
    {
        Array.Clear(counts);
        int n = counts.Length, minority = Math.Min(positives.Length, negatives.Length);
        if (!Options.Balanced || minority == 0)
        {
            for (int i = 0; i < n; i++) counts[random.Below(n)]++;
            return;
        }
        for (int i = 0; i < minority; i++) counts[positives[random.Below(positives.Length)]]++;
        for (int i = 0; i < minority; i++) counts[negatives[random.Below(negatives.Length)]]++;
    }

    /// <summary>Per feature: each row's dense rank code and the distinct values in ascending order.</summary>
    internal static (int[][] Codes, double[][] Values) Rank(FeatureMatrix x)
    {
        var codes = new int[x.Columns][];
        var values = new double[x.Columns][];
        for (int f = 0; f < x.Columns; f++)
        {
            var column = new float[x.Rows];
            for (int r = 0; r < x.Rows; r++) column[r] = x[r, f];
            var distinct = column.Distinct().Order().ToArray();
            values[f] = distinct.Select(v => (double)v).ToArray();
            codes[f] = new int[x.Rows];
            for (int r = 0; r < x.Rows; r++) codes[f][r] = Array.BinarySearch(distinct, column[r]);
        }
        return (codes, values);
    }
}
