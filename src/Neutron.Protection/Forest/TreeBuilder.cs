// Grows one CART tree (Gini impurity, binary labels) over bootstrap-weighted examples, depth first. Features arrive
// as dense rank codes (code k = the k-th smallest distinct value of the feature), so the best threshold of a feature
// in a node is found by one sweep in code order: through a histogram when the node's code range is small, by
// sorting the node's examples otherwise. Both give the exact CART split; a threshold is the midpoint between the two
// neighbouring values, as scikit-learn's. One builder per thread; its buffers are reused from tree to tree.
namespace Neutron.Protection.Forest;

internal sealed class TreeBuilder
{
    private readonly int[][] codes;      // codes[feature][row]
    private readonly double[][] values;  // values[feature][code], ascending
    private readonly bool[] labels;
    private readonly ForestOptions options;
    private readonly int splitFeatures;
    private readonly int[] samples, sortKeys, sortRows, featureOrder;
    private readonly double[] weight, histTotal, histPositive;

    // Nodes of the tree being built.
    private readonly List<int> feature = [], left = [], right = [];
    private readonly List<double> threshold = [], value = [];

    public TreeBuilder(int[][] codes, double[][] values, bool[] labels, ForestOptions options)
    {
        this.codes = codes;
        this.values = values;
        this.labels = labels;
        this.options = options;
        int n = labels.Length, columns = codes.Length;
        splitFeatures = options.SplitFeatures(columns);
        samples = new int[n];
        sortKeys = new int[n];
        sortRows = new int[n];
        weight = new double[n];
        featureOrder = Enumerable.Range(0, columns).ToArray();
        int widest = values.Max(v => v.Length);
        histTotal = new double[widest];
        histPositive = new double[widest];
    }

    /// <summary>Grows a tree on the rows with a positive bootstrap count (counts[row] copies of the row).</summary>
    public DecisionTree Build(int[] counts, ref TreeRandom random)
    {
        int m = 0;
        for (int r = 0; r < counts.Length; r++)
        {
            weight[r] = counts[r];
            if (counts[r] > 0) samples[m++] = r;
        }
        feature.Clear(); left.Clear(); right.Clear(); threshold.Clear(); value.Clear();
        AddNode();
        var stack = new Stack<(int Node, int Start, int End, int Depth, ulong Constant)>();
        stack.Push((0, 0, m, 0, 0));
        while (stack.Count > 0)
        {
            var (node, start, end, depth, constant) = stack.Pop();
            double total = 0, positive = 0;
            for (int k = start; k < end; k++)
            {
                int r = samples[k];
                total += weight[r];
                if (labels[r]) positive += weight[r];
            }
            value[node] = total > 0 ? positive / total : 0;
            bool leaf = positive == 0 || positive == total || total < 2 * options.MinSamplesLeaf || depth >= (options.MaxDepth ?? int.MaxValue);
            if (leaf) continue;
            var (f, leftCode) = BestSplit(start, end, total, positive, ref constant, ref random);
            if (f < 0) continue; // every feature constant here
            int mid = Partition(start, end, codes[f], leftCode);
            int l = AddNode(), rr = AddNode();
            feature[node] = f;
            threshold[node] = Midpoint(values[f], leftCode, RightCode(codes[f], mid, end));
            left[node] = l;
            right[node] = rr;
            stack.Push((rr, mid, end, depth + 1, constant));
            stack.Push((l, start, mid, depth + 1, constant));
        }
        return new DecisionTree([.. feature], [.. threshold], [.. left], [.. right], [.. value]);
    }

    private int AddNode()
    {
        feature.Add(-1); left.Add(-1); right.Add(-1); threshold.Add(0); value.Add(0);
        return feature.Count - 1;
    }

    /// <summary>The feature and the highest code of the left side of the best split, or (-1, -1) when none exists.
    /// As scikit-learn's splitter: features are drawn without replacement from those not known to be constant in this
    /// node (constant in an ancestor, bit set in <paramref name="constant"/>); splitFeatures draws are tried, constant
    /// ones included, and more only while every feature tried was constant. Newly found constants join the mask.</summary>
    private (int Feature, int LeftCode) BestSplit(int start, int end, double total, double positive, ref ulong constant, ref TreeRandom random)
    {
        double bestScore = double.PositiveInfinity;
        int bestFeature = -1, bestCode = -1, visited = 0, nonConstant = 0;
        int candidates = 0;
        for (int f = 0; f < featureOrder.Length; f++)
            if ((constant & (1UL << f)) == 0) featureOrder[candidates++] = f;
        for (int i = 0; i < candidates && (visited < splitFeatures || nonConstant == 0); i++)
        {
            int j = i + random.Below(candidates - i);
            (featureOrder[i], featureOrder[j]) = (featureOrder[j], featureOrder[i]);
            int f = featureOrder[i];
            visited++;
            int[] c = codes[f];
            int lo = int.MaxValue, hi = int.MinValue;
            for (int k = start; k < end; k++)
            {
                int code = c[samples[k]];
                if (code < lo) lo = code;
                if (code > hi) hi = code;
            }
            if (lo == hi)
            {
                constant |= 1UL << f;
                continue;
            }
            nonConstant++;
            var (score, code2) = hi - lo <= 2 * (end - start) + 64
                ? SweepHistogram(c, start, end, lo, hi, total, positive)
                : SweepSorted(c, start, end, total, positive);
            if (score < bestScore)
            {
                bestScore = score;
                bestFeature = f;
                bestCode = code2;
            }
        }
        return (bestFeature, bestCode);
    }

    /// <summary>Σ over both children of weight × Gini impurity, halved: p(w − p)/w per side. Lower is better.</summary>
    private static double Score(double wl, double pl, double total, double positive)
    {
        double wr = total - wl, pr = positive - pl;
        return pl * (wl - pl) / wl + pr * (wr - pr) / wr;
    }

    private (double Score, int LeftCode) SweepHistogram(int[] c, int start, int end, int lo, int hi, double total, double positive)
    {
        Array.Clear(histTotal, lo, hi - lo + 1);
        Array.Clear(histPositive, lo, hi - lo + 1);
        for (int k = start; k < end; k++)
        {
            int r = samples[k];
            histTotal[c[r]] += weight[r];
            if (labels[r]) histPositive[c[r]] += weight[r];
        }
        double best = double.PositiveInfinity, wl = 0, pl = 0, minLeaf = options.MinSamplesLeaf;
        int bestCode = -1;
        for (int code = lo; code < hi; code++)
        {
            if (histTotal[code] == 0) continue;
            wl += histTotal[code];
            pl += histPositive[code];
            if (wl < minLeaf || total - wl < minLeaf) continue;
            double s = Score(wl, pl, total, positive);
            if (s < best) { best = s; bestCode = code; }
        }
        return (best, bestCode);
    }

    private (double Score, int LeftCode) SweepSorted(int[] c, int start, int end, double total, double positive)
    {
        int m = end - start;
        for (int k = 0; k < m; k++)
        {
            sortRows[k] = samples[start + k];
            sortKeys[k] = c[sortRows[k]];
        }
        Array.Sort(sortKeys, sortRows, 0, m);
        double best = double.PositiveInfinity, wl = 0, pl = 0, minLeaf = options.MinSamplesLeaf;
        int bestCode = -1;
        for (int k = 0; k < m - 1; k++)
        {
            int r = sortRows[k];
            wl += weight[r];
            if (labels[r]) pl += weight[r];
            if (sortKeys[k] == sortKeys[k + 1] || wl < minLeaf || total - wl < minLeaf) continue;
            double s = Score(wl, pl, total, positive);
            if (s < best) { best = s; bestCode = sortKeys[k]; }
        }
        return (best, bestCode);
    }

    /// <summary>Moves the rows with code ≤ leftCode to the front of [start, end); returns where the right side begins.</summary>
    private int Partition(int start, int end, int[] c, int leftCode)
    {
        int i = start, j = end - 1;
        while (i <= j)
        {
            if (c[samples[i]] <= leftCode) i++;
            else
            {
                (samples[i], samples[j]) = (samples[j], samples[i]);
                j--;
            }
        }
        return i;
    }

    /// <summary>The smallest code among the rows of [mid, end): the right side's smallest value.</summary>
    private int RightCode(int[] c, int mid, int end)
    {
        int lo = int.MaxValue;
        for (int k = mid; k < end; k++) lo = Math.Min(lo, c[samples[k]]);
        return lo;
    }

    /// <summary>Halfway between the left side's largest value and the right side's smallest, as scikit-learn's
    /// threshold (the left value itself when rounding would reach the right one).</summary>
    private static double Midpoint(double[] v, int leftCode, int rightCode)
    {
        double a = v[leftCode], b = v[rightCode], m = a + (b - a) / 2;
        return m >= b ? a : m;
    }
}
