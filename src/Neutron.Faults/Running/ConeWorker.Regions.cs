// The box paths of the cone walk: a node whose perturbed inputs differ from golden only inside a box of their image
// planes (PlaneBox) recomputes only the part of its output that box reaches, per perturbed image; the rest of each
// output row is golden's. Convolutions go through ConvRegions; element-wise nodes (Relu, BatchNormalization, and
// Add/Sub/Mul of two image values of one shape) run their own operator on the box cut out of the rows, so their
// arithmetic is the layer's own (each element's result does not depend on where it sits in the tensor).
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed partial class ConeWorker
{
    private float[][] boxInputs = [[], []];
    private float[] boxOutput = [];
    private Tensor?[] boxArguments = [];

    // Runs the node over the box its perturbed inputs carry, with its element-wise tail; null when it has no box
    // path or an input no box. Returns how many output values became perturbed.
    private int? RunBox(ChunkGraph chunk, PlannedNode node, int[] images)
    {
        if (regions is null || node.OutputIds.Length != 1) return null;
        var tail = TailOf(chunk, node);
        int outputId = tail.Output(node);
        PerturbedRows? rows;
        if (perturbed[node.InputIds[0]] is { } input
            && regions.TryRun(node, tail, input, chunk.Gold[node.InputIds[0]]!.Floats, chunk.Gold[outputId]!.Floats, pool, out var made))
            rows = made;
        else if (!TryElementwise(chunk, node, tail, images, out rows)) return null;
        if (rows is null) return 0;
        perturbed[outputId] = rows;
        return 1;
    }

    // The node's element-wise tail, up to the first node that reads the fault's weight (which runs on its own).
    private ElementwiseTail TailOf(ChunkGraph chunk, PlannedNode node)
    {
        var tail = chunk.Tails[node.Index];
        if (forcedNodes.Length == 0 || tail.IsEmpty) return tail;
        int keep = 0;
        while (keep < tail.Nodes.Count && Array.IndexOf(forcedNodes, tail.Nodes[keep].Index) < 0) keep++;
        return tail.Take(keep);
    }

    private bool TryElementwise(ChunkGraph chunk, PlannedNode node, ElementwiseTail tail, int[] images, out PerturbedRows? output)
    {
        output = null;
        var plan = chunk.Plan;
        int outputId = node.OutputIds[0], finalId = tail.Output(node);
        var shape = plan.Types[outputId].Shape;
        if (shape.Length != 4 || !IsElementwise(chunk, node)) return false;
        PlaneBox? box = null;
        foreach (int id in node.InputIds)
            if (id >= 0 && perturbed[id] is { } p)
            {
                if (p.Box is not { } b) return false;
                box = box?.Union(b) ?? b;
            }
        if (box is not { } area) return false;

        if (area.Area == shape[2] * shape[3] && TryWholeBinary(chunk, node, tail, images, out output)) return true;

        // The box of every image, cut out of each image input (perturbed rows where they are, golden elsewhere).
        int channels = shape[1], height = shape[2], width = shape[3], boxRows = area.Y1 - area.Y0, boxCols = area.X1 - area.X0;
        int perImage = channels * boxRows * boxCols, size = images.Length * perImage;
        int[] boxShape = [images.Length, channels, boxRows, boxCols];
        bool whole = area.Area == height * width;
        if (boxArguments.Length < node.InputIds.Length) boxArguments = new Tensor?[node.InputIds.Length];
        int cut = 0;
        for (int i = 0; i < node.InputIds.Length; i++)
        {
            int id = node.InputIds[i];
            if (id < 0 || !chunk.Batched[id])
            {
                boxArguments[i] = id < 0 ? null : plan.Values[id];
                continue;
            }
            var mine = perturbed[id];
            // Whole planes of rows perturbed for every image, stored in order: they are the batch already.
            if (whole && mine is not null && !mine.Sparse && mine.Count == images.Length && mine.InOrder is { } own)
            {
                boxArguments[i] = Tensor.FromFloats(own, boxShape);
                continue;
            }
            if (boxInputs[cut].Length < size) boxInputs[cut] = new float[size];
            var buffer = boxInputs[cut++];
            var gold = chunk.Gold[id]!.Floats;
            int rowWidth = chunk.Widths[id], r = 0;
            for (int k = 0; k < images.Length; k++)
            {
                int n = images[k];
                while (mine is not null && r < mine.Count && mine.Images[r] < n) r++;
                var into = buffer.AsSpan(k * perImage, perImage);
                var goldRow = gold.Slice(n * rowWidth, rowWidth);
                if (mine is null || r >= mine.Count || mine.Images[r] != n) Cut(goldRow, area, channels, height, width, into);
                else if (!mine.Sparse || mine.Box == area) Cut(mine.Row(r), area, channels, height, width, into);
                else CutAround(mine.Row(r), mine.Box!.Value, goldRow, area, channels, height, width, into); // golden's around its box
            }
            boxArguments[i] = Tensor.FromFloats(buffer, boxShape);
        }
        var golden = chunk.Gold[finalId]!.Floats;
        int outWidth = chunk.Widths[outputId];
        var rows = pool.Rent(outWidth);
        if (whole)
        {
            // Whole planes: the operator writes every image's row in place, and rows equal to golden's are dropped.
            foreach (int n in images) rows.Add(n);
            node.Operator.Run(boxArguments.AsSpan(0, node.InputIds.Length).ToArray(), [Tensor.FromFloats(rows.InOrder!, boxShape)]);
            tail.Run(rows.InOrder!, boxShape);
            var goldTensor = chunk.Gold[finalId]!;
            rows.Retain(r => !PerturbedRows.BitEqual(rows.Row(r), goldTensor.Floats.Slice(rows.Images[r] * outWidth, outWidth)));
            output = pool.KeepIfAny(rows, area);
            return true;
        }
        if (boxOutput.Length < size) boxOutput = new float[size];
        node.Operator.Run(boxArguments.AsSpan(0, node.InputIds.Length).ToArray(), [Tensor.FromFloats(boxOutput, boxShape)]);
        tail.Run(boxOutput, boxShape);

        // Images whose box came out golden stay golden; the others get golden's row with their box written in.
        PlaneBox? changed = null;
        bool tight = area.Small(height, width);
        for (int k = 0; k < images.Length; k++)
        {
            int n = images[k];
            var goldRow = golden.Slice(n * outWidth, outWidth);
            var mine = boxOutput.AsSpan(k * perImage, perImage);
            PlaneBox? differences = area;
            if (tight && (differences = PlaneBox.Differences(mine, area, goldRow, channels, height, width)) is null) continue;
            // Only the box is written: the rows hold only it (PerturbedRows.Sparse).
            var row = rows.Add(n);
            Paste(mine, area, channels, height, width, row);
            if (!tight && area.BitEqualInside(row, goldRow, channels, height, width))
            {
                rows.RemoveLast();
                continue;
            }
            changed = changed?.Union(differences.Value) ?? differences;
        }
        output = pool.KeepIfAny(rows, changed, channels, height, width);
        return true;
    }

    // Add/Sub/Mul over whole planes (a residual block's Add): each image's output row computed straight from its two
    // input rows, perturbed or golden, with the operator's own same-shape kernel (ElementwiseKernels.SameShape, one
    // IEEE operation per element, a + b in that order), instead of cutting both inputs into a batch first.
    private bool TryWholeBinary(ChunkGraph chunk, PlannedNode node, ElementwiseTail tail, int[] images, out PerturbedRows? output)
    {
        output = null;
        var op = node.OpType switch { "Add" => BinaryOp.Add, "Sub" => BinaryOp.Sub, "Mul" => BinaryOp.Mul, _ => (BinaryOp?)null };
        if (op is null || node.Operator is not Binary { Epilogue.IsNone: true } || node.InputIds.Length != 2) return false;
        int a = node.InputIds[0], b = node.InputIds[1], outputId = node.OutputIds[0];
        perturbed[a]?.Complete(chunk.Gold[a]!.Floats);
        perturbed[b]?.Complete(chunk.Gold[b]!.Floats);
        var goldTensor = chunk.Gold[tail.Output(node)]!;
        var golden = goldTensor.Floats;
        int width = chunk.Widths[outputId];
        var rows = pool.Rent(width);
        var shape = chunk.Plan.Types[outputId].Shape;
        int ra = 0, rb = 0;
        foreach (int n in images)
        {
            var x = RowOf(chunk, a, n, ref ra);
            var y = RowOf(chunk, b, n, ref rb);
            var row = rows.Add(n);
            ElementwiseKernels.SameShape(op.Value, x, y, row);
            if (tail.IsEmpty && PerturbedRows.BitEqual(row, golden.Slice(n * width, width))) rows.RemoveLast();
        }
        if (!tail.IsEmpty)
        {
            // Fresh rows lie in order: the tail runs over them as one batch, then equal rows are dropped.
            tail.Run(rows.InOrder!, [rows.Count, shape[1], shape[2], shape[3]]);
            rows.Retain(r => !PerturbedRows.BitEqual(rows.Row(r), goldTensor.Floats.Slice(rows.Images[r] * width, width)));
        }
        output = pool.KeepIfAny(rows, new PlaneBox(0, shape[2], 0, shape[3]));
        return true;
    }

    // Image n's row of value id: its perturbed row, or golden's (r walks the perturbed rows in image order).
    private ReadOnlySpan<float> RowOf(ChunkGraph chunk, int id, int n, ref int r)
    {
        var mine = perturbed[id];
        while (mine is not null && r < mine.Count && mine.Images[r] < n) r++;
        if (mine is not null && r < mine.Count && mine.Images[r] == n) return mine.Row(r);
        int width = chunk.Widths[id];
        return chunk.Gold[id]!.Floats.Slice(n * width, width);
    }

    // Relu, BatchNormalization (constant statistics), or Add/Sub/Mul whose inputs are all image values of the
    // output's shape: each output element reads only the same element of its inputs.
    private static bool IsElementwise(ChunkGraph chunk, PlannedNode node)
    {
        var plan = chunk.Plan;
        var shape = plan.Types[node.OutputIds[0]].Shape;
        bool Image(int id) => id >= 0 && chunk.Batched[id] && plan.Types[id].Shape.AsSpan().SequenceEqual(shape);
        return node.OpType switch
        {
            "Relu" => Image(node.InputIds[0]),
            "BatchNormalization" => Image(node.InputIds[0]) && node.InputIds.Skip(1).All(id => id >= 0 && !chunk.Batched[id]),
            "Add" or "Sub" or "Mul" => node.InputIds.Length == 2 && node.InputIds.All(Image),
            _ => false,
        };
    }

    // The box of every plane of a row, packed; contiguous runs (full-width boxes) copied whole.
    private static unsafe void Cut(ReadOnlySpan<float> row, PlaneBox box, int channels, int height, int width, Span<float> into)
    {
        int cols = box.X1 - box.X0, run = box.X0 == 0 && cols == width ? box.Area : cols, at = 0;
        Fits(row, channels * height * width, into, channels * box.Area);
        fixed (float* source = row, packed = into)
            for (int c = 0; c < channels; c++)
            for (int y = box.Y0; y < box.Y1; y += run / cols, at += run)
                FloatLines.Copy(source + (c * height + y) * width + box.X0, packed + at, run);
    }

    // The larger area of every plane, packed as Cut packs it, from a row written only inside its box (which the area
    // holds) and golden's row around that box: each float copied once, from the one row that holds it.
    private static unsafe void CutAround(ReadOnlySpan<float> row, PlaneBox box, ReadOnlySpan<float> gold, PlaneBox area, int channels, int height, int width,
        Span<float> into)
    {
        int areaCols = area.X1 - area.X0, left = box.X0 - area.X0, cols = box.X1 - box.X0, right = area.X1 - box.X1, at = 0;
        Fits(row, channels * height * width, into, channels * area.Area);
        Fits(gold, channels * height * width, into, channels * area.Area);
        fixed (float* mine = row, golden = gold, packed = into)
            for (int c = 0; c < channels; c++)
            for (int y = area.Y0; y < area.Y1; y++, at += areaCols)
            {
                int line = (c * height + y) * width + area.X0;
                if (y < box.Y0 || y >= box.Y1)
                {
                    FloatLines.Copy(golden + line, packed + at, areaCols);
                    continue;
                }
                FloatLines.Copy(golden + line, packed + at, left);
                FloatLines.Copy(mine + line + left, packed + at + left, cols);
                FloatLines.Copy(golden + line + left + cols, packed + at + left + cols, right);
            }
    }

    // The inverse of Cut: packed box values written into a row.
    private static unsafe void Paste(ReadOnlySpan<float> packed, PlaneBox box, int channels, int height, int width, Span<float> row)
    {
        int cols = box.X1 - box.X0, run = box.X0 == 0 && cols == width ? box.Area : cols, at = 0;
        Fits(row, channels * height * width, packed, channels * box.Area);
        fixed (float* source = packed, target = row)
            for (int c = 0; c < channels; c++)
            for (int y = box.Y0; y < box.Y1; y += run / cols, at += run)
                FloatLines.Copy(source + at, target + (c * height + y) * width + box.X0, run);
    }

    // The pointer loops above stay inside both spans only if they hold the planes and the packed boxes.
    private static void Fits(ReadOnlySpan<float> row, int rowLength, ReadOnlySpan<float> packed, int packedLength)
    {
        if (row.Length < rowLength || packed.Length < packedLength)
            throw new ArgumentException($"a row of {row.Length} floats for {rowLength}, packed boxes of {packed.Length} for {packedLength}");
    }
}
