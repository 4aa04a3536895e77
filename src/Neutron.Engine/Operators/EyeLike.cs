// EyeLike: a 2-D tensor shaped like the input with ones on the k-th diagonal, of type 'dtype' (default: the input's).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class EyeLike : Operator
{
    public EyeLike(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        if (x.Shape.Length != 2) throw Error($"input must be 2-D, got {ShapeUtil.Format(x.Shape)}");
        var type = Node.Attributes.Has("dtype") ? (DataType)Node.Attributes.Int("dtype", 1) : x.Type;
        if (!type.IsSupported()) throw Error($"dtype {type} is not supported", ModelErrorCode.UnsupportedDataType);
        return [new TensorType(type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        long k = Node.Attributes.Int("k", 0);
        int cols = y.Shape[1];
        for (int i = 0; i < y.Length; i++)
        {
            int one = i % cols - i / cols == k ? 1 : 0;
            if (y.IsFloating) y.Floats[i] = one;
            else y.Longs[i] = one;
        }
    }
}
