// Depthwise convolution (group = C = M): channel c convolves its own plane with its own kH×kW taps.
//   x: (C, H, W) of one image   w: (C, 1, kH, kW)   b: (C) or empty   y: (C, oH, oW) of one image
// Every output element is an FMA chain from zero over its valid taps in (ky, kx) order, then + bias: the
// arithmetic of ConvKernels.Reference's loop with fused multiply-adds. Three paths compute those bits: Rows (any
// taps; vector lanes in the interior, scalar FMAs at the borders and on planes narrower than a vector), Padded (the
// plane copied into a zero border as StridePhases, every output in vector lanes) and, for small planes (at most 256
// elements in, 64 out), sixteen or eight channels at a time in the lanes (DepthwiseConv.ChannelLanes.cs). Rows is
// the others' twin in the tests. No threads here.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static partial class DepthwiseConv
{
    /// <summary>Channel c of one image (vector kernel sets only; scalar runs ConvKernels.Reference).</summary>
    public static void Forward(KernelVariant variant, Conv2D g, int c, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
        => Channels(variant, g, c, 1, x, w, b, y);

    /// <summary>
    /// Channels [first, first + count) of one image, sharing one scratch buffer. A channel whose taps are all finite
    /// takes the padded path: there a tap over the padding multiplies a zero, and fma(0, w, acc) = acc for a finite w
    /// (acc starts at +0 and never becomes -0, since an exact zero sum rounds to +0), so skipping the tap and adding
    /// it give the same bits. An Inf or NaN tap (a fault can write one) would turn that zero into NaN: Rows then.
    /// </summary>
    /// <remarks>A fused activation (epilogue): Relu, Clip and HardSwish are applied in registers before the padded
    /// path's store; the others (Sigmoid, SiLU, whose exponential would also run on the grid's dropped columns)
    /// and every channel on the row path get one pass over runs of consecutive output planes, about 16 KB at a
    /// time, while they are in L1: late layers' planes of 3×3 to 7×7 would otherwise leave each plane a scalar tail.
    /// Either way the same per-element function as a separate pass, so the same bits.</remarks>
    public static void Channels(KernelVariant variant, Conv2D g, int first, int count, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        Activation epilogue = default)
    {
        if (variant == KernelVariant.Scalar)
        {
            for (int c = first; c < first + count; c++) ConvKernels.Reference(g, c, x, w, b, y);
            if (!epilogue.IsNone) ActivationKernels.Apply(variant, epilogue, y.Slice(first * g.OutSpatial, count * g.OutSpatial), y.Slice(first * g.OutSpatial, count * g.OutSpatial));
            return;
        }
        var layout = new StridePhases(g);
        bool padded = Fma.IsSupported && layout.Grid >= Vector256<float>.Count;
        float[]? scratch = null;
        var fused = epilogue.Kind switch
        {
            ActivationKind.Relu => Fused.Relu, ActivationKind.Clip => Fused.Clip, ActivationKind.HardSwish => Fused.HardSwish, _ => Fused.None,
        };
        // Tap offsets depend on the geometry only: once per call, not per channel (late layers have 3×3 planes).
        Span<int> offsets = stackalloc int[g.KH * g.KW];
        layout.TapOffsets(g, offsets);
        int waiting = -1; // first of the channels written since the last activation pass that still need one
        int end = first + count;
        bool lanes = UsesLanes(g);
        int width = LaneWidth(variant);
        float[]? laneScratch = lanes && count >= 8 ? ScratchPool.Rent(LaneScratch(g)) : null;
        try
        {
            for (int c = first, step; c < end; c += step)
            {
                bool inRegisters = false;
                if (lanes && c + 8 <= end)
                {
                    step = c + width <= end ? width : 8;
                    LaneGroup(g, c, step, x, w, b, y, laneScratch!, epilogue, fused);
                    inRegisters = fused != Fused.None;
                }
                else
                {
                    step = 1;
                    var taps = w.Slice(c * g.KH * g.KW, g.KH * g.KW);
                    if (!padded || !FiniteValues.All(taps)) Rows(variant, g, c, x, w, b, y);
                    else
                    {
                        if (scratch is null)
                        {
                            scratch = ScratchPool.Rent(layout.Size);
                            layout.Clear(scratch, 0f);
                        }
                        Padded(variant, g, layout, offsets, x.Slice(c * g.H * g.W, g.H * g.W), taps, b.IsEmpty ? 0f : b[c],
                            scratch, y.Slice(c * g.OutSpatial, g.OutSpatial), epilogue, fused);
                        inRegisters = fused != Fused.None;
                    }
                }
                if (epilogue.IsNone) continue;
                if (inRegisters)
                {
                    if (waiting >= 0) Pass(variant, g, epilogue, y, waiting, c);
                    waiting = -1;
                }
                else
                {
                    if (waiting < 0) waiting = c;
                    if ((c + step - waiting) * g.OutSpatial >= PassElements)
                    {
                        Pass(variant, g, epilogue, y, waiting, c + step);
                        waiting = -1;
                    }
                }
            }
            if (waiting >= 0) Pass(variant, g, epilogue, y, waiting, end);
        }
        finally
        {
            if (scratch is not null) ScratchPool.Return(scratch);
            if (laneScratch is not null) ScratchPool.Return(laneScratch);
        }
    }

    /// <summary>Output elements per activation pass: 16 KB, so the planes are still in L1 when it runs.</summary>
    private const int PassElements = 4096;

    /// <summary>The activation over the output planes of channels [from, to).</summary>
    private static void Pass(KernelVariant variant, Conv2D g, Activation epilogue, Span<float> y, int from, int to)
    {
        var planes = y.Slice(from * g.OutSpatial, (to - from) * g.OutSpatial);
        ActivationKernels.Apply(variant, epilogue, planes, planes);
    }

    private static void Padded(KernelVariant variant, Conv2D g, in StridePhases layout, ReadOnlySpan<int> offsets, ReadOnlySpan<float> plane,
        ReadOnlySpan<float> taps, float bias, float[] scratch, Span<float> output, Activation epilogue, Fused fused)
    {
        layout.Fill(g, plane, scratch);
        int kh = g.KH, kw = g.KW, count = kh * kw;
        ref float src = ref MemoryMarshal.GetArrayDataReference(scratch);
        ref float grid = ref Unsafe.Add(ref src, layout.GridAt);
        ref float tap = ref MemoryMarshal.GetReference(taps);
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        int total = layout.Grid, q = 0;
        // Each output is a chain of kH·kW dependent FMAs: a chain or two in flight leaves the FMA units waiting on
        // latency, so eight (avx512) or four (avx2) vectors of grid positions run side by side. The last block may
        // run past the grid into StridePhases' slack: those positions are dropped. Each lane's chain is unchanged.
        if (variant == KernelVariant.Avx512 && Avx512F.IsSupported)
        {
            const int V = 16;
            var vbias = Vector512.Create(bias);
            Vector512<float> lo = Vector512.Create(epilogue.A), hi = Vector512.Create(epilogue.B);
            for (; q + 8 * V <= total; q += 8 * V)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (int t = 0; t < count; t++)
                {
                    var wv = Vector512.Create(Unsafe.Add(ref tap, t));
                    ref float at = ref Unsafe.Add(ref src, Unsafe.Add(ref offset, t) + q);
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at), wv, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, V), wv, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 2 * V), wv, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 3 * V), wv, a3);
                    a4 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 4 * V), wv, a4);
                    a5 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 5 * V), wv, a5);
                    a6 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 6 * V), wv, a6);
                    a7 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 7 * V), wv, a7);
                }
                ref float o = ref Unsafe.Add(ref grid, q);
                Finish(a0 + vbias, fused, lo, hi).StoreUnsafe(ref o);
                Finish(a1 + vbias, fused, lo, hi).StoreUnsafe(ref o, V);
                Finish(a2 + vbias, fused, lo, hi).StoreUnsafe(ref o, 2 * V);
                Finish(a3 + vbias, fused, lo, hi).StoreUnsafe(ref o, 3 * V);
                Finish(a4 + vbias, fused, lo, hi).StoreUnsafe(ref o, 4 * V);
                Finish(a5 + vbias, fused, lo, hi).StoreUnsafe(ref o, 5 * V);
                Finish(a6 + vbias, fused, lo, hi).StoreUnsafe(ref o, 6 * V);
                Finish(a7 + vbias, fused, lo, hi).StoreUnsafe(ref o, 7 * V);
            }
            for (; q < total; q += 4 * V)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int t = 0; t < count; t++)
                {
                    var wv = Vector512.Create(Unsafe.Add(ref tap, t));
                    ref float at = ref Unsafe.Add(ref src, Unsafe.Add(ref offset, t) + q);
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at), wv, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, V), wv, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 2 * V), wv, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, 3 * V), wv, a3);
                }
                ref float o = ref Unsafe.Add(ref grid, q);
                Finish(a0 + vbias, fused, lo, hi).StoreUnsafe(ref o);
                Finish(a1 + vbias, fused, lo, hi).StoreUnsafe(ref o, V);
                Finish(a2 + vbias, fused, lo, hi).StoreUnsafe(ref o, 2 * V);
                Finish(a3 + vbias, fused, lo, hi).StoreUnsafe(ref o, 3 * V);
            }
        }
        else
        {
            const int V = 8;
            var vbias = Vector256.Create(bias);
            Vector256<float> lo = Vector256.Create(epilogue.A), hi = Vector256.Create(epilogue.B);
            for (; q < total; q += 4 * V)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int t = 0; t < count; t++)
                {
                    var wv = Vector256.Create(Unsafe.Add(ref tap, t));
                    ref float at = ref Unsafe.Add(ref src, Unsafe.Add(ref offset, t) + q);
                    a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref at), wv, a0);
                    a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref at, V), wv, a1);
                    a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref at, 2 * V), wv, a2);
                    a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref at, 3 * V), wv, a3);
                }
                ref float o = ref Unsafe.Add(ref grid, q);
                Finish(a0 + vbias, fused, lo, hi).StoreUnsafe(ref o);
                Finish(a1 + vbias, fused, lo, hi).StoreUnsafe(ref o, V);
                Finish(a2 + vbias, fused, lo, hi).StoreUnsafe(ref o, 2 * V);
                Finish(a3 + vbias, fused, lo, hi).StoreUnsafe(ref o, 3 * V);
            }
        }
        layout.CopyOut(g, scratch, output);
    }

    /// <summary>Activations the padded path applies in registers before its store (Relu: lo = 0; Clip: [lo, hi];
    /// HardSwish); the others run as a pass over runs of output planes.</summary>
    private enum Fused { None, Relu, Clip, HardSwish }

    /// <summary>VectorActivations' Relu, Clip and HardSwish (inlined), lane for lane: the same compares, selects,
    /// multiplies and adds as ActivationKernels, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Finish(Vector512<float> v, Fused fused, Vector512<float> lo, Vector512<float> hi) => fused switch
    {
        Fused.Relu => new VectorActivations.Relu().Apply(v),
        Fused.HardSwish => new VectorActivations.HardSwish().Apply(v),
        Fused.Clip => VectorActivations.Clamp(v, lo, hi),
        _ => v,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(Vector256<float> v, Fused fused, Vector256<float> lo, Vector256<float> hi) => fused switch
    {
        Fused.Relu => new VectorActivations.Relu().Apply(v),
        Fused.HardSwish => new VectorActivations.HardSwish().Apply(v),
        Fused.Clip => VectorActivations.Clamp(v, lo, hi),
        _ => v,
    };

    /// <summary>
    /// The row path, for one channel c: columns whose taps are all inside the plane run eight (sixteen) at a time in
    /// vector lanes, the border columns run the same chain in scalar FMAs, skipping the padding taps. Strided
    /// layers first split the plane into stride phases (columns p, p + s, …) so the lanes load contiguous inputs.
    /// Exact for any tap value; the padded path is faster but needs finite taps.
    /// </summary>
    internal static void Rows(KernelVariant variant, Conv2D g, int c, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
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
            var (l, h) = ConvKernels.ValidRange(kx * g.DilationW - g.PadLeft, sw, width, ow);
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

}
