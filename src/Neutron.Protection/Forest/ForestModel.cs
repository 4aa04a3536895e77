// A trained random forest (ForestTrainer makes it from ForestOptions): the probability that a row is positive is
// the mean of its trees' leaf shares, as scikit-learn's predict_proba; a row is predicted positive when that
// probability exceeds 0.5 (scikit-learn's predict: a tie goes to the negative class).
namespace Neutron.Protection.Forest;

public sealed class ForestModel
{
    internal ForestModel(DecisionTree[] trees, IReadOnlyList<string> features, ForestOptions options)
    {
        Trees = trees;
        Features = features;
        Options = options;
    }

    public IReadOnlyList<DecisionTree> Trees { get; }
    /// <summary>The feature names, in the column order rows must have.</summary>
    public IReadOnlyList<string> Features { get; }
    public ForestOptions Options { get; }

    public double Probability(ReadOnlySpan<float> row)
    {
        if (row.Length != Features.Count) throw new ArgumentException($"row has {row.Length} features, the forest {Features.Count}", nameof(row));
        double sum = 0;
        foreach (var tree in Trees) sum += tree.Probability(row);
        return sum / Trees.Count;
    }

    public static bool IsPositive(double probability) => probability > 0.5;

    /// <summary>Probabilities of every row, rows spread over the options' threads.</summary>
    public double[] Probabilities(FeatureMatrix x)
    {
        var p = new double[x.Rows];
        Parallel.For(0, x.Rows, new ParallelOptions { MaxDegreeOfParallelism = Options.Threads }, r => p[r] = Probability(x.Row(r)));
        return p;
    }
}
