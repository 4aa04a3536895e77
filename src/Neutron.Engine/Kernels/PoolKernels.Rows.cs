// Max pooling as two passes of a separable window, for planes whose output rows fill a Vector512 (SqueezeNet's and
// ResNet's 3×3 stride-2 pools, GoogLeNet's stride-1 ones): each input row's horizontal maxima first, straight from
// the NCHW row (stride 2 takes the even lanes of two loads), then the vertical maxima of those rows. No bordered
// copy of the plane, and 2·k comparisons per output instead of k². Horizontal first keeps MaxPlane's choice among
// equal values (+0 and −0): its first maximum in row-major order lies in the first row holding the maximum, at that
// row's first maximum, and each pass keeps the earlier of equal values (each new value first in vmaxps). A plane runs
// first with plain vmaxps and a running sum of its taps; when that sum is NaN (a NaN tap, or +∞ meeting −∞) it runs
// again with NaN tracked: a NaN tap makes its row maximum NaN, and a NaN row maximum makes the output NaN, as
// MaxPlane (payloads may differ).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector512<float>;

namespace Neutron.Engine.Kernels;

public static partial class PoolKernels
{
    private const int Lanes512 = 16;

    /// <summary>Whether MaxRows serves this geometry: avx512, no dilation, column stride 1 or 2, and a vector or more
    /// of output columns whose windows lie inside the row (DenseNet's padded 16-wide pool at 64² has fifteen: the
    /// columns outside go tap by tap, and so would every column there).</summary>
    public static bool HasMaxRows(Conv2D g)
    {
        if (!Avx512F.IsSupported || g.DilationH != 1 || g.DilationW != 1 || g.StrideW is not (1 or 2)) return false;
        var (from, to) = Inside(g);
        return to - from >= Lanes512;
    }

    /// <summary>The output columns [from, to) whose windows lie inside the row.</summary>
    private static (int From, int To) Inside(Conv2D g)
    {
        int from = Math.Min(g.OutW, (g.PadLeft + g.StrideW - 1) / g.StrideW), last = g.W - g.KW + g.PadLeft;
        return (from, last < 0 ? from : Math.Max(from, Math.Min(g.OutW, last / g.StrideW + 1)));
    }

    /// <summary>Max pool of planes [first, first + count) of x (each H×W) into y (each oH×oW) (HasMaxRows geometries).</summary>
    public static void MaxRows(Conv2D g, ReadOnlySpan<float> x, Span<float> y, int first, int count)
    {
        int inPlane = g.H * g.W, outPlane = g.OutSpatial;
        if (x.Length < (first + count) * inPlane || y.Length < (first + count) * outPlane)
            throw new ArgumentException($"planes [{first}, {first + count}) do not fit x ({x.Length}) or y ({y.Length})");
        var rows = ScratchPool.Rent(g.H * g.OutW);
        // Output columns whose windows lie inside the row: the vector body; the others go tap by tap.
        var (inFrom, inTo) = Inside(g);
        for (int p = first; p < first + count; p++)
        {
            var plane = x.Slice(p * inPlane, inPlane);
            var output = y.Slice(p * outPlane, outPlane);
            // Plain vmaxps first, which drops a NaN tap; the sum of every tap read is NaN when one was (or when +∞ met
            // −∞), and then the plane runs again with NaN tracked tap by tap.
            var check = Vec.Zero;
            bool scalarNaN = false;
            for (int iy = 0; iy < g.H; iy++)
                scalarNaN |= Horizontal(g, plane.Slice(iy * g.W, g.W), rows.AsSpan(iy * g.OutW, g.OutW), inFrom, inTo, ref check, trackNaN: false);
            if (scalarNaN || Vector512.EqualsAny(Avx512F.CompareUnordered(check, check).AsInt32(), Vector512<int>.AllBitsSet))
            {
                for (int iy = 0; iy < g.H; iy++)
                    Horizontal(g, plane.Slice(iy * g.W, g.W), rows.AsSpan(iy * g.OutW, g.OutW), inFrom, inTo, ref check, trackNaN: true);
                Vertical(g, rows, output, trackNaN: true);
            }
            else Vertical(g, rows, output, trackNaN: false);
        }
        ScratchPool.Return(rows);
    }

    /// <summary>h[ox] = the first maximum of row x over ox's window (−∞ if it has no tap); with trackNaN, NaN if a tap
    /// is NaN; without, the vector columns skip NaN taps, each tap read is added to check, and the result is whether
    /// a column outside the vector body met a NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Horizontal(Conv2D g, ReadOnlySpan<float> x, Span<float> h, int inFrom, int inTo, ref Vec check, bool trackNaN)
    {
        bool scalarNaN = false;
        for (int ox = 0; ox < inFrom; ox++) scalarNaN |= float.IsNaN(h[ox] = RowWindow(g, x, ox));
        for (int ox = inTo; ox < g.OutW; ox++) scalarNaN |= float.IsNaN(h[ox] = RowWindow(g, x, ox));
        if (inTo - inFrom < Lanes512)
        {
            for (int ox = inFrom; ox < inTo; ox++) scalarNaN |= float.IsNaN(h[ox] = RowWindow(g, x, ox));
            return scalarNaN;
        }
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float hr = ref MemoryMarshal.GetReference(h);
        var negative = Vector512.Create(float.NegativeInfinity);
        var nanValue = Vector512.Create(float.NaN);
        // Even lanes of x[b .. b + 15] and x[b + 15 .. b + 30]: x[b], x[b + 2], …, x[b + 30], never past x[b + 30].
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31).AsInt32();
        for (int ox = inFrom; ; ox += Lanes512)
        {
            if (ox > inTo - Lanes512) ox = inTo - Lanes512; // the last block overlaps the one before: same bits
            Vec best = negative, nan = Vec.Zero, sum = Vec.Zero;
            int start = ox * g.StrideW - g.PadLeft;
            if (!trackNaN && g.KW == 3)
            {
                // The common 3-wide window unrolled (same operations in the same order as the loop below).
                Vec v0 = Tap(ref xr, start, g.StrideW, evens), v1 = Tap(ref xr, start + 1, g.StrideW, evens), v2 = Tap(ref xr, start + 2, g.StrideW, evens);
                Avx512F.Max(v2, Avx512F.Max(v1, Avx512F.Max(v0, best))).StoreUnsafe(ref hr, (nuint)ox);
                check += v0 + v1 + v2;
                if (ox == inTo - Lanes512) break;
                continue;
            }
            for (int kx = 0; kx < g.KW; kx++)
            {
                int at = start + kx;
                Vec v = Tap(ref xr, at, g.StrideW, evens);
                best = Avx512F.Max(v, best);
                if (trackNaN) nan |= Avx512F.CompareUnordered(v, v);
                else sum += v;
            }
            if (trackNaN) Vector512.ConditionalSelect(nan, nanValue, best).StoreUnsafe(ref hr, (nuint)ox);
            else
            {
                best.StoreUnsafe(ref hr, (nuint)ox);
                check += sum;
            }
            if (ox == inTo - Lanes512) break;
        }
        return scalarNaN;
    }

    /// <summary>x[at], x[at + stride], … sixteen of them (stride 1 or 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vec Tap(ref float xr, int at, int stride, Vector512<int> evens) =>
        stride == 1
            ? Vector512.LoadUnsafe(ref xr, (nuint)at)
            : Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref xr, (nuint)at), evens, Vector512.LoadUnsafe(ref xr, (nuint)(at + 15)));

    /// <summary>One window of one row through MaxPlane's rule: taps in order, a greater value replaces, NaN wins.</summary>
    private static float RowWindow(Conv2D g, ReadOnlySpan<float> x, int ox)
    {
        float best = float.NegativeInfinity;
        for (int kx = 0; kx < g.KW; kx++)
        {
            int ix = ox * g.StrideW - g.PadLeft + kx;
            if ((uint)ix >= (uint)x.Length) continue;
            float v = x[ix];
            if (float.IsNaN(v)) return v;
            if (v > best) best = v;
        }
        return best;
    }

    /// <summary>y[oy, ·] = the first maximum over oy's window rows of the horizontal maxima (with trackNaN, NaN rows
    /// win; without, the rows hold no NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Vertical(Conv2D g, float[] rows, Span<float> y, bool trackNaN)
    {
        ref float rr = ref MemoryMarshal.GetArrayDataReference(rows);
        ref float yr = ref MemoryMarshal.GetReference(y);
        var negative = Vector512.Create(float.NegativeInfinity);
        var nanValue = Vector512.Create(float.NaN);
        int ow = g.OutW;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int top = oy * g.StrideH - g.PadTop;
            int from = Math.Max(0, top), to = Math.Min(g.H, top + g.KH);
            for (int ox = 0; ; ox += Lanes512)
            {
                if (ox > ow - Lanes512) ox = ow - Lanes512;
                Vec best = negative, nan = Vec.Zero;
                for (int iy = from; iy < to; iy++)
                {
                    var v = Vector512.LoadUnsafe(ref rr, (nuint)(iy * ow + ox));
                    best = Avx512F.Max(v, best);
                    if (trackNaN) nan |= Avx512F.CompareUnordered(v, v);
                }
                (trackNaN ? Vector512.ConditionalSelect(nan, nanValue, best) : best).StoreUnsafe(ref yr, (nuint)(oy * ow + ox));
                if (ox == ow - Lanes512) break;
            }
        }
    }
}
