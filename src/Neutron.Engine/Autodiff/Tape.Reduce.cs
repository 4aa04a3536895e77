// ReduceMean and ReduceSum on the tape over any set of axes: each input element adds to one output element (the
// map is built once per call), and the gradient flows back the same way, divided by the count for a mean.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    /// <summary>ONNX ReduceMean: the mean over <paramref name="axes"/> (all axes when empty).</summary>
    public Var ReduceMean(Var x, int[] axes, bool keepDims) => Reduce(x, axes, keepDims, mean: true);

    /// <summary>ONNX ReduceSum over <paramref name="axes"/> (all axes when empty).</summary>
    public Var ReduceSum(Var x, int[] axes, bool keepDims) => Reduce(x, axes, keepDims, mean: false);

    private Var Reduce(Var x, int[] axes, bool keepDims, bool mean)
    {
        int rank = x.Rank;
        var reduced = new bool[rank];
        foreach (int a in axes) reduced[ShapeUtil.Axis(a, rank)] = true;
        if (axes.Length == 0) Array.Fill(reduced, true);
        var kept = new int[rank]; // the output's shape with reduced axes as 1
        for (int d = 0; d < rank; d++) kept[d] = reduced[d] ? 1 : x.Shape[d];
        var shape = keepDims ? kept : Enumerable.Range(0, rank).Where(d => !reduced[d]).Select(d => x.Shape[d]).ToArray();
        // to[i]: the output element input element i adds to.
        var to = new int[x.Length];
        var keptStrides = ShapeUtil.Strides(kept);
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        for (int i = 0; i < to.Length; i++)
        {
            int o = 0;
            for (int d = 0; d < rank; d++) if (!reduced[d]) o += index[d] * keptStrides[d];
            to[i] = o;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < x.Shape[d]) break;
                index[d] = 0;
            }
        }
        int outputs = ShapeUtil.Size(shape);
        float scale = mean && outputs > 0 ? (float)outputs / Math.Max(x.Length, 1) : 1f;
        var sums = new double[outputs];
        for (int i = 0; i < to.Length; i++) sums[to[i]] += x.Data[i];
        var y = new float[outputs];
        for (int o = 0; o < outputs; o++) y[o] = (float)(sums[o] * scale);
        return Output(y, shape, Any(x), dy =>
        {
            var g = x.GradBuffer;
            for (int i = 0; i < to.Length; i++) g[i] += dy[to[i]] * scale;
        });
    }
}
