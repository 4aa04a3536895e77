// NonZero: the int64 coordinates (one row per axis) of the non-zero elements. Its output shape depends on the data,
// so the input must be known at load (a constant); then the whole node folds.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class NonZero : Operator
{
    public NonZero(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = ConstantInput(inputs, 0, "X");
        int count = 0;
        for (int i = 0; i < x.Length; i++) if (x.GetDouble(i) != 0) count++;
        return [new TensorType(DataType.Int64, [x.Rank, count])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0].Longs;
        int count = outputs[0].Shape[1], k = 0;
        var strides = ShapeUtil.Strides(x.Shape);
        for (int i = 0; i < x.Length; i++)
        {
            if (x.GetDouble(i) == 0) continue;
            for (int d = 0; d < x.Rank; d++) y[d * count + k] = i / strides[d] % x.Shape[d];
            k++;
        }
    }
}
