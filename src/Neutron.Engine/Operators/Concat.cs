// Concat: joins tensors of one type along an axis; the other dimensions must agree. Any element type.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Concat : Operator
{
    private readonly long axisAttribute;

    public Concat(Node node, long opset) : base(node, opset) =>
        axisAttribute = opset < 4 ? node.Attributes.Int("axis", 1) : node.Attributes.Int("axis");

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var first = Required(inputs, 0);
        int rank = first.Shape.Length;
        int axis = Axis(rank);
        var shape = (int[])first.Shape.Clone();
        shape[axis] = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = Required(inputs, i);
            if (t.Type != first.Type) throw Error($"input {i} is {t.Type.Name()}, input 0 is {first.Type.Name()}", ModelErrorCode.UnsupportedDataType);
            bool ok = t.Shape.Length == rank;
            for (int d = 0; ok && d < rank; d++) ok = d == axis || t.Shape[d] == first.Shape[d];
            if (!ok) throw Error($"input {i} {ShapeUtil.Format(t.Shape)} does not match input 0 {ShapeUtil.Format(first.Shape)} outside axis {axis}");
            shape[axis] += t.Shape[axis];
        }
        return [new TensorType(first.Type, shape)];
    }

    private int Axis(int rank)
    {
        long a = axisAttribute < 0 ? axisAttribute + rank : axisAttribute;
        if (a < 0 || a >= rank) throw Error($"axis {axisAttribute} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        return (int)a;
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        int axis = Axis(y.Rank);
        int outer = ShapeUtil.Size(y.Shape.AsSpan(0, axis));
        int inner = ShapeUtil.Size(y.Shape.AsSpan(axis + 1));
        int rowOut = y.Shape[axis] * inner;
        // Rows (o, input) are disjoint copies: the cores share them when they are many or long (SqueezeNet's fire
        // modules, a batch of images each).
        Parallelism.For(outer * inputs.Length, rowOut / Math.Max(inputs.Length, 1), task =>
        {
            int o = task / inputs.Length, i = task % inputs.Length, offset = 0;
            for (int j = 0; j < i; j++) offset += inputs[j]!.Shape[axis] * inner;
            int row = inputs[i]!.Shape[axis] * inner;
            IndexMap.CopyRange(inputs[i]!, o * row, y, o * rowOut + offset, row);
        });
    }
}
