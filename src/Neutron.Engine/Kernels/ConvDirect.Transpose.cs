// The pixel-rows path's copy out: a chunk's product is [pixels][channels], the output NCHW wants [channels][pixels].
// Blocks of 8 pixels × 8 channels go through an in-register 8×8 transpose (Vector256: unpack, shuffle, swap
// halves), the edges one float at a time. A copy, no arithmetic: the bits are the product's.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>y[to + m·ldy + r] = product[from + r·width + m] for the pixels r &lt; run and the channels m &lt; channels.</summary>
    private static void Transpose(float[] product, int from, int width, int run, int channels, float[] y, int to, int ldy)
    {
        fixed (float* src = &product[from], dst = &y[to])
        {
            int m = 0;
            if (Avx.IsSupported)
                for (; m + 8 <= channels; m += 8)
                {
                    int r = 0;
                    for (; r + 8 <= run; r += 8)
                        Transpose8x8(src + (long)r * width + m, width, dst + (long)m * ldy + r, ldy);
                    for (; r < run; r++)
                        for (int q = m; q < m + 8; q++) dst[(long)q * ldy + r] = src[(long)r * width + q];
                }
            for (; m < channels; m++)
                for (int r = 0; r < run; r++) dst[(long)m * ldy + r] = src[(long)r * width + m];
        }
    }

    /// <summary>Eight rows of eight floats (stride ls) written as eight columns (stride ld).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int ls, float* d, int ld)
    {
        Vec r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ls), r2 = Avx.LoadVector256(s + 2 * ls), r3 = Avx.LoadVector256(s + 3 * ls);
        Vec r4 = Avx.LoadVector256(s + 4 * ls), r5 = Avx.LoadVector256(s + 5 * ls), r6 = Avx.LoadVector256(s + 6 * ls), r7 = Avx.LoadVector256(s + 7 * ls);
        // Pairs of rows interleaved: t0 = (r0[0], r1[0], r0[1], r1[1] | r0[4], r1[4], r0[5], r1[5]), …
        Vec t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vec t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // Quads: u0 = column 0 of rows 0-3 | column 4 of rows 0-3, …
        Vec u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vec u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Low halves give columns 0-3, high halves columns 4-7.
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ld, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ld, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ld, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ld, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ld, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ld, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ld, Avx.Permute2x128(u3, u7, 0x31));
    }
}
