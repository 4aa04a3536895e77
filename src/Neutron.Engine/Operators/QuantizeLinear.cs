// QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point), into uint8 (default) or int8, per tensor
// or per axis (a 1-D scale along 'axis', opset 13). Its inverse is DequantizeLinear.cs.
//   x: float (...)   scale: float scalar or (x.shape[axis])   zero_point: like scale, uint8/int8   y: like x
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class QuantizeLinear : Operator
{
    public QuantizeLinear(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "x");
        var zp = inputs.Length > 2 ? inputs[2] : null;
        var type = zp?.Type ?? DataType.UInt8;
        if (type is not (DataType.UInt8 or DataType.Int8)) throw Error($"y_zero_point must be uint8 or int8, got {type.Name()}", ModelErrorCode.UnsupportedDataType);
        QuantAxis.Check(this, x.Shape, Required(inputs, 1).Shape, zp?.Shape, Opset, Error);
        return [new TensorType(type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!.Floats;
        var zp = inputs.Length > 2 ? inputs[2] : null;
        var y = outputs[0];
        var (inner, channels) = QuantAxis.Layout(x.Shape, scale.Length, Node.Attributes.Int("axis", 1));
        long lo = y.Type == DataType.Int8 ? -128 : 0, hi = y.Type == DataType.Int8 ? 127 : 255;
        var xs = x.Floats;
        var ys = y.Longs;
        for (int i = 0; i < xs.Length; i++)
        {
            int c = channels == 1 ? 0 : i / inner % channels;
            double q = Math.Round(xs[i] / scale[c], MidpointRounding.ToEven) + (zp?.Longs[c] ?? 0);
            ys[i] = (long)Math.Clamp(q, lo, hi);
        }
    }
}

/// <summary>The per-tensor or per-axis layout shared by QuantizeLinear and DequantizeLinear.</summary>
internal static class QuantAxis
{
    public static void Check(Operator op, int[] x, int[] scale, int[]? zeroPoint, long opset, Func<string, ModelErrorCode, ModelException> error)
    {
        int n = ShapeUtil.Size(scale);
        if (scale.Length > 1 || (n != 1 && opset < 13)) throw error($"scale {ShapeUtil.Format(scale)} must be a scalar (or 1-D per axis from opset 13)", ModelErrorCode.ShapeMismatch);
        if (n != 1)
        {
            long a = op.Node.Attributes.Int("axis", 1);
            long axis = a < 0 ? a + x.Length : a;
            if (axis < 0 || axis >= x.Length || x[axis] != n) throw error($"scale {ShapeUtil.Format(scale)} does not match axis {a} of {ShapeUtil.Format(x)}", ModelErrorCode.ShapeMismatch);
        }
        if (zeroPoint is not null && ShapeUtil.Size(zeroPoint) != n) throw error($"zero point {ShapeUtil.Format(zeroPoint)} and scale {ShapeUtil.Format(scale)} differ in size", ModelErrorCode.ShapeMismatch);
    }

    /// <summary>Elements per channel step and channel count (1 = per tensor).</summary>
    public static (int Inner, int Channels) Layout(int[] x, int channels, long axisAttribute)
    {
        if (channels == 1) return (1, 1);
        int axis = (int)(axisAttribute < 0 ? axisAttribute + x.Length : axisAttribute);
        return (ShapeUtil.Size(x.AsSpan(axis + 1)), channels);
    }
}
