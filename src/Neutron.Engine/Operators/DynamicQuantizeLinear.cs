// DynamicQuantizeLinear: uint8 quantisation with scale and zero point taken from the data's range (widened to
// include 0): scale = (max − min) / 255, zero_point = saturate(round(−min / scale)). QuantizeLinear.cs is the static twin.
//   x: float (...)   y: uint8 like x   y_scale: float scalar   y_zero_point: uint8 scalar
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class DynamicQuantizeLinear : Operator
{
    public DynamicQuantizeLinear(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "x");
        return [new TensorType(DataType.UInt8, x.Shape), new TensorType(DataType.Float, []), new TensorType(DataType.UInt8, [])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var xs = inputs[0]!.Floats;
        float min = 0, max = 0;
        foreach (float v in xs) { min = Math.Min(min, v); max = Math.Max(max, v); }
        float scale = (max - min) / 255f;
        long zeroPoint = scale == 0 ? 0 : (long)Math.Clamp(Math.Round(-min / scale, MidpointRounding.ToEven), 0, 255);
        var ys = outputs[0].Longs;
        for (int i = 0; i < xs.Length; i++)
            ys[i] = scale == 0 ? zeroPoint : (long)Math.Clamp(Math.Round(xs[i] / scale, MidpointRounding.ToEven) + zeroPoint, 0, 255);
        outputs[1].Floats[0] = scale;
        outputs[2].Longs[0] = zeroPoint;
    }
}
