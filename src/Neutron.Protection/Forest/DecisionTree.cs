// One trained CART tree as flat arrays (node 0 is the root): an inner node sends a row left when
// row[Feature] ≤ Threshold; a leaf (Feature = -1) holds the bootstrap-weighted share of positive examples that
// reached it. Built by TreeBuilder; read by ForestModel.
namespace Neutron.Protection.Forest;

public sealed class DecisionTree
{
    private readonly int[] feature, left, right;
    private readonly double[] threshold, value;

    internal DecisionTree(int[] feature, double[] threshold, int[] left, int[] right, double[] value)
    {
        this.feature = feature;
        this.threshold = threshold;
        this.left = left;
        this.right = right;
        this.value = value;
    }

    public int NodeCount => feature.Length;

    /// <summary>Leaves, and the depth of the deepest one (the root alone is depth 0).</summary>
    public (int Leaves, int Depth) Shape()
    {
        int leaves = 0, depth = 0;
        var stack = new Stack<(int Node, int Depth)>();
        stack.Push((0, 0));
        while (stack.Count > 0)
        {
            var (n, d) = stack.Pop();
            depth = Math.Max(depth, d);
            if (feature[n] < 0) { leaves++; continue; }
            stack.Push((left[n], d + 1));
            stack.Push((right[n], d + 1));
        }
        return (leaves, depth);
    }

    /// <summary>The positive share of the leaf the row falls in.</summary>
    public double Probability(ReadOnlySpan<float> row)
    {
        int n = 0;
        while (feature[n] >= 0) n = row[feature[n]] <= threshold[n] ? left[n] : right[n];
        return value[n];
    }
}
