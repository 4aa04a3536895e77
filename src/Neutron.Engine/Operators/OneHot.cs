// OneHot: values[1] where the position along 'axis' equals the index (negative indices count from depth),
// values[0] elsewhere. depth must be known at load; the output type is that of values.
//   indices: (d…)   depth: scalar   values: [off, on]   y: indices' shape with depth inserted at axis
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class OneHot : Operator
{
    public OneHot(Node node, long opset) : base(node, opset) { }

    private int Axis(int rank)
    {
        long axis = Axis(Node.Attributes.Int("axis", -1), rank);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var indices = Required(inputs, 0);
        var depthTensor = ConstantInput(inputs, 1, "depth");
        var values = Required(inputs, 2);
        if (depthTensor.Length != 1 || ShapeUtil.Size(values.Shape) != 2) throw Error($"depth must be a scalar and values hold two elements; got {depthTensor} and {values}");
        long depth = (long)depthTensor.GetDouble(0);
        if (depth < 1) throw Error($"depth {depth} must be ≥ 1");
        int axis = Axis(indices.Shape.Length + 1);
        return [new TensorType(values.Type, [.. indices.Shape[..axis], (int)depth, .. indices.Shape[axis..]])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var indices = inputs[0]!;
        var values = inputs[2]!;
        var y = outputs[0];
        int axis = Axis(y.Rank), depth = y.Shape[axis];
        int outer = ShapeUtil.Size(y.Shape.AsSpan(0, axis)), inner = ShapeUtil.Size(y.Shape.AsSpan(axis + 1));
        for (int o = 0; o < outer; o++)
        for (int d = 0; d < depth; d++)
        for (int i = 0; i < inner; i++)
        {
            long index = (long)indices.GetDouble(o * inner + i);
            if (index < 0) index += depth;
            int at = (o * depth + d) * inner + i;
            int pick = index == d ? 1 : 0;
            if (y.IsFloating) y.Floats[at] = values.Floats[pick];
            else y.Longs[at] = values.Longs[pick];
        }
    }
}
