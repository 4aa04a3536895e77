// Depthwise layers on small planes (up to 16×16 in, 8×8 out) with sixteen (avx512) or eight channels in the vector
// lanes: the planes and taps transposed to [position][channel], each output one vector whose chain runs over its
// in-plane taps only, where the per-channel paths spent most of a 3×3 plane's time on copies and a padded grid.
// Each output is the row path's value (DepthwiseConv.Rows, its twin in the tests) bit for bit: an FMA chain from
// zero over the in-plane taps in (ky, kx) order, then + bias; padding taps are skipped, so any tap value is exact.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static partial class DepthwiseConv
{
    /// <summary>Channels per lane group: one Vector512 under avx512, one Vector256 otherwise (and for a run's last
    /// eight to fifteen channels).</summary>
    private static int LaneWidth(KernelVariant variant) => variant == KernelVariant.Avx512 && Avx512F.IsSupported ? 16 : 8;

    /// <summary>
    /// Input planes of at most 256 elements whose outputs fit in 64 go channels-in-lanes (vector kernel sets with
    /// FMA): 3×3 to 8×8 outputs, stride 1 or 2. Measured one image, one thread, avx512, against the per-channel
    /// paths (`depthwise` bench mode): 3×3 and 6×6 planes 3–7× faster, 14² → 7² stride 2 3×, 7×7 1.7–2.4×; 12×12
    /// and 14×14 at stride 1 slower (1.1–2×, measured with eight lanes: the padded path runs 128 positions side by
    /// side there, over planes the transposes would have to copy twice).
    /// </summary>
    private const int LanesMaxPlane = 256, LanesMaxOutputs = 64;

    private static bool UsesLanes(Conv2D g) => Fma.IsSupported && g.H * g.W <= LanesMaxPlane && g.OutSpatial <= LanesMaxOutputs;

    /// <summary>Floats of scratch LaneGroup needs: the transposed planes, taps and outputs of one group.</summary>
    private static int LaneScratch(Conv2D g) => (g.H * g.W + g.KH * g.KW + g.OutSpatial) * 16;

    /// <summary>Channels [c0, c0 + lanes) of one image (lanes 8 or 16), the fused Relu, Clip or HardSwish applied before the store.</summary>
    private static void LaneGroup(Conv2D g, int c0, int lanes, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        float[] scratch, Activation epilogue, Fused fused)
    {
        int plane = g.H * g.W, count = g.KH * g.KW, outputs = g.OutSpatial;
        int tapsAt = plane * lanes, outAt = tapsAt + count * lanes;
        ref float s = ref MemoryMarshal.GetArrayDataReference(scratch);
        Transpose(ref Unsafe.Add(ref MemoryMarshal.GetReference(x), c0 * plane), plane, lanes, ref s);
        Transpose(ref Unsafe.Add(ref MemoryMarshal.GetReference(w), c0 * count), count, lanes, ref Unsafe.Add(ref s, tapsAt));
        // The taps that land in the plane: kx in [first[ox], last[ox]) for output column ox, likewise ky per row.
        Span<int> first = stackalloc int[g.OutW], last = stackalloc int[g.OutW];
        for (int ox = 0; ox < g.OutW; ox++)
            (first[ox], last[ox]) = InPlane(ox * g.StrideW - g.PadLeft, g.DilationW, g.KW, g.W);
        var bias = b.IsEmpty ? default : b.Slice(c0, lanes);
        if (lanes == 16) Outputs512(g, ref s, tapsAt, outAt, first, last, bias, epilogue, fused);
        else Outputs256(g, ref s, tapsAt, outAt, first, last, bias, epilogue, fused);
        ref float output = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), c0 * outputs);
        int o = 0;
        for (; o + 8 <= outputs; o += 8)
            for (int h = 0; h < lanes; h += 8)
                Transpose8x8(ref Unsafe.Add(ref s, outAt + o * lanes + h), lanes, ref Unsafe.Add(ref output, h * outputs + o), outputs);
        for (; o < outputs; o++)
            for (int l = 0; l < lanes; l++) Unsafe.Add(ref output, l * outputs + o) = Unsafe.Add(ref s, outAt + o * lanes + l);
    }

    /// <summary>[channel][position] rows of `length` → [position][channel] rows of `lanes`, eight channels × eight
    /// positions per register transpose, the last positions one float at a time.</summary>
    private static void Transpose(ref float from, int length, int lanes, ref float to)
    {
        int i = 0;
        for (; i + 8 <= length; i += 8)
            for (int h = 0; h < lanes; h += 8)
                Transpose8x8(ref Unsafe.Add(ref from, h * length + i), length, ref Unsafe.Add(ref to, i * lanes + h), lanes);
        for (; i < length; i++)
            for (int l = 0; l < lanes; l++) Unsafe.Add(ref to, i * lanes + l) = Unsafe.Add(ref from, l * length + i);
    }

    /// <summary>Every output of sixteen channels: its chain over the in-plane taps in (ky, kx) order, + bias, the activation.</summary>
    private static void Outputs512(Conv2D g, ref float s, int tapsAt, int outAt, ReadOnlySpan<int> first, ReadOnlySpan<int> last,
        ReadOnlySpan<float> b, Activation epilogue, Fused fused)
    {
        const int L = 16;
        var bias = b.IsEmpty ? Vector512<float>.Zero : Vector512.Create(b);
        Vector512<float> lo = Vector512.Create(epilogue.A), hi = Vector512.Create(epilogue.B);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int y0 = oy * g.StrideH - g.PadTop;
            var (kyFirst, kyLast) = InPlane(y0, g.DilationH, g.KH, g.H);
            for (int ox = 0; ox < g.OutW; ox++)
            {
                var acc = Vector512<float>.Zero;
                int x0 = ox * g.StrideW - g.PadLeft;
                for (int ky = kyFirst; ky < kyLast; ky++)
                {
                    int row = (y0 + ky * g.DilationH) * g.W + x0, tapRow = tapsAt + ky * g.KW * L;
                    for (int kx = first[ox]; kx < last[ox]; kx++)
                        acc = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s, (nuint)((row + kx * g.DilationW) * L)),
                            Vector512.LoadUnsafe(ref s, (nuint)(tapRow + kx * L)), acc);
                }
                Finish(acc + bias, fused, lo, hi).StoreUnsafe(ref s, (nuint)(outAt + (oy * g.OutW + ox) * L));
            }
        }
    }

    /// <summary>Outputs512 for eight channels in a Vector256: the same chain per lane.</summary>
    private static void Outputs256(Conv2D g, ref float s, int tapsAt, int outAt, ReadOnlySpan<int> first, ReadOnlySpan<int> last,
        ReadOnlySpan<float> b, Activation epilogue, Fused fused)
    {
        const int L = 8;
        var bias = b.IsEmpty ? Vector256<float>.Zero : Vector256.Create(b);
        Vector256<float> lo = Vector256.Create(epilogue.A), hi = Vector256.Create(epilogue.B);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int y0 = oy * g.StrideH - g.PadTop;
            var (kyFirst, kyLast) = InPlane(y0, g.DilationH, g.KH, g.H);
            for (int ox = 0; ox < g.OutW; ox++)
            {
                var acc = Vector256<float>.Zero;
                int x0 = ox * g.StrideW - g.PadLeft;
                for (int ky = kyFirst; ky < kyLast; ky++)
                {
                    int row = (y0 + ky * g.DilationH) * g.W + x0, tapRow = tapsAt + ky * g.KW * L;
                    for (int kx = first[ox]; kx < last[ox]; kx++)
                        acc = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)((row + kx * g.DilationW) * L)),
                            Vector256.LoadUnsafe(ref s, (nuint)(tapRow + kx * L)), acc);
                }
                Finish(acc + bias, fused, lo, hi).StoreUnsafe(ref s, (nuint)(outAt + (oy * g.OutW + ox) * L));
            }
        }
    }

    /// <summary>The taps k in [first, last) with 0 ≤ start + k·dilation &lt; size (a contiguous run, maybe empty).</summary>
    private static (int First, int Last) InPlane(int start, int dilation, int taps, int size)
    {
        int first = 0, last = taps;
        while (first < taps && start + first * dilation < 0) first++;
        while (last > first && start + (last - 1) * dilation >= size) last--;
        return (first, last);
    }

    /// <summary>Eight rows of eight floats (stride ls) written as eight columns (stride ld): unpack, shuffle, swap
    /// halves. A copy, no arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float s, int ls, ref float d, int ld)
    {
        var r0 = Vector256.LoadUnsafe(ref s); var r1 = Vector256.LoadUnsafe(ref s, (nuint)ls);
        var r2 = Vector256.LoadUnsafe(ref s, (nuint)(2 * ls)); var r3 = Vector256.LoadUnsafe(ref s, (nuint)(3 * ls));
        var r4 = Vector256.LoadUnsafe(ref s, (nuint)(4 * ls)); var r5 = Vector256.LoadUnsafe(ref s, (nuint)(5 * ls));
        var r6 = Vector256.LoadUnsafe(ref s, (nuint)(6 * ls)); var r7 = Vector256.LoadUnsafe(ref s, (nuint)(7 * ls));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref d, (nuint)ld);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref d, (nuint)(2 * ld));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref d, (nuint)(3 * ld));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref d, (nuint)(4 * ld));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref d, (nuint)(5 * ld));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref d, (nuint)(6 * ld));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref d, (nuint)(7 * ld));
    }
}
