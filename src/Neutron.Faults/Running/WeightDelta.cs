// A weight fault as a change of the one output channel it reaches (DESIGN §5.4): a changed element of a
// Conv filter or bias changes one output plane, of a Gemm/MatMul weight or bias one output column. Only that
// slice is recomputed, per image, from the golden input, with GemmSlices' arithmetic (bit-identical to the
// layer's own kernels, so Inf and NaN propagate exactly as a full re-run), then compared with golden: images
// whose slice did not change stay golden. Layers or kernel sets it cannot reproduce return false, and the
// ConeWorker re-runs the layer instead.
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;

namespace Neutron.Faults.Running;

internal static class WeightDelta
{
    /// <summary>Whether image n's output may stay golden although its slice (from element offset on) is `fresh`.</summary>
    public delegate bool Unchanged(int n, int offset, ReadOnlySpan<float> fresh, ReadOnlySpan<float> golden);

    /// <summary>
    /// Recomputes the slice of node's output that weight element (value id weightId, flat index) reaches, for
    /// every image of the chunk; fills rows with the images whose output row changed, except those `unchanged`
    /// accepts. False: not supported here.
    /// </summary>
    public static bool TryApply(PlannedNode node, ExecutionPlan plan, Tensor?[] gold, int weightId, long index,
        TensorEncoding? quantize, PerturbedRows rows, int count, Unchanged? unchanged = null)
    {
        if (!GemmSlices.Available || node.OutputIds.Length != 1) return false;
        int position = Array.IndexOf(node.InputIds, weightId);
        if (position < 1 || Array.LastIndexOf(node.InputIds, weightId) != position) return false;
        var x = gold[node.InputIds[0]];
        var y = gold[node.OutputIds[0]];
        if (x is null || y is null || x.Type != DataType.Float || y.Type != DataType.Float || x.Shape[0] != count) return false;
        var inputs = node.InputIds.Select(id => id >= 0 ? plan.Values[id] : null).ToArray();
        return node.Operator switch
        {
            Engine.Operators.Conv conv => Conv(conv, x, inputs, position, index, y, quantize, rows, count, unchanged),
            Engine.Operators.Gemm gemm => Gemm(gemm, x, inputs, position, index, y, quantize, rows, count, unchanged),
            Engine.Operators.MatMul => MatMul(x, inputs, position, index, y, quantize, rows, count, unchanged),
            _ => false,
        };
    }

    private static bool Conv(Engine.Operators.Conv conv, Tensor x, Tensor?[] inputs, int position, long index, Tensor y,
        TensorEncoding? quantize, PerturbedRows rows, int count, Unchanged? unchanged)
    {
        var w = inputs[1]!;
        var g = conv.Geometry(x.Shape, w.Shape);
        if (g.IsDepthwise) return false;
        int channel = position == 1 ? (int)(index / g.PatchSize) : (int)index;
        var bias = inputs.Length > 2 && inputs[2] is { } b ? b.Floats : [];
        int outWidth = y.Length / count, plane = g.OutSpatial;
        var fresh = new float[count * plane];
        ConvChannel.Forward(g, channel, x.Floats, count, w.Floats, bias, fresh);
        quantize?.Quantize(fresh);
        for (int n = 0; n < count; n++)
        {
            var mine = fresh.AsSpan(n * plane, plane);
            var golden = y.Floats.Slice(n * outWidth, outWidth);
            var before = golden.Slice(channel * plane, plane);
            if (PerturbedRows.BitEqual(mine, before) || unchanged?.Invoke(n, channel * plane, mine, before) == true) continue;
            var row = rows.Add(n);
            golden.CopyTo(row);
            mine.CopyTo(row.Slice(channel * plane, plane));
        }
        rows.Dirty(channel * plane, (channel + 1) * plane);
        return true;
    }

    private static bool Gemm(Engine.Operators.Gemm gemm, Tensor x, Tensor?[] inputs, int position, long index, Tensor y,
        TensorEncoding? quantize, PerturbedRows rows, int count, Unchanged? unchanged)
    {
        if (gemm.TransA || x.Rank != 2) return false;
        var b = inputs[1]!;
        int k = x.Shape[1], n = y.Shape[1];
        var c = inputs.Length > 2 && gemm.Beta != 0f ? inputs[2] : null;
        // Y starts as beta·C (the bias row, or a broadcast scalar); the product accumulates on top.
        float start = 0f;
        bool biasRow = c is not null && c.Length == n && c.Shape.Length > 0 && c.Shape[^1] == n;
        if (c is not null && !biasRow && c.Length != 1) return false; // per-row C: not a broadcast row
        int column;
        if (position == 1) column = (int)(gemm.TransB ? index / k : index % n);
        else if (biasRow) column = (int)index;
        else return false; // a fault in a scalar C changes every column
        if (c is not null) start = (biasRow ? c.Floats[column] : c.Floats[0]) * gemm.Beta;
        var fresh = new float[count];
        Array.Fill(fresh, start);
        GemmSlices.Column(gemm.TransB, count, k, column, gemm.Alpha, x.Floats, k, b.Floats, gemm.TransB ? k : n,
            c is null ? 0f : 1f, fresh);
        Finish(fresh, column, y, n, quantize, rows, count, unchanged);
        return true;
    }

    private static bool MatMul(Tensor x, Tensor?[] inputs, int position, long index, Tensor y,
        TensorEncoding? quantize, PerturbedRows rows, int count, Unchanged? unchanged)
    {
        var b = inputs[1]!;
        if (position != 1 || x.Rank != 2 || b.Rank != 2) return false;
        int k = x.Shape[1], n = b.Shape[1];
        int column = (int)(index % n);
        var fresh = new float[count];
        GemmSlices.Column(false, count, k, column, 1f, x.Floats, k, b.Floats, n, 0f, fresh);
        Finish(fresh, column, y, n, quantize, rows, count, unchanged);
        return true;
    }

    // Column j of a (count, n) output: the images whose element changed become perturbed rows.
    private static void Finish(float[] fresh, int column, Tensor y, int n, TensorEncoding? quantize, PerturbedRows rows, int count,
        Unchanged? unchanged)
    {
        quantize?.Quantize(fresh);
        var golden = y.Floats;
        for (int i = 0; i < count; i++)
        {
            float g = golden[i * n + column];
            if (BitConverter.SingleToInt32Bits(g) == BitConverter.SingleToInt32Bits(fresh[i])) continue;
            if (unchanged?.Invoke(i, column, fresh.AsSpan(i, 1), golden.Slice(i * n + column, 1)) == true) continue;
            var row = rows.Add(i);
            golden.Slice(i * n, n).CopyTo(row);
            row[column] = fresh[i];
        }
        rows.Dirty(column, column + 1);
    }
}
