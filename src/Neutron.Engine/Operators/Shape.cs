// Shape and Size: the input's dimensions (opset 15: a [start, end) slice of them) or element count, as int64.
// Both are known at load, so Infer hands them on as constants and shape arithmetic downstream folds.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Shape : Operator
{
    public Shape(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var value = Value(x.Shape);
        return [new TensorType(DataType.Int64, value.Shape) { Constant = value }];
    }

    private Tensor Value(int[] shape)
    {
        if (Node.OpType == "Size") return Tensor.FromLongs(DataType.Int64, [ShapeUtil.Size(shape)]);
        int rank = shape.Length;
        long start = Opset >= 15 ? Node.Attributes.Int("start", 0) : 0;
        long end = Opset >= 15 ? Node.Attributes.Int("end", rank) : rank;
        // Out-of-range start/end clamp to [0, rank], as the spec says.
        int s = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        int e = (int)Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var dims = shape.AsSpan(s, Math.Max(e - s, 0)).ToArray().Select(d => (long)d).ToArray();
        return Tensor.FromLongs(DataType.Int64, dims, dims.Length);
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var value = Value(inputs[0]!.Shape);
        value.Longs.CopyTo(outputs[0].Longs);
    }
}
