// Cast (to the type in attribute 'to') and CastLike (to the type of input 1). Floats to integers truncate toward
// zero, then wrap as a C cast does; to bool is "non-zero"; float16/bfloat16 round to nearest even. No strings.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Cast : Operator
{
    public Cast(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        DataType to = Node.OpType == "CastLike" ? Required(inputs, 1).Type : (DataType)Node.Attributes.Int("to");
        if (!to.IsSupported()) throw Error($"cannot cast to {to}", ModelErrorCode.UnsupportedDataType);
        return [new TensorType(to, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs) => Convert(inputs[0]!, outputs[0]);

    /// <summary>Converts every element of x into y's type (shapes equal).</summary>
    public static void Convert(Tensor x, Tensor y)
    {
        var to = y.Type;
        if (x.IsFloating && y.IsFloating)
        {
            var xs = x.Floats;
            var ys = y.Floats;
            for (int i = 0; i < xs.Length; i++) ys[i] = to.RoundFloat(xs[i]);
        }
        else if (x.IsFloating)
        {
            var xs = x.Floats;
            var ys = y.Longs;
            for (int i = 0; i < xs.Length; i++)
                ys[i] = to == DataType.Bool ? (xs[i] != 0 ? 1 : 0) : to.WrapInteger(float.IsNaN(xs[i]) ? 0 : (long)Math.Truncate((double)xs[i]));
        }
        else if (y.IsFloating)
        {
            var xs = x.Longs;
            var ys = y.Floats;
            bool unsigned64 = x.Type == DataType.UInt64;
            for (int i = 0; i < xs.Length; i++) ys[i] = to.RoundFloat(unsigned64 ? (float)(ulong)xs[i] : xs[i]);
        }
        else
        {
            var xs = x.Longs;
            var ys = y.Longs;
            for (int i = 0; i < xs.Length; i++) ys[i] = to == DataType.Bool ? (xs[i] != 0 ? 1 : 0) : to.WrapInteger(xs[i]);
        }
    }
}
