// The convolutions a ConeWorker can recompute over a rectangle of their output, or over whole planes, with the
// layer's own kernel (ConvDirect): those whose input is the image value and whose filters and biases are constants,
// under a vector kernel set. Prepared once per worker from the golden weights (a weight fault's own layer always
// goes through WeightDelta or a full re-run, never through here).
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;

namespace Neutron.Faults.Running;

internal sealed class ConvRegions
{
    private readonly Dictionary<Operator, Layer> layers = new(ReferenceEqualityComparer.Instance);
    private float[] gathered = [], windows = [], boxes = [];
    private bool[] differs = [];

    /// <summary>A convolution's geometry and its constant filters and biases, with ConvDirect's packed filters kept:
    /// one packing for whole planes, one for boxes (whose path, pixel or channel rows, changes with the box).</summary>
    private sealed record Layer(Conv2D Geometry, float[] Filters, float[]? Biases)
    {
        public PackedFilters Packed { get; } = new();

        public PackedFilters BoxPacked { get; } = new();
    }

    public ConvRegions(ExecutionPlan plan, bool[] batched)
    {
        foreach (var node in plan.Nodes)
        {
            if (node.Operator is not Conv conv || node.OutputIds.Length != 1) continue;
            var ids = node.InputIds;
            if (!batched[ids[0]] || plan.Types[ids[0]].Shape.Length != 4 || ids.Skip(1).Any(id => id >= 0 && batched[id])) continue;
            var w = plan.Values[ids[1]];
            var b = ids.Length > 2 && ids[2] >= 0 ? plan.Values[ids[2]] : null;
            if (w is null || (ids.Length > 2 && ids[2] >= 0 && b is null)) continue;
            var g = conv.Geometry(plan.Types[ids[0]].Shape, w.Shape);
            if (ConvDirect.Supports(KernelSet.Active, g)) layers[conv] = new Layer(g, w.Floats.ToArray(), b?.Floats.ToArray());
        }
    }

    public bool Any => layers.Count > 0;

    /// <summary>
    /// Runs the node and its element-wise tail on the rows of its perturbed input, over the outputs that read the
    /// input's box; output gets the rows of the tail's last value that changed (null: none), with their box, written
    /// only inside the rectangle computed (the rest of each row is golden's: PerturbedRows.Sparse). inputGolden: the
    /// golden rows of the input, read around a sparse input's box; golden: those of the tail's last value. False:
    /// not a layer for this. Whole planes run over the perturbed rows as they are (WholePlanes), a smaller rectangle
    /// over the input windows it reads (Boxes).
    /// </summary>
    public bool TryRun(PlannedNode node, ElementwiseTail tail, PerturbedRows input, ReadOnlySpan<float> inputGolden, ReadOnlySpan<float> golden,
        RowPool pool, out PerturbedRows? output)
    {
        output = null;
        if (input.Box is not { } box || !layers.TryGetValue(node.Operator, out var layer)) return false;
        var g = layer.Geometry;
        var reading = OutputsReading(g, box);
        if (reading.Area == 0) return true; // no window reads the box (a strided layer skipping it)
        output = reading.Area == g.OutSpatial
            ? WholePlanes(layer, tail, input, inputGolden, golden, pool)
            : Boxes(layer, tail, input, inputGolden, golden, pool, reading);
        return true;
    }

    /// <summary>The output rectangle whose windows read any input of the box (a superset with dilation), clipped to
    /// the output; empty when none does.</summary>
    internal static PlaneBox OutputsReading(Conv2D g, PlaneBox box)
    {
        var (y0, y1) = Reading(box.Y0, box.Y1, g.PadTop, g.StrideH, g.DilationH * (g.KH - 1), g.OutH);
        var (x0, x1) = Reading(box.X0, box.X1, g.PadLeft, g.StrideW, g.DilationW * (g.KW - 1), g.OutW);
        return y0 < y1 && x0 < x1 ? new PlaneBox(y0, y1, x0, x1) : default;
    }

    // Output o reads inputs [o·stride − pad, o·stride − pad + reach]; those meeting [i0, i1).
    private static (int, int) Reading(int i0, int i1, int pad, int stride, int reach, int outSize)
    {
        int first = Math.Max(0, FloorDiv(i0 + pad - reach + stride - 1, stride));
        int last = Math.Min(outSize - 1, FloorDiv(i1 - 1 + pad, stride));
        return (first, Math.Max(first, last + 1));
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>
    /// Every output of the layer for the perturbed images, as the Conv operator computes them: ConvDirect over the
    /// perturbed rows as one batch (whole rows: golden's around a sparse row's box), on this thread, written straight
    /// into the output rows as they are stored. It computes exactly the images perturbed, where a plan of the batch
    /// family would pad them to a power of two. Rows equal to golden's are dropped; the rest keep the whole planes as
    /// their box.
    /// </summary>
    private PerturbedRows? WholePlanes(Layer layer, ElementwiseTail tail, PerturbedRows input, ReadOnlySpan<float> inputGolden, ReadOnlySpan<float> golden, RowPool pool)
    {
        var g = layer.Geometry with { N = input.Count };
        int inWidth = input.Width, outWidth = g.M * g.OutSpatial;
        input.Complete(inputGolden);
        // Rows left out of order by dropped images are gathered; rows in order are the batch already.
        var x = input.InOrder;
        if (x is null)
        {
            if (gathered.Length < input.Count * inWidth) gathered = new float[input.Count * inWidth];
            for (int r = 0; r < input.Count; r++) input.Row(r).CopyTo(gathered.AsSpan(r * inWidth, inWidth));
            x = gathered;
        }
        var rows = pool.Rent(outWidth); // fresh rows lie in order
        foreach (int n in input.Images) rows.Add(n);
        ConvDirect.Run(KernelSet.Active, g, x, layer.Filters, layer.Biases, rows.InOrder!, Activation.None, InTurn, keep: layer.Packed);
        tail.Run(rows.InOrder!, [rows.Count, g.M, g.OutH, g.OutW]);
        if (differs.Length < rows.Count) differs = new bool[rows.Count];
        for (int r = 0; r < rows.Count; r++)
            differs[r] = !PerturbedRows.BitEqual(rows.Row(r), golden.Slice(rows.Images[r] * outWidth, outWidth));
        rows.Retain(r => differs[r]);
        return pool.KeepIfAny(rows, new PlaneBox(0, g.OutH, 0, g.OutW), g.M, g.OutH, g.OutW);
    }

    /// <summary>
    /// The outputs inside `computed` for the perturbed images, as the Conv operator computes them: each image's input
    /// window of those outputs (golden's around a sparse row's box, zeros past the image's edges, which the layer's
    /// padding multiplies as zeros too) gathered into one batch of small images, and ConvDirect run over it without
    /// padding, on this thread. Each output element is the same FMA chain over the same taps as in the whole layer,
    /// so the same bits. Rows whose box comes out golden's are dropped; in a box small beside its planes,
    /// the others keep the box of their positions that differ.
    /// </summary>
    private unsafe PerturbedRows? Boxes(Layer layer, ElementwiseTail tail, PerturbedRows input, ReadOnlySpan<float> inputGolden, ReadOnlySpan<float> golden, RowPool pool,
        PlaneBox computed)
    {
        var g = layer.Geometry;
        int bh = computed.Y1 - computed.Y0, bw = computed.X1 - computed.X0, count = input.Count;
        int hs = (bh - 1) * g.StrideH + (g.KH - 1) * g.DilationH + 1, ws = (bw - 1) * g.StrideW + (g.KW - 1) * g.DilationW + 1;
        int iy0 = computed.Y0 * g.StrideH - g.PadTop, ix0 = computed.X0 * g.StrideW - g.PadLeft;
        var sub = g with { N = count, H = hs, W = ws, PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0, OutH = bh, OutW = bw };
        int window = g.C * hs * ws, outBox = g.M * bh * bw, plane = g.OutSpatial, width = g.M * plane;
        if (windows.Length < count * window) windows = new float[count * window];
        if (boxes.Length < count * outBox) boxes = new float[count * outBox];
        var inBox = input.Box!.Value;
        for (int r = 0; r < count; r++)
        {
            int n = input.Images[r];
            Gather(g, input.Row(r), inputGolden.Slice(n * input.Width, input.Width), input.Sparse ? inBox : null, iy0, ix0, hs, ws,
                windows.AsSpan(r * window, window));
        }
        ConvDirect.Run(KernelSet.Active, sub, windows, layer.Filters, layer.Biases, boxes, Activation.None, InTurn, keep: layer.BoxPacked);
        tail.Run(boxes, [count, g.M, bh, bw]);
        var rows = pool.Rent(width);
        PlaneBox? changed = null;
        bool tight = computed.Small(g.OutH, g.OutW);
        for (int r = 0; r < count; r++)
        {
            int n = input.Images[r];
            var box = boxes.AsSpan(r * outBox, outBox);
            var gold = golden.Slice(n * width, width);
            PlaneBox? mine = BoxDifferences(box, gold, g.M, computed, g.OutH, g.OutW, tight);
            if (mine is null) continue;
            var row = rows.Add(n);
            if (row.Length < width) throw new InvalidOperationException($"a row of {row.Length} floats for {width}");
            fixed (float* from = box, into = row)
                for (int m = 0; m < g.M; m++)
                    for (int oy = 0; oy < bh; oy++)
                        FloatLines.Copy(from + (m * bh + oy) * bw, into + m * plane + (computed.Y0 + oy) * g.OutW + computed.X0, bw);
            changed = changed?.Union(mine.Value) ?? mine;
        }
        return pool.KeepIfAny(rows, changed, g.M, g.OutH, g.OutW);
    }

    /// <summary>An image's input window for the outputs of a box: C planes of hs × ws from (iy0, ix0) of the image,
    /// zeros outside the image; inside it, the row's values, or golden's outside a sparse row's box (held).</summary>
    private static unsafe void Gather(Conv2D g, ReadOnlySpan<float> row, ReadOnlySpan<float> gold, PlaneBox? held, int iy0, int ix0, int hs, int ws,
        Span<float> window)
    {
        int from = Math.Max(ix0, 0), to = Math.Min(ix0 + ws, g.W), plane = g.H * g.W;
        if (row.Length < g.C * plane || gold.Length < g.C * plane || window.Length < g.C * hs * ws)
            throw new ArgumentException($"rows of {row.Length} and {gold.Length} floats for {g.C * plane}, a window of {window.Length} for {g.C * hs * ws}");
        fixed (float* mine = row, golden = gold, windowAt = window)
            for (int c = 0; c < g.C; c++)
                for (int sy = 0; sy < hs; sy++)
                {
                    float* line = windowAt + (c * hs + sy) * ws;
                    int iy = iy0 + sy;
                    if ((uint)iy >= (uint)g.H || from >= to)
                    {
                        FloatLines.Clear(line, ws);
                        continue;
                    }
                    FloatLines.Clear(line, from - ix0);
                    FloatLines.Clear(line + (to - ix0), ix0 + ws - to);
                    int at = c * plane + iy * g.W;
                    if (held is not { } box)
                    {
                        FloatLines.Copy(mine + at + from, line + (from - ix0), to - from);
                        continue;
                    }
                    // The row's part inside the box, golden's on either side of it: each float copied once.
                    int bx0 = Math.Clamp(box.X0, from, to), bx1 = Math.Clamp(box.X1, bx0, to);
                    if (iy < box.Y0 || iy >= box.Y1) bx0 = bx1 = to;
                    FloatLines.Copy(golden + at + from, line + (from - ix0), bx0 - from);
                    FloatLines.Copy(mine + at + bx0, line + (bx0 - ix0), bx1 - bx0);
                    FloatLines.Copy(golden + at + bx1, line + (bx1 - ix0), to - bx1);
                }
    }

    /// <summary>Where an image's computed box (planes of its own, channels × rows × columns) differs bit-wise from
    /// golden's planes: null when nowhere; when not tight, the whole box as soon as anything differs.</summary>
    private static PlaneBox? BoxDifferences(ReadOnlySpan<float> box, ReadOnlySpan<float> gold, int channels, PlaneBox computed, int outH, int outW, bool tight)
    {
        if (tight) return PlaneBox.Differences(box, computed, gold, channels, outH, outW);
        int bh = computed.Y1 - computed.Y0, bw = computed.X1 - computed.X0, plane = outH * outW;
        for (int m = 0; m < channels; m++)
            for (int oy = 0; oy < bh; oy++)
                if (!PerturbedRows.BitEqual(box.Slice((m * bh + oy) * bw, bw), gold.Slice(m * plane + (computed.Y0 + oy) * outW + computed.X0, bw)))
                    return computed;
        return null;
    }

    /// <summary>ConvDirect's work items one after another: the fault runner's workers keep their operators on their
    /// own thread.</summary>
    private static void InTurn(int count, long workPerItem, Action<int> body)
    {
        for (int i = 0; i < count; i++) body(i);
    }
}
