// CumSum along one axis (a scalar input known at load), with 'exclusive' (each sum leaves out its own element)
// and 'reverse' (sums run from the end). Float and integer types.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class CumSum : Operator
{
    private readonly bool exclusive, reverse;

    public CumSum(Node node, long opset) : base(node, opset)
    {
        exclusive = node.Attributes.Int("exclusive", 0) != 0;
        reverse = node.Attributes.Int("reverse", 0) != 0;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        Axis(ConstantInput(inputs, 1, "axis"), x.Shape.Length);
        return [new TensorType(x.Type, x.Shape)];
    }

    private int Axis(Tensor axis, int rank)
    {
        if (axis.Length != 1) throw Error($"axis must be a scalar, got {axis}");
        long a = axis.Longs[0], v = a < 0 ? a + rank : a;
        if (v < 0 || v >= rank) throw Error($"axis {a} is out of range for rank {rank}");
        return (int)v;
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        int axis = Axis(inputs[1]!, x.Rank), dim = x.Shape[axis];
        int outer = ShapeUtil.Size(x.Shape.AsSpan(0, axis)), inner = ShapeUtil.Size(x.Shape.AsSpan(axis + 1));
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            double sum = 0;
            long total = 0;
            for (int step = 0; step < dim; step++)
            {
                int k = reverse ? dim - 1 - step : step;
                int at = (o * dim + k) * inner + i;
                if (y.IsFloating)
                {
                    if (exclusive) { y.Floats[at] = (float)sum; sum += x.Floats[at]; }
                    else { sum += x.Floats[at]; y.Floats[at] = (float)sum; }
                }
                else
                {
                    if (exclusive) { y.Longs[at] = total; total += x.Longs[at]; }
                    else { total += x.Longs[at]; y.Longs[at] = total; }
                }
            }
        }
    }
}
