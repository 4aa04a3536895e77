// The dirty-range path of the cone walk: when every perturbed row of a node's one input differs from golden only
// inside [DirtyStart, DirtyEnd) (a weight fault changes one output channel of a Conv, one column of a Gemm), a Relu
// runs on that range alone and a MaxPool on the channels it spans; the rest of each output row is golden's. The
// operator itself runs on the cut-out part, so the arithmetic is the layer's own: a Relu's element depends only on
// the same element, a max-pool window only on its own plane. Box paths (ConeWorker.Regions.cs) go first.
using Neutron.Engine.Execution;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed partial class ConeWorker
{
    private float[] rangeInput = [], rangeOutput = [];

    // Runs the node over its input's dirty range; null when it has no such path here. Returns how many output
    // values became perturbed.
    private int? RunDirtyRange(ChunkGraph chunk, PlannedNode node)
    {
        if (quantize || node.OutputIds.Length != 1 || node.InputIds.Length != 1 || node.InputIds[0] < 0) return null;
        int x = node.InputIds[0], y = node.OutputIds[0];
        if (perturbed[x] is not { } input || (input.DirtyStart == 0 && input.DirtyEnd == input.Width)) return null;
        var plan = chunk.Plan;
        int[] inShape = plan.Types[x].Shape, outShape = plan.Types[y].Shape;
        int inStart, inLength, outStart, outLength;
        int[] opIn, opOut;
        bool relu = node.OpType == "Relu" && chunk.Widths[x] == chunk.Widths[y];
        if ((relu || node.OpType == "MaxPool") && inShape.Length == 4 && outShape.Length == 4 && inShape[1] == outShape[1])
        {
            // Image planes: whole channels, so that the output's box of differences can be found.
            int inPlane = inShape[2] * inShape[3], outPlane = outShape[2] * outShape[3];
            int c0 = input.DirtyStart / inPlane, c1 = (input.DirtyEnd + inPlane - 1) / inPlane;
            if (c1 - c0 == inShape[1]) return null;
            (inStart, inLength, outStart, outLength) = (c0 * inPlane, (c1 - c0) * inPlane, c0 * outPlane, (c1 - c0) * outPlane);
            opIn = [input.Count, c1 - c0, inShape[2], inShape[3]];
            opOut = [input.Count, c1 - c0, outShape[2], outShape[3]];
        }
        else if (relu)
        {
            (inStart, inLength) = (input.DirtyStart, input.DirtyEnd - input.DirtyStart);
            (outStart, outLength) = (inStart, inLength);
            opIn = opOut = [input.Count, inLength];
        }
        else return null;

        int count = input.Count;
        input.Complete(chunk.Gold[x]!.Floats); // the range may reach past a sparse row's box
        var packed = WeightDelta.Scratch.Fit(ref rangeInput, (long)count * inLength);
        for (int r = 0; r < count; r++) input.Row(r).Slice(inStart, inLength).CopyTo(packed.AsSpan(r * inLength, inLength));
        var computed = WeightDelta.Scratch.Fit(ref rangeOutput, (long)count * outLength);
        node.Operator.Run([Tensor.FromFloats(packed, opIn)], [Tensor.FromFloats(computed, opOut)]);

        var golden = chunk.Gold[y]!.Floats;
        int width = chunk.Widths[y];
        var rows = pool.Rent(width);
        // Rows of image planes get the box of their differences, for the convolutions downstream.
        bool planes = regions is not null && outShape.Length == 4 && opOut.Length == 4;
        PlaneBox? box = null;
        for (int r = 0; r < count; r++)
        {
            int n = input.Images[r];
            var mine = computed.AsSpan(r * outLength, outLength);
            var goldRow = golden.Slice(n * width, width);
            var before = goldRow.Slice(outStart, outLength);
            if (!planes)
            {
                if (PerturbedRows.BitEqual(mine, before)) continue;
            }
            else if (PlaneBox.Differences(mine, before, opOut[1], opOut[2], opOut[3]) is { } differences) box = box?.Union(differences) ?? differences;
            else continue;
            var row = rows.Add(n);
            goldRow.CopyTo(row);
            mine.CopyTo(row.Slice(outStart, outLength));
        }
        if (rows.Count == 0)
        {
            pool.Return(rows);
            return 0;
        }
        rows.Dirty(outStart, outStart + outLength);
        if (planes) rows.Box = box;
        perturbed[y] = rows;
        return 1;
    }
}
