// ConstantOfShape: a tensor of the shape given by its (load-time constant) int64 input, filled with the one
// value of attribute 'value' (default float32 0).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class ConstantOfShape : Operator
{
    private readonly Tensor value;

    public ConstantOfShape(Node node, long opset) : base(node, opset)
    {
        value = node.Attributes.Tensor("value") ?? Tensor.FromFloats([0f], 1);
        if (value.Length != 1) throw Error($"attribute value must hold one element, holds {value.Length}", ModelErrorCode.InvalidAttribute);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var dims = ConstantInput(inputs, 0, "shape").ToLongArray();
        if (dims.Any(d => d < 0 || d > int.MaxValue)) throw Error($"shape [{string.Join(",", dims)}] has a negative or huge dimension");
        return [new TensorType(value.Type, dims.Select(d => (int)d).ToArray())];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        if (y.IsFloating) y.Floats.Fill(value.Floats[0]);
        else y.Longs.Fill(value.Longs[0]);
    }
}
