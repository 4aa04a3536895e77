// 2-D convolution of one image and one group.
//   x: (C, H, W) of one image   w: (M, C/group, kH, kW)   b: (M) or null   y: (M, oH, oW) of one image
// Reference: the direct seven-loop sum (oracle, and the `scalar` kernel set). Forward: the fast paths —
// depthwise (group = C = M) by shifted row multiply-adds, 1×1 stride-1 unpadded as a plain GEMM on the input
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
            Depthwise(variant, g, group, x, w, b, y);
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
    private static (int Lo, int Hi) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = width - 1 - offset;
        int hi = last < 0 ? 0 : last / stride + 1;
        lo = Math.Min(lo, outWidth);
        hi = Math.Clamp(hi, lo, outWidth);
        return (lo, hi);
    }

    /// <summary>
    /// Depthwise: channel c = group convolves its own plane. Each output element is an FMA chain from zero over
    /// its valid taps in (ky, kx) order (taps over the padding are skipped, as in Reference), then the bias.
    /// Columns whose taps are all inside the plane run eight at a time in Vector256 lanes; the border columns run
    /// the same chain in scalar FMAs, so a value does not depend on where it lies. Strided layers
    /// first split the plane into stride phases (columns p, p + s, …) so the lanes load contiguous inputs.
    /// </summary>
    private static void Depthwise(KernelVariant variant, Conv2D g, int c, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        var plane = x.Slice(c * g.H * g.W, g.H * g.W);
        var taps = w.Slice(c * g.KH * g.KW, g.KH * g.KW);
        var output = y.Slice(c * g.OutSpatial, g.OutSpatial);
        int ow = g.OutW, sw = g.StrideW, kw = g.KW, width = g.W;
        float bias = b.IsEmpty ? 0f : b[c];
        // Output columns [lo, hi) read only valid input columns for every kx.
        int lo = 0, hi = ow;
        for (int kx = 0; kx < kw; kx++)
        {
            var (l, h) = ValidRange(kx * g.DilationW - g.PadLeft, sw, width, ow);
            lo = Math.Max(lo, l);
            hi = Math.Min(hi, h);
        }
        bool vector = hi - lo >= Vector256<float>.Count && Fma.IsSupported;
        bool wide = vector && variant == KernelVariant.Avx512 && Avx512F.IsSupported;
        float[]? phases = null;
        int phaseWidth = (width + sw - 1) / sw, phaseSize = g.H * phaseWidth;
        if (vector && sw > 1)
        {
            phases = ScratchPool.Rent(sw * phaseSize);
            for (int p = 0; p < sw; p++)
                for (int iy = 0; iy < g.H; iy++)
                {
                    var line = plane.Slice(iy * width, width);
                    var into = phases.AsSpan(p * phaseSize + iy * phaseWidth, phaseWidth);
                    int j = 0;
                    for (int ix = p; ix < width; ix += sw) into[j++] = line[ix];
                    into[j..].Clear(); // a short phase: its last column is never read, but keep it defined
                }
        }
        ReadOnlySpan<float> source = phases is null ? plane : phases.AsSpan(0, sw * phaseSize);
        int rowStride = phases is null ? width : phaseWidth;
        // Where tap column kx starts in the source, relative to output column 0 of a row: phase base + shift.
        Span<int> columnBase = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
        {
            int offset = kx * g.DilationW - g.PadLeft;
            int phase = ((offset % sw) + sw) % sw;
            columnBase[kx] = phases is null ? offset : phase * phaseSize + (offset - phase) / sw;
        }
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(output);
        var vbias = Vector256.Create(bias);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int ox = 0;
            if (vector)
            {
                // The last vector overlaps the one before rather than leave a scalar tail: a value does not depend
                // on which lanes computed it, so the overlap rewrites the same bits.
                int start = lo;
                // avx512: sixteen columns per Vector512 while they last (the same chain per lane, so the same bits).
                if (wide && hi - lo >= Vector512<float>.Count)
                    for (; start < hi - Vector256<float>.Count; start += Vector512<float>.Count)
                    {
                        ox = Math.Min(start, hi - Vector512<float>.Count);
                        var acc = Vector512<float>.Zero;
                        for (int ky = 0; ky < g.KH; ky++)
                        {
                            int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                            if ((uint)iy >= (uint)g.H) continue;
                            int row = iy * rowStride + ox;
                            for (int kx = 0; kx < kw; kx++)
                                acc = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref src, (nuint)(row + columnBase[kx])), Vector512.Create(taps[ky * kw + kx]), acc);
                        }
                        (acc + Vector512.Create(bias)).StoreUnsafe(ref dst, (nuint)(oy * ow + ox));
                    }
                for (; start < hi; start += Vector256<float>.Count)
                {
                    ox = Math.Min(start, hi - Vector256<float>.Count);
                    var acc = Vector256<float>.Zero;
                    for (int ky = 0; ky < g.KH; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if ((uint)iy >= (uint)g.H) continue;
                        int row = iy * rowStride + ox;
                        for (int kx = 0; kx < kw; kx++)
                            acc = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref src, (nuint)(row + columnBase[kx])), Vector256.Create(taps[ky * kw + kx]), acc);
                    }
                    (acc + vbias).StoreUnsafe(ref dst, (nuint)(oy * ow + ox));
                }
                for (int o = 0; o < lo; o++) output[oy * ow + o] = DepthwiseElement(g, plane, taps, oy, o) + bias;
                ox = hi;
            }
            for (; ox < ow; ox++) output[oy * ow + ox] = DepthwiseElement(g, plane, taps, oy, ox) + bias;
        }
        if (phases is not null) ScratchPool.Return(phases);
    }

    /// <summary>One depthwise output without its bias: the FMA chain of Depthwise's lanes, in scalar.</summary>
    private static float DepthwiseElement(Conv2D g, ReadOnlySpan<float> plane, ReadOnlySpan<float> taps, int oy, int ox)
    {
        float sum = 0f;
        for (int ky = 0; ky < g.KH; ky++)
        {
            int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
            if ((uint)iy >= (uint)g.H) continue;
            for (int kx = 0; kx < g.KW; kx++)
            {
                int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                if ((uint)ix >= (uint)g.W) continue;
                sum = MathF.FusedMultiplyAdd(plane[iy * g.W + ix], taps[ky * g.KW + kx], sum);
            }
        }
        return sum;
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
