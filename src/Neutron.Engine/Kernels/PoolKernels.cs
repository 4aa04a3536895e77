// Pooling over one (H, W) plane. The geometry's KH/KW are the window, strides and pads as in Conv2D.
//   x: (H, W)   y: (oH, oW)
// MaxPlane is the reference for every max pool; Max2x2 is the Vector256 fast path for the common 2×2 stride-2
// unpadded window (LeNet, VGG), MaxWindows the one for any other window (SqueezeNet's 3×3 stride 2 in ceil mode,
// ShuffleNet's padded one), on the plane laid out as StridePhases with a −∞ border. Both give MaxPlane's bits for
// every output without a NaN in its window, and NaN where MaxPlane gives NaN (its payload may differ).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

public static partial class PoolKernels
{
    /// <summary>Max over each window; NaN wins (as in PyTorch). indices, when given, hold flat input positions.</summary>
    public static void MaxPlane(Conv2D g, ReadOnlySpan<float> x, Span<float> y, Span<long> indices, long indexBase)
    {
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            float best = float.NegativeInfinity;
            int bestAt = -1;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    if ((uint)ix >= (uint)g.W) continue;
                    float v = x[iy * g.W + ix];
                    if (v > best || float.IsNaN(v) || bestAt < 0)
                    {
                        best = v;
                        bestAt = iy * g.W + ix;
                        if (float.IsNaN(v)) goto done;
                    }
                }
            }
        done:
            y[oy * g.OutW + ox] = best;
            if (!indices.IsEmpty) indices[oy * g.OutW + ox] = indexBase + bestAt;
        }
    }

    /// <summary>Whether Max2x2 serves this geometry: a 2×2 window, stride 2, no pads or dilation, no partial windows.</summary>
    public static bool IsMax2x2(Conv2D g) =>
        g.KH == 2 && g.KW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.DilationH == 1 && g.DilationW == 1
        && g.PadTop == 0 && g.PadLeft == 0 && 2 * g.OutH <= g.H && 2 * g.OutW <= g.W;

    /// <summary>
    /// 2×2 stride-2 max pool of one plane (IsMax2x2 geometries only); a window holding a NaN yields NaN. Rows of
    /// eight outputs or more run Vector256 steps, rows of four to seven Vector128 steps; a row's last step starts at
    /// its last full vector and recomputes the outputs it overlaps (the same bits), so no output takes the scalar tail.
    /// </summary>
    public static void Max2x2(Conv2D g, ReadOnlySpan<float> x, Span<float> y)
    {
        int w = g.W, ow = g.OutW;
        if (x.Length < g.H * w || y.Length < g.OutH * ow) throw new ArgumentException($"plane buffers too small for {g.H}×{w} → {g.OutH}×{ow}");
        bool simd = Avx2.IsSupported && KernelSet.Active != KernelVariant.Scalar;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int top = 2 * oy * w, bottom = top + w, dst = oy * ow;
            if (simd && ow >= 8)
            {
                for (int ox = 0; ; ox += 8)
                {
                    if (ox + 8 > ow) ox = ow - 8; // the overlapping last step
                    // Vertical max of 16 columns, then max of even and odd columns; the in-lane shuffles leave
                    // 64-bit pairs in order 0,2,1,3, which the permute restores.
                    var v0 = NanMax(Vector256.LoadUnsafe(ref xr, (nuint)(top + 2 * ox)), Vector256.LoadUnsafe(ref xr, (nuint)(bottom + 2 * ox)));
                    var v1 = NanMax(Vector256.LoadUnsafe(ref xr, (nuint)(top + 2 * ox + 8)), Vector256.LoadUnsafe(ref xr, (nuint)(bottom + 2 * ox + 8)));
                    var even = Avx.Shuffle(v0, v1, 0b10_00_10_00);
                    var odd = Avx.Shuffle(v0, v1, 0b11_01_11_01);
                    var m = Avx2.Permute4x64(NanMax(even, odd).AsDouble(), 0b11_01_10_00).AsSingle();
                    m.StoreUnsafe(ref yr, (nuint)(dst + ox));
                    if (ox + 8 == ow) break;
                }
                continue;
            }
            if (simd && ow >= 4)
            {
                for (int ox = 0; ; ox += 4)
                {
                    if (ox + 4 > ow) ox = ow - 4;
                    var v0 = NanMax(Vector128.LoadUnsafe(ref xr, (nuint)(top + 2 * ox)), Vector128.LoadUnsafe(ref xr, (nuint)(bottom + 2 * ox)));
                    var v1 = NanMax(Vector128.LoadUnsafe(ref xr, (nuint)(top + 2 * ox + 4)), Vector128.LoadUnsafe(ref xr, (nuint)(bottom + 2 * ox + 4)));
                    var m = NanMax(Sse.Shuffle(v0, v1, 0b10_00_10_00), Sse.Shuffle(v0, v1, 0b11_01_11_01));
                    m.StoreUnsafe(ref yr, (nuint)(dst + ox));
                    if (ox + 4 == ow) break;
                }
                continue;
            }
            for (int ox = 0; ox < ow; ox++)
            {
                int i = top + 2 * ox, j = bottom + 2 * ox;
                y[dst + ox] = NanMax(NanMax(x[i], x[j]), NanMax(x[i + 1], x[j + 1]));
            }
        }
    }

    /// <summary>Whether MaxWindows serves this geometry with the vector kernel sets: a grid of a vector or more.</summary>
    public static bool HasMaxWindows(Conv2D g) => Avx.IsSupported && new StridePhases(g).Grid >= Vec.Count;

    /// <summary>
    /// Max pool of planes [first, first + count) of x (each H×W) into y (each oH×oW), any window, stride, dilation
    /// and pads (HasMaxWindows geometries). The −∞ border stands for the skipped positions: max(v, −∞) = v, and a
    /// window over border only is −∞ in both. Taps go in MaxPlane's order, each new value first in vmaxps (which
    /// returns its second operand unless the first is greater), so that of equal values (+0 and −0) the earlier
    /// stays, as MaxPlane's strict comparison keeps it, and a NaN tap leaves the maximum as it was; the NaN taps are
    /// or-ed into a mask instead, and a window that had one comes out NaN. avx512 runs sixteen lanes, the same
    /// operations per element, so the same bits as avx2.
    /// </summary>
    public static void MaxWindows(Conv2D g, ReadOnlySpan<float> x, Span<float> y, int first, int count)
        => MaxWindows(KernelSet.Active, g, x, y, first, count);

    public static void MaxWindows(KernelVariant variant, Conv2D g, ReadOnlySpan<float> x, Span<float> y, int first, int count)
    {
        var layout = new StridePhases(g);
        int inPlane = g.H * g.W, outPlane = g.OutSpatial, taps = g.KH * g.KW, total = layout.Grid;
        var buffer = ScratchPool.Rent(layout.Size);
        Span<int> offsets = stackalloc int[taps];
        layout.TapOffsets(g, offsets);
        layout.Clear(buffer, float.NegativeInfinity);
        ref float src = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref float grid = ref Unsafe.Add(ref src, layout.GridAt);
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        bool wide = variant == KernelVariant.Avx512 && Avx512F.IsSupported;
        for (int p = first; p < first + count; p++)
        {
            layout.Fill(g, x.Slice(p * inPlane, inPlane), buffer);
            // Four vectors of grid positions side by side: one window's maxima are a dependent chain, and four
            // chains keep the core busy where one waits on latency. The last block may run past the grid into
            // StridePhases' slack (dropped positions). Each lane's operations are unchanged.
            if (wide) MaxBlocks512(ref src, ref grid, ref offset, taps, total);
            else MaxBlocks256(ref src, ref grid, ref offset, taps, total);
            layout.CopyOut(g, buffer, y.Slice(p * outPlane, outPlane));
        }
        ScratchPool.Return(buffer);
    }

    private static void MaxBlocks512(ref float src, ref float grid, ref int offset, int taps, int total)
    {
        const int V = 16;
        var negative = Vector512.Create(float.NegativeInfinity);
        var nanValue = Vector512.Create(float.NaN);
        for (int q = 0; q < total; q += 4 * V)
        {
            Vector512<float> a0 = negative, a1 = negative, a2 = negative, a3 = negative;
            Vector512<float> n0 = default, n1 = default, n2 = default, n3 = default;
            for (int t = 0; t < taps; t++)
            {
                ref float at = ref Unsafe.Add(ref src, Unsafe.Add(ref offset, t) + q);
                var v0 = Vector512.LoadUnsafe(ref at);
                var v1 = Vector512.LoadUnsafe(ref at, V);
                var v2 = Vector512.LoadUnsafe(ref at, 2 * V);
                var v3 = Vector512.LoadUnsafe(ref at, 3 * V);
                a0 = Avx512F.Max(v0, a0);
                a1 = Avx512F.Max(v1, a1);
                a2 = Avx512F.Max(v2, a2);
                a3 = Avx512F.Max(v3, a3);
                n0 |= Avx512F.CompareUnordered(v0, v0);
                n1 |= Avx512F.CompareUnordered(v1, v1);
                n2 |= Avx512F.CompareUnordered(v2, v2);
                n3 |= Avx512F.CompareUnordered(v3, v3);
            }
            ref float o = ref Unsafe.Add(ref grid, q);
            Vector512.ConditionalSelect(n0, nanValue, a0).StoreUnsafe(ref o);
            Vector512.ConditionalSelect(n1, nanValue, a1).StoreUnsafe(ref o, V);
            Vector512.ConditionalSelect(n2, nanValue, a2).StoreUnsafe(ref o, 2 * V);
            Vector512.ConditionalSelect(n3, nanValue, a3).StoreUnsafe(ref o, 3 * V);
        }
    }

    private static void MaxBlocks256(ref float src, ref float grid, ref int offset, int taps, int total)
    {
        const int V = 8;
        var negative = Vector256.Create(float.NegativeInfinity);
        var nanValue = Vector256.Create(float.NaN);
        for (int q = 0; q < total; q += 4 * V)
        {
            Vector256<float> a0 = negative, a1 = negative, a2 = negative, a3 = negative;
            Vector256<float> n0 = default, n1 = default, n2 = default, n3 = default;
            for (int t = 0; t < taps; t++)
            {
                ref float at = ref Unsafe.Add(ref src, Unsafe.Add(ref offset, t) + q);
                var v0 = Vector256.LoadUnsafe(ref at);
                var v1 = Vector256.LoadUnsafe(ref at, V);
                var v2 = Vector256.LoadUnsafe(ref at, 2 * V);
                var v3 = Vector256.LoadUnsafe(ref at, 3 * V);
                a0 = Avx.Max(v0, a0);
                a1 = Avx.Max(v1, a1);
                a2 = Avx.Max(v2, a2);
                a3 = Avx.Max(v3, a3);
                n0 |= Avx.CompareUnordered(v0, v0);
                n1 |= Avx.CompareUnordered(v1, v1);
                n2 |= Avx.CompareUnordered(v2, v2);
                n3 |= Avx.CompareUnordered(v3, v3);
            }
            ref float o = ref Unsafe.Add(ref grid, q);
            Vector256.ConditionalSelect(n0, nanValue, a0).StoreUnsafe(ref o);
            Vector256.ConditionalSelect(n1, nanValue, a1).StoreUnsafe(ref o, V);
            Vector256.ConditionalSelect(n2, nanValue, a2).StoreUnsafe(ref o, 2 * V);
            Vector256.ConditionalSelect(n3, nanValue, a3).StoreUnsafe(ref o, 3 * V);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vec NanMax(Vec a, Vec b)
    {
        // vmaxps returns b when either is NaN; a + b is NaN then, and it replaces the unordered lanes.
        var unordered = Avx.CompareUnordered(a, b);
        return Avx.BlendVariable(Avx.Max(a, b), Avx.Add(a, b), unordered);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> NanMax(Vector128<float> a, Vector128<float> b)
    {
        var unordered = Sse.CompareUnordered(a, b);
        return Sse41.BlendVariable(Sse.Max(a, b), Sse.Add(a, b), unordered);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NanMax(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? a + b : a > b ? a : b;

    public static void AveragePlane(Conv2D g, ReadOnlySpan<float> x, Span<float> y, bool countIncludePad)
    {
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            float sum = 0f;
            int count = 0, padded = 0;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    bool inside = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W;
                    // count_include_pad counts pad positions, but not those a ceil-mode window hangs past the pads.
                    if (iy < g.H + g.PadBottom && ix < g.W + g.PadRight) padded++;
                    if (!inside) continue;
                    sum += x[iy * g.W + ix];
                    count++;
                }
            }
            y[oy * g.OutW + ox] = sum / (countIncludePad ? padded : Math.Max(count, 1));
        }
    }

    /// <summary>
    /// Global average of eight planes at a time in eight scalar chains, interleaved element by element: each plane
    /// is still summed in order from zero and divided by size (the plain loop's bits), but eight adds are in flight
    /// instead of one, for the small planes of squeeze-excitation blocks. Returns how many planes it did.
    /// </summary>
    internal static int GlobalAverageChains(ReadOnlySpan<float> x, Span<float> y, int first, int planes, int size)
    {
        int p = first;
        for (; p + 8 <= planes; p += 8)
        {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
            var group = x.Slice(p * size, 8 * size);
            ref float r = ref MemoryMarshal.GetReference(group);
            for (int i = 0; i < size; i++)
            {
                s0 += Unsafe.Add(ref r, i);
                s1 += Unsafe.Add(ref r, size + i);
                s2 += Unsafe.Add(ref r, 2 * size + i);
                s3 += Unsafe.Add(ref r, 3 * size + i);
                s4 += Unsafe.Add(ref r, 4 * size + i);
                s5 += Unsafe.Add(ref r, 5 * size + i);
                s6 += Unsafe.Add(ref r, 6 * size + i);
                s7 += Unsafe.Add(ref r, 7 * size + i);
            }
            y[p] = s0 / size; y[p + 1] = s1 / size; y[p + 2] = s2 / size; y[p + 3] = s3 / size;
            y[p + 4] = s4 / size; y[p + 5] = s5 / size; y[p + 6] = s6 / size; y[p + 7] = s7 / size;
        }
        return p - first;
    }

    /// <summary>Global average or max of each plane.</summary>
    public static void Global(bool max, ReadOnlySpan<float> x, Span<float> y, int planes, int size)
    {
        int p = 0;
        // Eight interleaved chains at every plane size: on large planes too they outrun eight planes per vector
        // fed by gathers (128 planes of 56×56 in 72 µs against 176 µs on AMD Zen 5).
        if (!max) p = GlobalAverageChains(x, y, 0, planes, size);
        for (; p < planes; p++)
        {
            var plane = x.Slice(p * size, size);
            if (max)
            {
                float best = float.NegativeInfinity;
                foreach (float v in plane)
                {
                    if (float.IsNaN(v)) { best = v; break; }
                    if (v > best) best = v;
                }
                y[p] = best;
            }
            else
            {
                float sum = 0f;
                foreach (float v in plane) sum += v;
                y[p] = sum / size;
            }
        }
    }
}
