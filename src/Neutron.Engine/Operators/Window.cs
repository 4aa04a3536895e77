// The window generators HannWindow, HammingWindow and BlackmanWindow (opset 17): 'size' values (known at load) of
// the cosine-sum window, periodic (default) or symmetric, as output_datatype (default float32).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Window : Operator
{
    public Window(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var size = ConstantInput(inputs, 0, "size");
        if (size.Length != 1 || size.GetDouble(0) < 0) throw Error($"size must be a non-negative scalar, got {size}");
        var type = (DataType)Node.Attributes.Int("output_datatype", 1);
        if (!type.IsSupported()) throw Error($"output_datatype {type} is not supported", ModelErrorCode.UnsupportedDataType);
        return [new TensorType(type, [(int)size.GetDouble(0)])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        int n = y.Length;
        bool periodic = Node.Attributes.Int("periodic", 1) != 0;
        double denominator = periodic ? n : n - 1;
        (double a0, double a1, double a2) = Node.OpType switch
        {
            "HannWindow" => (0.5, 0.5, 0.0),
            "HammingWindow" => (25.0 / 46, 21.0 / 46, 0.0),
            _ => (0.42, 0.5, 0.08),
        };
        for (int i = 0; i < n; i++)
        {
            double v = a0 - a1 * Math.Cos(2 * Math.PI * i / denominator) + a2 * Math.Cos(4 * Math.PI * i / denominator);
            if (y.IsFloating) y.Floats[i] = y.Type.RoundFloat((float)v);
            else y.Longs[i] = y.Type.WrapInteger((long)v);
        }
    }
}
