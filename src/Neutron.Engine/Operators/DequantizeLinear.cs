// DequantizeLinear: y = (x − zero_point) · scale, per tensor or per axis (opset 13). The inverse of QuantizeLinear.cs.
//   x: uint8/int8/int32 (...)   scale: float scalar or (x.shape[axis])   zero_point: like scale, x's type   y: float
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class DequantizeLinear : Operator
{
    public DequantizeLinear(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        if (x.Type is not (DataType.UInt8 or DataType.Int8 or DataType.Int32)) throw Error($"x must be uint8, int8 or int32, got {x.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var scale = Required(inputs, 1);
        RequireFloat(scale, "x_scale");
        var zp = inputs.Length > 2 ? inputs[2] : null;
        if (zp is not null && zp.Type != x.Type) throw Error($"x_zero_point is {zp.Type.Name()}, x is {x.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        QuantAxis.Check(this, x.Shape, scale.Shape, zp?.Shape, Opset, Error);
        return [new TensorType(scale.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!.Floats;
        var zp = inputs.Length > 2 ? inputs[2] : null;
        var (inner, channels) = QuantAxis.Layout(x.Shape, scale.Length, Node.Attributes.Int("axis", 1));
        var xs = x.Longs;
        var ys = outputs[0].Floats;
        for (int i = 0; i < xs.Length; i++)
        {
            int c = channels == 1 ? 0 : i / inner % channels;
            ys[i] = (xs[i] - (zp?.Longs[c] ?? 0)) * scale[c];
        }
    }
}
