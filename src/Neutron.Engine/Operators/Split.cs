// Split: cuts a tensor along an axis into the outputs, by the sizes given (attribute 'split' before opset 13,
// input 1 from 13) or into equal parts. Any element type.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Split : Operator
{
    public Split(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        int rank = x.Shape.Length;
        long a = Node.Attributes.Int("axis", 0);
        if (a < 0) a += rank;
        if (a < 0 || a >= rank) throw Error($"axis {Node.Attributes.Int("axis", 0)} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        int axis = (int)a, parts = Node.Outputs.Length, dim = x.Shape[axis];
        long[]? sizes = Opset < 13 ? Node.Attributes.Ints("split")
            : inputs.Length > 1 && inputs[1] is not null ? ConstantInput(inputs, 1, "split").ToLongArray() : null;
        if (sizes is null)
        {
            if (dim % parts != 0) throw Error($"axis {axis} of {ShapeUtil.Format(x.Shape)} does not split into {parts} equal parts");
            sizes = Enumerable.Repeat((long)(dim / parts), parts).ToArray();
        }
        if (sizes.Length != parts || sizes.Any(s => s < 0) || sizes.Sum() != dim)
            throw Error($"split [{string.Join(",", sizes)}] must give {parts} non-negative sizes summing to {dim}");
        return sizes.Select(s =>
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = (int)s;
            return new TensorType(x.Type, shape);
        }).ToArray();
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        long a = Node.Attributes.Int("axis", 0);
        int axis = (int)(a < 0 ? a + x.Rank : a);
        int outer = ShapeUtil.Size(x.Shape.AsSpan(0, axis));
        int inner = ShapeUtil.Size(x.Shape.AsSpan(axis + 1));
        int rowIn = x.Shape[axis] * inner, offset = 0;
        foreach (var y in outputs)
        {
            int row = y.Shape[axis] * inner;
            for (int o = 0; o < outer; o++) IndexMap.CopyRange(x, o * rowIn + offset, y, o * row, row);
            offset += row;
        }
    }
}
