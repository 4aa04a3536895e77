// Gather (takes whole slices along an axis at the given indices) and GatherElements (takes single elements along
// an axis, indices shaped like the output). Negative indices count from the end; out of range fails the run.
//   Gather:  data (d0..dr-1), indices (i...)   y: d[:axis] + indices.shape + d[axis+1:]
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Gather : Operator
{
    private readonly bool elements;
    private readonly MapBuffer map = new();

    public Gather(Node node, long opset) : base(node, opset) => elements = node.OpType == "GatherElements";

    private int Axis(int rank)
    {
        long a = Node.Attributes.Int("axis", 0);
        long axis = Axis(a, rank);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var data = Required(inputs, 0);
        var indices = Required(inputs, 1);
        if (indices.Type is not (DataType.Int32 or DataType.Int64))
            throw Error($"indices must be int32 or int64, got {indices.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        int axis = Axis(data.Shape.Length);
        if (elements)
        {
            if (indices.Shape.Length != data.Shape.Length) throw Error($"indices {ShapeUtil.Format(indices.Shape)} and data {ShapeUtil.Format(data.Shape)} differ in rank");
            return [new TensorType(data.Type, indices.Shape)];
        }
        return [new TensorType(data.Type, [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!.Longs;
        var y = outputs[0];
        int axis = Axis(data.Rank), dim = data.Shape[axis];
        var m = map.Get(y.Length);
        if (elements)
        {
            var strides = ShapeUtil.Strides(data.Shape);
            // Walk the output with the data's strides, then swap each element's own axis coordinate for its index.
            IndexMap.Walk(y.Shape, strides, 0, m);
            var yStrides = ShapeUtil.Strides(y.Shape);
            for (int i = 0; i < m.Length; i++)
            {
                int along = i / yStrides[axis] % y.Shape[axis];
                m[i] += (Index(indices[i], dim) - along) * strides[axis];
            }
        }
        else
        {
            int outer = ShapeUtil.Size(data.Shape.AsSpan(0, axis));
            int inner = ShapeUtil.Size(data.Shape.AsSpan(axis + 1));
            int k = 0;
            for (int o = 0; o < outer; o++)
                foreach (long raw in indices)
                {
                    int start = (o * dim + Index(raw, dim)) * inner;
                    for (int j = 0; j < inner; j++) m[k++] = start + j;
                }
        }
        IndexMap.Copy(data, y, m);
    }

    private int Index(long raw, int dim)
    {
        long i = raw < 0 ? raw + dim : raw;
        if (i < 0 || i >= dim) throw new ArgumentOutOfRangeException(nameof(raw), $"{Node}: index {raw} is out of range for a dimension of {dim}");
        return (int)i;
    }
}
