// Conv on the tape (groups, strides, pads, dilations): forward through ConvKernels.Forward, backward through
// ConvBackward.Image, both parallel over images.
//   x: (N, C, H, W)   w: (M, C/group, kH, kW)   b: (M) or null   y: (N, M, oH, oW)
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    /// <param name="pads">ONNX order: top, left, bottom, right.</param>
    public Var Conv(Var x, Var w, Var? b, int[]? strides = null, int[]? pads = null, int group = 1, int[]? dilations = null)
    {
        var g = ConvShape(x.Shape, w.Shape, strides ?? [1, 1], pads ?? [0, 0, 0, 0], group, dilations ?? [1, 1]);
        if (b is not null && (b.Rank != 1 || b.Shape[0] != g.M))
            throw new ArgumentException($"conv bias {b} must have {g.M} values", nameof(b));
        int inImage = g.C * g.H * g.W, outImage = g.M * g.OutSpatial;
        var y = new float[g.N * outImage];
        float[] xd = x.Data, wd = w.Data, bd = b?.Data ?? [];
        Parallelism.For(g.N * group, (long)outImage / group * g.PatchSize, task =>
        {
            int n = task / group, gi = task % group;
            ConvKernels.Forward(g, gi, xd.AsSpan(n * inImage, inImage), wd, bd, y.AsSpan(n * outImage, outImage));
        });
        return Output(y, [g.N, g.M, g.OutH, g.OutW], Any(x, w, b), dy =>
        {
            float[]? dx = x.RequiresGrad ? x.GradBuffer : null;
            int chunks = Chunks.Count(g.N);
            var dwParts = w.RequiresGrad ? new float[chunks][] : null;
            var dbParts = b is { RequiresGrad: true } ? new float[chunks][] : null;
            Chunks.For(g.N, 3L * outImage * g.PatchSize / group, (c, start, end) =>
            {
                var col = new float[g.PatchSize * g.OutSpatial];
                var dw = dwParts is null ? [] : dwParts[c] = new float[wd.Length];
                var db = dbParts is null ? [] : dbParts[c] = new float[g.M];
                for (int n = start; n < end; n++)
                    ConvBackward.Image(g, xd.AsSpan(n * inImage, inImage), wd, dy.AsSpan(n * outImage, outImage),
                        dx is null ? default : dx.AsSpan(n * inImage, inImage), dw, db, col);
            });
            if (dwParts is not null) Chunks.Reduce(dwParts, w.GradBuffer);
            if (dbParts is not null) Chunks.Reduce(dbParts, b!.GradBuffer);
        });
    }

    internal static Conv2D ConvShape(int[] x, int[] w, int[] strides, int[] pads, int group, int[] dilations)
    {
        if (x.Length != 4 || w.Length != 4)
            throw new ArgumentException($"conv needs 4-D x and w, got {Neutron.Engine.Tensors.ShapeUtil.Format(x)} and {Neutron.Engine.Tensors.ShapeUtil.Format(w)}");
        if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
            throw new ArgumentException($"x has {x[1]} channels, w {Neutron.Engine.Tensors.ShapeUtil.Format(w)}, group {group}: need C = w[1]·group");
        int OutSize(int input, int k, int s, int d, int p0, int p1) => (input + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
        int oh = OutSize(x[2], w[2], strides[0], dilations[0], pads[0], pads[2]);
        int ow = OutSize(x[3], w[3], strides[1], dilations[1], pads[1], pads[3]);
        if (oh < 1 || ow < 1) throw new ArgumentException($"input {x[2]}×{x[3]} is too small for kernel {w[2]}×{w[3]}");
        return new Conv2D(x[0], x[1], x[2], x[3], w[0], w[2], w[3], group, strides[0], strides[1], dilations[0], dilations[1],
            pads[0], pads[1], oh, ow) { PadBottom = pads[2], PadRight = pads[3] };
    }
}
