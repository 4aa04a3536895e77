// GatherND and ScatterND: the last axis of indices addresses a slice of data (the first batch_dims axes shared);
// GatherND reads those slices, ScatterND writes updates into a copy of data (reduction none, add, mul).
//   GatherND data: (b…, d…)   indices: (b…, i…, q)   y: (b…, i…, d[q…])
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class GatherND : Operator
{
    private readonly bool scatter;
    private readonly int batchDims;
    private readonly string reduction;

    public GatherND(Node node, long opset) : base(node, opset)
    {
        scatter = node.OpType == "ScatterND";
        batchDims = scatter ? 0 : checked((int)node.Attributes.Int("batch_dims", 0));
        reduction = node.Attributes.String("reduction", "none");
        if (reduction is not ("none" or "add" or "mul")) throw Error($"reduction '{reduction}' is not supported (none, add, mul are)", ModelErrorCode.UnsupportedOperator);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var data = Required(inputs, 0);
        var indices = Required(inputs, 1);
        int q = indices.Shape.Length == 0 ? 0 : indices.Shape[^1];
        if (indices.Shape.Length < 1 || q > data.Shape.Length - batchDims || batchDims >= Math.Min(data.Shape.Length, indices.Shape.Length))
            throw Error($"indices {ShapeUtil.Format(indices.Shape)} do not address data {ShapeUtil.Format(data.Shape)} with batch_dims {batchDims}");
        int[] sliceShape = data.Shape[(batchDims + q)..];
        if (scatter)
        {
            var updates = Required(inputs, 2);
            int[] expected = [.. indices.Shape[..^1], .. sliceShape];
            if (!updates.Shape.AsSpan().SequenceEqual(expected)) throw Error($"updates {ShapeUtil.Format(updates.Shape)} must be {ShapeUtil.Format(expected)}");
            return [new TensorType(data.Type, data.Shape)];
        }
        return [new TensorType(data.Type, [.. indices.Shape[..^1], .. sliceShape])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!;
        var y = outputs[0];
        int q = indices.Shape[^1];
        int slice = ShapeUtil.Size(data.Shape.AsSpan(batchDims + q));
        int batches = ShapeUtil.Size(data.Shape.AsSpan(0, batchDims));
        int perBatchData = ShapeUtil.Size(data.Shape.AsSpan(batchDims));
        int tuples = indices.Length / Math.Max(q, 1) / Math.Max(batches, 1);
        if (q == 0) tuples = ShapeUtil.Size(indices.Shape.AsSpan(0, indices.Rank - 1)) / Math.Max(batches, 1);
        var strides = ShapeUtil.Strides(data.Shape);
        var ix = indices.Longs;
        if (scatter) data.CopyTo(y);
        for (int b = 0; b < batches; b++)
        for (int t = 0; t < tuples; t++)
        {
            int tuple = b * tuples + t, offset = b * perBatchData;
            for (int j = 0; j < q; j++)
            {
                int dim = data.Shape[batchDims + j];
                long raw = ix[tuple * q + j], index = raw < 0 ? raw + dim : raw;
                if (index < 0 || index >= dim) throw new ArgumentOutOfRangeException(nameof(inputs), $"{Node}: index {raw} is out of range for a dimension of {dim}");
                offset += (int)index * strides[batchDims + j];
            }
            if (scatter)
                for (int e = 0; e < slice; e++) Scatter.Apply(reduction, inputs[2]!, tuple * slice + e, y, offset + e);
            else
                IndexMap.CopyRange(data, offset, y, tuple * slice, slice);
        }
    }
}
