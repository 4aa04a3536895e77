// Max pooling of small planes with planes as the vector lanes: GoogLeNet's 3×3 stride-1 pools on 6×6 and 3×3
// planes leave MaxWindows' grid vectors mostly empty and spend their time per plane. Here sixteen planes (eight
// under avx2) are copied element by element into one buffer of [bordered position][plane], a −∞ border around
// them, so every tap of every window is one whole vector, whatever the window, stride, dilation or pads; the
// results are copied back plane by plane. Taps go in MaxPlane's order with each new value first in vmaxps, and NaN
// taps are or-ed into a mask, as in MaxWindows: MaxPlane's bits where the window holds no NaN, NaN where it does.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static partial class PoolKernels
{
    /// <summary>Whether MaxLanes serves this geometry better than MaxWindows and Max2x2: output rows narrower than eight
    /// (GoogLeNet's 6×6 planes ran 2.4× faster here, its 12×12 ones 1.4× slower), or a grid too small for MaxWindows.</summary>
    public static bool PaysMaxLanes(Conv2D g) => Avx.IsSupported && (g.OutW < 8 || !HasMaxWindows(g));

    /// <summary>Max pool of planes [first, first + count) of x (each H×W) into y (each oH×oW), any window.</summary>
    public static void MaxLanes(KernelVariant variant, Conv2D g, ReadOnlySpan<float> x, Span<float> y, int first, int count)
    {
        bool wide = variant == KernelVariant.Avx512 && Avx512F.IsSupported;
        int lanes = wide ? 16 : 8;
        int rows = Math.Max((g.OutH - 1) * g.StrideH + (g.KH - 1) * g.DilationH + 1, g.PadTop + 1);
        int cols = Math.Max((g.OutW - 1) * g.StrideW + (g.KW - 1) * g.DilationW + 1, g.PadLeft + 1);
        int inPlane = g.H * g.W, outPlane = g.OutSpatial, taps = g.KH * g.KW;
        // Input rows and columns that some window reads (floor mode drops the last ones).
        int readRows = Math.Min(g.H, rows - g.PadTop), readCols = Math.Min(g.W, cols - g.PadLeft);
        if (x.Length < (first + count) * inPlane || y.Length < (first + count) * outPlane)
            throw new ArgumentException($"planes [{first}, {first + count}) do not fit x ({x.Length}) or y ({y.Length})");
        var bordered = ScratchPool.Rent(rows * cols * lanes);
        var results = ScratchPool.Rent(outPlane * lanes);
        bordered.AsSpan(0, rows * cols * lanes).Fill(float.NegativeInfinity);
        Span<int> offsets = stackalloc int[taps];
        for (int ky = 0; ky < g.KH; ky++)
            for (int kx = 0; kx < g.KW; kx++)
                offsets[ky * g.KW + kx] = (ky * g.DilationH * cols + kx * g.DilationW) * lanes;
        ref float src = ref MemoryMarshal.GetReference(x);
        ref float dst = ref MemoryMarshal.GetReference(y);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bordered);
        ref float r = ref MemoryMarshal.GetArrayDataReference(results);
        for (int p0 = first; p0 < first + count; p0 += lanes)
        {
            int used = Math.Min(lanes, first + count - p0);
            for (int l = 0; l < used; l++)
            {
                ref float plane = ref Unsafe.Add(ref src, (p0 + l) * inPlane);
                for (int iy = 0; iy < readRows; iy++)
                {
                    ref float to = ref Unsafe.Add(ref b, ((iy + g.PadTop) * cols + g.PadLeft) * lanes + l);
                    ref float from = ref Unsafe.Add(ref plane, iy * g.W);
                    for (int ix = 0; ix < readCols; ix++) Unsafe.Add(ref to, ix * lanes) = Unsafe.Add(ref from, ix);
                }
            }
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    ref float corner = ref Unsafe.Add(ref b, (oy * g.StrideH * cols + ox * g.StrideW) * lanes);
                    ref float result = ref Unsafe.Add(ref r, (oy * g.OutW + ox) * lanes);
                    if (wide) Window512(ref corner, offsets, ref result);
                    else Window256(ref corner, offsets, ref result);
                }
            for (int l = 0; l < used; l++)
            {
                ref float plane = ref Unsafe.Add(ref dst, (p0 + l) * outPlane);
                for (int o = 0; o < outPlane; o++) Unsafe.Add(ref plane, o) = Unsafe.Add(ref r, o * lanes + l);
            }
        }
        ScratchPool.Return(results);
        ScratchPool.Return(bordered);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Window512(ref float corner, ReadOnlySpan<int> offsets, ref float result)
    {
        var best = Vector512.Create(float.NegativeInfinity);
        var nan = Vector512<float>.Zero;
        foreach (int offset in offsets)
        {
            var v = Vector512.LoadUnsafe(ref Unsafe.Add(ref corner, offset));
            best = Avx512F.Max(v, best);
            nan |= Avx512F.CompareUnordered(v, v);
        }
        Vector512.ConditionalSelect(nan, Vector512.Create(float.NaN), best).StoreUnsafe(ref result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Window256(ref float corner, ReadOnlySpan<int> offsets, ref float result)
    {
        var best = Vector256.Create(float.NegativeInfinity);
        var nan = Vector256<float>.Zero;
        foreach (int offset in offsets)
        {
            var v = Vector256.LoadUnsafe(ref Unsafe.Add(ref corner, offset));
            best = Avx.Max(v, best);
            nan |= Avx.CompareUnordered(v, v);
        }
        Vector256.ConditionalSelect(nan, Vector256.Create(float.NaN), best).StoreUnsafe(ref result);
    }
}
