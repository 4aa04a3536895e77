// MaxPool, AveragePool and GlobalAveragePool on the tape: forward through PoolKernels, backward through
// PoolBackward, parallel over (image, channel) planes. No dilations; a ceil-mode MaxPool comes as grown end pads
// (ModelTape), which a max ignores.
//   x: (N, C, H, W)   y: (N, C, oH, oW)
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    /// <param name="pads">ONNX order: top, left, bottom, right.</param>
    public Var MaxPool(Var x, int[] kernel, int[]? strides = null, int[]? pads = null)
    {
        var g = PoolShape(x, kernel, strides, pads);
        int inPlane = g.H * g.W, outPlane = g.OutSpatial, planes = g.N * g.C;
        var y = new float[planes * outPlane];
        var at = new long[y.Length];
        var xd = x.Data;
        Parallelism.For(planes, (long)outPlane * g.KH * g.KW, p =>
            PoolKernels.MaxPlane(g, xd.AsSpan(p * inPlane, inPlane), y.AsSpan(p * outPlane, outPlane), at.AsSpan(p * outPlane, outPlane), 0));
        return Output(y, [g.N, g.C, g.OutH, g.OutW], Any(x), dy =>
        {
            var dx = x.GradBuffer;
            Parallelism.For(planes, outPlane, p =>
                PoolBackward.MaxPlane(dy.AsSpan(p * outPlane, outPlane), at.AsSpan(p * outPlane, outPlane), dx.AsSpan(p * inPlane, inPlane)));
        });
    }

    public Var AveragePool(Var x, int[] kernel, int[]? strides = null, int[]? pads = null, bool countIncludePad = false)
    {
        var g = PoolShape(x, kernel, strides, pads);
        int inPlane = g.H * g.W, outPlane = g.OutSpatial, planes = g.N * g.C;
        var y = new float[planes * outPlane];
        var xd = x.Data;
        Parallelism.For(planes, (long)outPlane * g.KH * g.KW, p =>
            PoolKernels.AveragePlane(g, xd.AsSpan(p * inPlane, inPlane), y.AsSpan(p * outPlane, outPlane), countIncludePad));
        return Output(y, [g.N, g.C, g.OutH, g.OutW], Any(x), dy =>
        {
            var dx = x.GradBuffer;
            Parallelism.For(planes, (long)outPlane * g.KH * g.KW, p =>
                PoolBackward.AveragePlane(g, dy.AsSpan(p * outPlane, outPlane), dx.AsSpan(p * inPlane, inPlane), countIncludePad));
        });
    }

    public Var GlobalAveragePool(Var x)
    {
        if (x.Rank < 3) throw new ArgumentException($"GlobalAveragePool needs at least 3-D x, got {x}");
        int planes = x.Shape[0] * x.Shape[1], size = x.Length / Math.Max(planes, 1);
        var y = new float[planes];
        PoolKernels.Global(false, x.Data, y, planes, size);
        int[] shape = [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Rank - 2)];
        return Output(y, shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int p = 0; p < planes; p++)
            {
                float share = dy[p] / size;
                var plane = dx.AsSpan(p * size, size);
                for (int i = 0; i < plane.Length; i++) plane[i] += share;
            }
        });
    }

    private static Conv2D PoolShape(Var x, int[] kernel, int[]? strides, int[]? pads)
    {
        if (x.Rank != 4 || kernel.Length != 2) throw new ArgumentException($"2-D pooling needs 4-D x and a 2-D kernel, got {x}");
        int[] w = [x.Shape[1], 1, kernel[0], kernel[1]];
        return ConvShape(x.Shape, w, strides ?? kernel, pads ?? [0, 0, 0, 0], x.Shape[1], [1, 1]);
    }
}
