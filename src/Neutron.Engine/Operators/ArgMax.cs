// ArgMax and ArgMin along one axis, as int64; ties go to the first index unless select_last_index=1.
// A NaN counts as the maximum (and the minimum), as numpy's argmax/argmin do.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class ArgMax : Operator
{
    private readonly bool max, keepDims, last;

    public ArgMax(Node node, long opset) : base(node, opset)
    {
        max = node.OpType == "ArgMax";
        keepDims = node.Attributes.Int("keepdims", 1) != 0;
        last = node.Attributes.Int("select_last_index", 0) != 0;
    }

    private int Axis(int rank)
    {
        long a = Node.Attributes.Int("axis", 0);
        long axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) throw Error($"axis {a} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        int axis = Axis(x.Shape.Length);
        var shape = x.Shape.ToList();
        if (keepDims) shape[axis] = 1;
        else shape.RemoveAt(axis);
        return [new TensorType(DataType.Int64, [.. shape])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0].Longs;
        int axis = Axis(x.Rank), dim = x.Shape[axis];
        int outer = ShapeUtil.Size(x.Shape.AsSpan(0, axis));
        int inner = ShapeUtil.Size(x.Shape.AsSpan(axis + 1));
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int best = 0;
            double bestValue = x.GetDouble(o * dim * inner + i);
            for (int k = 1; k < dim && !double.IsNaN(bestValue); k++)
            {
                double v = x.GetDouble((o * dim + k) * inner + i);
                bool better = double.IsNaN(v) || (max ? v > bestValue : v < bestValue) || (last && v == bestValue);
                if (better) { best = k; bestValue = v; }
            }
            y[o * inner + i] = best;
        }
    }
}
