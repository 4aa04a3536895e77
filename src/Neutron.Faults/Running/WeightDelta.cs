// A weight fault as a change of the one output channel it reaches (DESIGN §5.4): a changed element of a
// Conv filter or bias changes one output plane, of a Gemm/MatMul weight or bias one output column. Only that
// slice is recomputed, per image, from the golden input, with GemmSlices' arithmetic (bit-identical to the
// layer's own kernels, so Inf and NaN propagate exactly as a full re-run), then compared with golden: images
// whose slice did not change stay golden. Before any of that, a bound can clear images outright: the exact change
// of the slice is the weight's change times the input it multiplies, so images whose top-1 that change (and the
// rounding in the input's slack) cannot move are never computed. Layers or kernel sets it cannot reproduce return
// false, and the ConeWorker re-runs the layer instead.
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
    /// Whether image n's output may stay golden when its slice (from element offset on) changes by at most
    /// `changes` (absolute), the faulty layer's own rounding included in the bound's slack.
    /// </summary>
    public delegate bool Bounded(int n, int offset, ReadOnlySpan<double> changes);

    // Fills Scratch.Fresh with the column for these images (ascending indices into the chunk).
    private delegate void Compute(ReadOnlySpan<int> todo);

    /// <summary>Buffers one worker reuses from fault to fault.</summary>
    public sealed class Scratch
    {
        public float[] Fresh = [], Inputs = [];
        public double[] Changes = [];
        public int[] Images = [];

        public static T[] Fit<T>(ref T[] buffer, long size) =>
            buffer.Length >= size ? buffer : buffer = new T[size <= Array.MaxLength ? (int)size : throw new OutOfMemoryException($"{size} scratch elements")];
    }

    /// <summary>
    /// Recomputes the slice of node's output that weight element (value id weightId, flat index) reaches, for
    /// every image of the chunk; fills rows with the images whose output row changed, except those `bounded`
    /// clears from the weight's change (`goldenValue` to what the plan holds now) or `unchanged` accepts.
    /// False: not supported here.
    /// </summary>
    public static bool TryApply(PlannedNode node, ExecutionPlan plan, Tensor?[] gold, int weightId, long index, float goldenValue,
        TensorEncoding? quantize, PerturbedRows rows, int count, Scratch scratch, Unchanged? unchanged = null, Bounded? bounded = null)
    {
        if (!GemmSlices.Available || node.OutputIds.Length != 1) return false;
        int position = Array.IndexOf(node.InputIds, weightId);
        if (position < 1 || Array.LastIndexOf(node.InputIds, weightId) != position) return false;
        var x = gold[node.InputIds[0]];
        var y = gold[node.OutputIds[0]];
        if (x is null || y is null || x.Type != DataType.Float || y.Type != DataType.Float || x.Shape[0] != count) return false;
        var inputs = node.InputIds.Select(id => id >= 0 ? plan.Values[id] : null).ToArray();
        // The weight's exact change; a quantised datapath or a non-finite value gets no bound (Inf·0 is NaN).
        float faulty = inputs[position]!.Floats[(int)index];
        double change = Math.Abs((double)faulty - goldenValue);
        if (quantize is not null || !float.IsFinite(faulty) || !float.IsFinite(goldenValue)) bounded = null;
        var slice = new Slice(rows, count, scratch, quantize, unchanged, bounded, change);
        return node.Operator switch
        {
            Engine.Operators.Conv conv => Conv(conv, x, inputs, position, index, y, slice),
            Engine.Operators.Gemm gemm => Gemm(gemm, x, inputs, position, index, y, slice),
            Engine.Operators.MatMul => MatMul(x, inputs, position, index, y, slice),
            _ => false,
        };
    }

    // What every layer kind shares: where rows go, the buffers, the two tests, and |faulty − golden| of the weight.
    private readonly record struct Slice(PerturbedRows Rows, int Count, Scratch Scratch, TensorEncoding? Quantize,
        Unchanged? Unchanged, Bounded? Bounded, double Change);

    private static bool Conv(Engine.Operators.Conv conv, Tensor x, Tensor?[] inputs, int position, long index, Tensor y, Slice s)
    {
        var w = inputs[1]!;
        var g = conv.Geometry(x.Shape, w.Shape);
        if (g.IsDepthwise) return false;
        int channel = position == 1 ? (int)(index / g.PatchSize) : (int)index;
        var bias = inputs.Length > 2 && inputs[2] is { } b ? b.Floats : [];
        int count = s.Count, outWidth = y.Length / count, plane = g.OutSpatial, inPer = g.C * g.H * g.W;
        var scratch = s.Scratch;
        var todo = Scratch.Fit(ref scratch.Images, count);
        int left = 0;
        if (s.Bounded is null) for (int n = 0; n < count; n++) todo[left++] = n;
        else
        {
            // |Δy_p| ≤ (1+γ)·|Δw|·|x at tap p| (0 on padding), or (1+γ)·|Δb| everywhere for the bias.
            var changes = Scratch.Fit(ref scratch.Changes, plane);
            double scaled = LogitGains.ChangeFactor(g.PatchSize + 2) * s.Change;
            int tap = position == 1 ? (int)(index % g.PatchSize) : -1;
            int ci = tap / (g.KH * g.KW) + channel / g.MPerGroup * g.CPerGroup, ky = tap / g.KW % g.KH, kx = tap % g.KW;
            var xs = x.Floats;
            for (int n = 0; n < count; n++)
            {
                if (tap < 0) changes.AsSpan(0, plane).Fill(scaled);
                else
                {
                    var xPlane = xs.Slice(n * inPer + ci * g.H * g.W, g.H * g.W);
                    for (int oy = 0, p = 0; oy < g.OutH; oy++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        for (int ox = 0; ox < g.OutW; ox++, p++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            changes[p] = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W ? scaled * Math.Abs(xPlane[iy * g.W + ix]) : 0;
                        }
                    }
                }
                if (!s.Bounded(n, channel * plane, changes.AsSpan(0, plane))) todo[left++] = n;
            }
        }
        if (left == 0)
        {
            s.Rows.Dirty(channel * plane, (channel + 1) * plane);
            return true;
        }
        // The images still to compute, packed when the bound cleared some.
        var source = x.Floats;
        if (left < count)
        {
            var packed = Scratch.Fit(ref scratch.Inputs, (long)left * inPer);
            for (int i = 0; i < left; i++) source.Slice(todo[i] * inPer, inPer).CopyTo(packed.AsSpan(i * inPer, inPer));
            source = packed.AsSpan(0, left * inPer);
        }
        var fresh = Scratch.Fit(ref scratch.Fresh, (long)left * plane);
        ConvChannel.Forward(g, channel, source, left, w.Floats, bias, fresh);
        s.Quantize?.Quantize(fresh.AsSpan(0, left * plane));
        for (int i = 0; i < left; i++)
        {
            int n = todo[i];
            var mine = fresh.AsSpan(i * plane, plane);
            var golden = y.Floats.Slice(n * outWidth, outWidth);
            var before = golden.Slice(channel * plane, plane);
            if (PerturbedRows.BitEqual(mine, before) || s.Unchanged?.Invoke(n, channel * plane, mine, before) == true) continue;
            var row = s.Rows.Add(n);
            golden.CopyTo(row);
            mine.CopyTo(row.Slice(channel * plane, plane));
        }
        s.Rows.Dirty(channel * plane, (channel + 1) * plane);
        return true;
    }

    private static bool Gemm(Engine.Operators.Gemm gemm, Tensor x, Tensor?[] inputs, int position, long index, Tensor y, Slice s)
    {
        if (gemm.TransA || x.Rank != 2) return false;
        var b = inputs[1]!;
        int k = x.Shape[1], n = y.Shape[1];
        var c = inputs.Length > 2 && gemm.Beta != 0f ? inputs[2] : null;
        // Y starts as beta·C (the bias row, or a broadcast scalar); the product accumulates on top.
        float start = 0f;
        bool biasRow = c is not null && c.Length == n && c.Shape.Length > 0 && c.Shape[^1] == n;
        if (c is not null && !biasRow && c.Length != 1) return false; // per-row C: not a broadcast row
        int column, row = -1;
        if (position == 1)
        {
            column = (int)(gemm.TransB ? index / k : index % n);
            row = (int)(gemm.TransB ? index % k : index / n);
        }
        else if (biasRow) column = (int)index;
        else return false; // a fault in a scalar C changes every column
        if (c is not null) start = (biasRow ? c.Floats[column] : c.Floats[0]) * gemm.Beta;
        // |Δy| ≤ (1+γ)·|alpha·Δw·x_row|, or (1+γ)·|beta·Δc| for the bias.
        double scaled = LogitGains.ChangeFactor(k + 3) * s.Change * Math.Abs((double)(position == 1 ? gemm.Alpha : gemm.Beta));
        Column(x, k, row, scaled, s, todo =>
        {
            var fresh = s.Scratch.Fresh;
            Array.Fill(fresh, start, 0, todo.Length);
            GemmSlices.Column(gemm.TransB, todo.Length, k, column, gemm.Alpha, Inputs(x, k, todo, s), k, b.Floats, gemm.TransB ? k : n,
                c is null ? 0f : 1f, fresh);
        }, column, y, n);
        return true;
    }

    private static bool MatMul(Tensor x, Tensor?[] inputs, int position, long index, Tensor y, Slice s)
    {
        var b = inputs[1]!;
        if (position != 1 || x.Rank != 2 || b.Rank != 2) return false;
        int k = x.Shape[1], n = b.Shape[1];
        int column = (int)(index % n);
        double scaled = LogitGains.ChangeFactor(k + 3) * s.Change;
        Column(x, k, (int)(index / n), scaled, s, todo =>
            GemmSlices.Column(false, todo.Length, k, column, 1f, Inputs(x, k, todo, s), k, b.Floats, n, 0f, s.Scratch.Fresh), column, y, n);
        return true;
    }

    // Column j of a (count, n) output: images the bound clears stay golden; compute(todo) fills Scratch.Fresh for the
    // others, and those whose element changed become perturbed rows. `row`: the input element the weight multiplies
    // (-1: a bias, the same change for every image).
    private static void Column(Tensor x, int k, int row, double scaled, Slice s, Compute compute, int column, Tensor y, int n)
    {
        int count = s.Count;
        var scratch = s.Scratch;
        var images = Scratch.Fit(ref scratch.Images, count);
        int left = 0;
        Span<double> change = stackalloc double[1];
        var xs = x.Floats;
        for (int i = 0; i < count; i++)
        {
            if (s.Bounded is not null)
            {
                change[0] = row < 0 ? scaled : scaled * Math.Abs(xs[i * k + row]);
                if (s.Bounded(i, column, change)) continue;
            }
            images[left++] = i;
        }
        s.Rows.Dirty(column, column + 1);
        if (left == 0) return;
        ReadOnlySpan<int> todo = images.AsSpan(0, left);
        Scratch.Fit(ref scratch.Fresh, left);
        compute(todo);
        var fresh = scratch.Fresh;
        s.Quantize?.Quantize(fresh.AsSpan(0, left));
        var golden = y.Floats;
        for (int t = 0; t < left; t++)
        {
            int i = todo[t];
            float g = golden[i * n + column];
            if (BitConverter.SingleToInt32Bits(g) == BitConverter.SingleToInt32Bits(fresh[t])) continue;
            if (s.Unchanged?.Invoke(i, column, fresh.AsSpan(t, 1), golden.Slice(i * n + column, 1)) == true) continue;
            var perturbed = s.Rows.Add(i);
            golden.Slice(i * n, n).CopyTo(perturbed);
            perturbed[column] = fresh[t];
        }
    }

    // The input rows of the images to compute: x itself when they are all of them, else packed.
    private static ReadOnlySpan<float> Inputs(Tensor x, int k, ReadOnlySpan<int> todo, Slice s)
    {
        if (todo.Length == s.Count) return x.Floats;
        var packed = Scratch.Fit(ref s.Scratch.Inputs, (long)todo.Length * k);
        for (int t = 0; t < todo.Length; t++) x.Floats.Slice(todo[t] * k, k).CopyTo(packed.AsSpan(t * k, k));
        return packed.AsSpan(0, todo.Length * k);
    }
}
