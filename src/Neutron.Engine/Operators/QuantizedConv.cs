// ConvInteger (int32 convolution of zero-point-shifted 8-bit tensors) and QLinearConv (the same plus an int32 bias,
// rescaled per output channel and requantised). The shifted integers are exact in float32 for these sizes, so the
// plain ConvKernels.Reference does the sums; no fast path.
//   x: (N, C, H, W) 8-bit   w: (M, C/group, kH, kW) 8-bit   y: (N, M, oH, oW) int32 or 8-bit
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class QuantizedConv : Operator
{
    private readonly bool linear;
    private readonly int group;
    private float[] xf = [], wf = [], yf = [];

    public QuantizedConv(Node node, long opset) : base(node, opset)
    {
        linear = node.OpType == "QLinearConv";
        group = checked((int)node.Attributes.Int("group", 1));
    }

    // ConvInteger (x, w, x_zp, w_zp); QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B).
    private int W => linear ? 3 : 1;

    private Conv2D Geometry(int[] xShape, int[] wShape)
    {
        if (xShape.Length is not (3 or 4) || wShape.Length != xShape.Length)
            throw Error($"only 1-D and 2-D convolutions are supported; x is {ShapeUtil.Format(xShape)}, w {ShapeUtil.Format(wShape)}", ModelErrorCode.UnsupportedOperator);
        if (group < 1 || xShape[1] != wShape[1] * group || wShape[0] % group != 0)
            throw Error($"x has {xShape[1]} channels, w {ShapeUtil.Format(wShape)}, group {group}: need C = w[1]·group");
        var g = ConvGeometry.Resolve(Node.Attributes, wShape[2..], xShape[2..], false, m => Error(m));
        return Conv2D.From(g, xShape, wShape, group);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var w = Required(inputs, W);
        foreach (var t in new[] { x, w })
            if (t.Type is not (DataType.UInt8 or DataType.Int8)) throw Error($"x and w must be uint8 or int8, got {t.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var g = Geometry(x.Shape, w.Shape);
        var type = linear ? Required(inputs, 7).Type : DataType.Int32;
        return [new TensorType(type, [x.Shape[0], w.Shape[0], .. (x.Shape.Length == 3 ? [g.OutW] : new[] { g.OutH, g.OutW })])];
    }

    private static float[] Shifted(Tensor t, Tensor? zp, int channelSize, ref float[] buffer)
    {
        if (buffer.Length < t.Length) buffer = new float[t.Length];
        var v = t.Longs;
        for (int i = 0; i < v.Length; i++)
            buffer[i] = v[i] - (zp is null ? 0 : zp.Length == 1 ? zp.Longs[0] : zp.Longs[i / channelSize]);
        return buffer;
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var w = inputs[W]!;
        var y = outputs[0];
        var g = Geometry(x.Shape, w.Shape);
        var xzp = linear ? inputs[2] : inputs.Length > 2 ? inputs[2] : null;
        var wzp = linear ? inputs[5] : inputs.Length > 3 ? inputs[3] : null;
        int wChannel = w.Length / w.Shape[0];
        Shifted(x, xzp, x.Length, ref xf);
        Shifted(w, wzp, wChannel, ref wf);
        if (yf.Length < y.Length) yf = new float[y.Length];
        int perImage = g.C * g.H * g.W, outPerImage = g.M * g.OutH * g.OutW;
        for (int n = 0; n < g.N; n++)
        for (int gi = 0; gi < group; gi++)
            ConvKernels.Reference(g, gi, xf.AsSpan(n * perImage, perImage), wf, default, yf.AsSpan(n * outPerImage, outPerImage));
        var yv = y.Longs;
        if (!linear)
        {
            for (int i = 0; i < yv.Length; i++) yv[i] = (long)yf[i];
            return;
        }
        float xScale = inputs[1]!.Floats[0], yScale = inputs[6]!.Floats[0];
        var wScale = inputs[4]!.Floats;
        long yzp = inputs[7]!.Longs[0];
        var bias = inputs.Length > 8 ? inputs[8] : null;
        long lo = y.Type == DataType.Int8 ? -128 : 0, hi = y.Type == DataType.Int8 ? 127 : 255;
        int plane = g.OutH * g.OutW;
        for (int i = 0; i < yv.Length; i++)
        {
            int m = i / plane % g.M;
            double acc = yf[i] + (bias is null ? 0 : bias.Longs[m]);
            double scaled = acc * xScale * (wScale.Length == 1 ? wScale[0] : wScale[m]) / yScale;
            yv[i] = (long)Math.Clamp(Math.Round(scaled, MidpointRounding.ToEven) + yzp, lo, hi);
        }
    }
}
