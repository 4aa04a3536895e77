// 2-D convolution of one image and one group.
//   x: (C, H, W) of one image   w: (M, C/group, kH, kW)   b: (M) or null   y: (M, oH, oW) of one image
// Reference: the direct seven-loop sum (oracle, and the `scalar` kernel set). Forward: the fast paths —
// depthwise (group = C = M) in DepthwiseConv, 1×1 stride-1 unpadded as a plain GEMM on the input
// planes, everything else as im2col (into pooled scratch reused across runs) + Gemm32. No threads here.
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static class ConvKernels
{
    public static void Forward(Conv2D g, int group, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
        => Forward(KernelSet.Active, g, group, x, w, b, y);

    public static void Forward(KernelVariant variant, Conv2D g, int group, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        if (variant == KernelVariant.Scalar)
        {
            Reference(g, group, x, w, b, y);
            return;
        }
        if (g.IsDepthwise)
        {
            DepthwiseConv.Forward(variant, g, group, x, w, b, y);
            return;
        }
        int k = g.PatchSize, n = g.OutSpatial, mpg = g.MPerGroup;
        var yg = y.Slice(group * mpg * n, mpg * n);
        var wg = w.Slice(group * mpg * k, mpg * k);
        if (g.IsPointwise)
            Gemm32.Multiply(variant, false, false, mpg, n, k, 1f, wg, k, x.Slice(group * g.CPerGroup * n, g.CPerGroup * n), n, 0f, yg, n);
        else
        {
            var scratch = RentColumns(k * n);
            try
            {
                Im2Col(g, group, x, scratch);
                Gemm32.Multiply(variant, false, false, mpg, n, k, 1f, wg, k, scratch.AsSpan(0, k * n), n, 0f, yg, n);
            }
            finally
            {
                ReturnColumns(scratch);
            }
        }
        AddBias(b, group * mpg, mpg, n, yg);
    }

    /// <summary>An im2col buffer of at least size floats from the shared scratch pool (steady state allocates nothing).</summary>
    public static float[] RentColumns(int size) => ScratchPool.Rent(size);

    public static void ReturnColumns(float[] buffer) => ScratchPool.Return(buffer);

    /// <summary>y_g[m, :] += b[first + m] for the group's mpg output planes of n elements.</summary>
    public static void AddBias(ReadOnlySpan<float> b, int first, int mpg, int n, Span<float> yg)
    {
        if (b.IsEmpty) return;
        for (int m = 0; m < mpg; m++)
        {
            var plane = yg.Slice(m * n, n);
            TensorPrimitives.Add(plane, b[first + m], plane);
        }
    }

    /// <summary>
    /// Lowers the group's input patches to a (C/group·kH·kW, oH·oW) matrix, row (c, ky, kx), zeros where the window
    /// hangs over the padding: then y_g = w_g · cols.
    /// </summary>
    public static void Im2Col(Conv2D g, int group, ReadOnlySpan<float> x, Span<float> cols) => Im2Col(g, group, x, cols, g.OutSpatial);

    /// <summary>Im2Col with rows ld floats apart: several images side by side in one matrix (ld = images · oH·oW).</summary>
    public static void Im2Col(Conv2D g, int group, ReadOnlySpan<float> x, Span<float> cols, int ld)
    {
        int cpg = g.CPerGroup, n = g.OutSpatial, ow = g.OutW, sw = g.StrideW;
        for (int ci = 0; ci < cpg; ci++)
        {
            var plane = x.Slice((group * cpg + ci) * g.H * g.W, g.H * g.W);
            for (int ky = 0; ky < g.KH; ky++)
            for (int kx = 0; kx < g.KW; kx++)
            {
                var dst = cols.Slice(((ci * g.KH + ky) * g.KW + kx) * ld, n);
                int offset = kx * g.DilationW - g.PadLeft;
                var (lo, hi) = ValidRange(offset, sw, g.W, ow);
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    var row = dst.Slice(oy * ow, ow);
                    int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                    if ((uint)iy >= (uint)g.H)
                    {
                        row.Clear();
                        continue;
                    }
                    row[..lo].Clear();
                    row[hi..].Clear();
                    var src = plane.Slice(iy * g.W, g.W);
                    if (hi <= lo) continue; // the whole row hangs over the padding
                    if (sw == 1) src.Slice(lo + offset, hi - lo).CopyTo(row[lo..hi]);
                    else
                        for (int ox = lo; ox < hi; ox++) row[ox] = src[ox * sw + offset];
                }
            }
        }
    }

    /// <summary>Output columns [lo, hi) whose input column ox·stride + offset lies inside [0, width).</summary>
    internal static (int Lo, int Hi) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = width - 1 - offset;
        int hi = last < 0 ? 0 : last / stride + 1;
        lo = Math.Min(lo, outWidth);
        hi = Math.Clamp(hi, lo, outWidth);
        return (lo, hi);
    }

    public static void Reference(Conv2D g, int group, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        int cpg = g.CPerGroup, mpg = g.MPerGroup;
        for (int mi = 0; mi < mpg; mi++)
        {
            int m = group * mpg + mi;
            float bias = b.IsEmpty ? 0f : b[m];
            for (int oy = 0; oy < g.OutH; oy++)
            for (int ox = 0; ox < g.OutW; ox++)
            {
                float sum = 0f;
                for (int ci = 0; ci < cpg; ci++)
                {
                    int c = group * cpg + ci;
                    for (int ky = 0; ky < g.KH; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if ((uint)iy >= (uint)g.H) continue;
                        for (int kx = 0; kx < g.KW; kx++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            if ((uint)ix >= (uint)g.W) continue;
                            sum += x[(c * g.H + iy) * g.W + ix] * w[((m * cpg + ci) * g.KH + ky) * g.KW + kx];
                        }
                    }
                }
                y[(m * g.OutH + oy) * g.OutW + ox] = sum + bias;
            }
        }
    }
}
