// Options of the random forest (the trainer is ForestTrainer, the trained model ForestModel), as an immutable record
// with scikit-learn's defaults: 100 fully grown CART trees, Gini impurity, bootstrap, ⌊√features⌋ features per split.
namespace Neutron.Protection.Forest;

public sealed record ForestOptions
{
    /// <summary>Number of trees.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>Balanced random forest (Chen, Liaw and Breiman 2004): each tree's bootstrap draws as many examples
    /// of the majority class as the minority class has, both with replacement.</summary>
    public bool Balanced { get; init; }

    /// <summary>Features tried per split; null: max(1, ⌊√features⌋). Constant features do not count (as in scikit-learn).</summary>
    public int? FeaturesPerSplit { get; init; }

    /// <summary>A split leaves at least this many (bootstrap-weighted) examples on each side.</summary>
    public int MinSamplesLeaf { get; init; } = 1;

    /// <summary>Deepest node depth (the root is depth 0); null: grow until pure.</summary>
    public int? MaxDepth { get; init; }

    /// <summary>Tree t draws its bootstrap and feature subsets from the counter-based generator keyed by (Seed, t).</summary>
    public ulong Seed { get; init; }

    /// <summary>Trees built at once; the trees do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    public int SplitFeatures(int columns) => Math.Clamp(FeaturesPerSplit ?? Math.Max(1, (int)Math.Sqrt(columns)), 1, columns);

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Trees, 1, nameof(Trees));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinSamplesLeaf, 1, nameof(MinSamplesLeaf));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        if (FeaturesPerSplit is < 1) throw new ArgumentOutOfRangeException(nameof(FeaturesPerSplit), FeaturesPerSplit, "at least 1 feature per split");
        if (MaxDepth is < 0) throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "depth must be ≥ 0");
    }
}
