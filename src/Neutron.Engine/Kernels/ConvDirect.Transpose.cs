// The pixel-rows path's copy out: a chunk's product is [pixels][channels], the output NCHW wants [channels][pixels].
// Blocks of 8 pixels × 8 channels go through an in-register 8×8 transpose (Vector256: unpack, shuffle, swap
// halves), the edges one float at a time. The bias and the activation are applied on the way, each element's
// product + b then f, the same operations as a separate pass (ActivationKernels' vector bodies equal Reference).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>Pixels [first, first + count) of a chunk's product (rows of width floats, the output channels
    /// [m0, m0 + channels)) into y: y[n, m0 + m, s] = f(product[i, m] + bias[m]) for pixel i = (n, s); no addition at
    /// all when bias is empty (x + 0 would turn −0 into +0).</summary>
    private ref struct CopyOut(Conv2D g, int n0, int first, int count, float[] product, int width, int m0, int channels,
        ReadOnlySpan<float> bias, Activation f, float[] y) : IActivationUser
    {
        private readonly ReadOnlySpan<float> bias = bias;

        public readonly void Run<T>(T vf) where T : struct, IVectorActivation
        {
            int os = g.OutSpatial;
            for (int i = 0; i < count;)
            {
                int pixel = first + i, n = pixel / os, s = pixel % os, run = Math.Min(count - i, os - s);
                Transpose(product, i * width, width, run, channels, bias, f, vf, y, ((n0 + n) * g.M + m0) * os + s, os);
                i += run;
            }
        }
    }

    /// <summary>y[to + m·ldy + r] = f(product[from + r·width + m] + bias[m]) for the pixels r &lt; run and the channels
    /// m &lt; channels: vf in the 8 × 8 blocks, f's scalar twin on the edges.</summary>
    private static void Transpose<T>(float[] product, int from, int width, int run, int channels, ReadOnlySpan<float> bias, Activation f, T vf,
        float[] y, int to, int ldy) where T : struct, IVectorActivation
    {
        bool hasBias = !bias.IsEmpty;
        fixed (float* src = &product[from], dst = &y[to], bp = bias)
        {
            int m = 0;
            if (Avx.IsSupported)
                for (; m + 8 <= channels; m += 8)
                {
                    var b = hasBias ? Avx.LoadVector256(bp + m) : Vec.Zero;
                    int r = 0;
                    for (; r + 8 <= run; r += 8)
                        Transpose8x8(src + (long)r * width + m, width, dst + (long)m * ldy + r, ldy, hasBias, b, vf);
                    for (; r < run; r++)
                        for (int q = m; q < m + 8; q++) dst[(long)q * ldy + r] = Finish(src[(long)r * width + q], hasBias, bp, q, f);
                }
            for (; m < channels; m++)
                for (int r = 0; r < run; r++) dst[(long)m * ldy + r] = Finish(src[(long)r * width + m], hasBias, bp, m, f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float v, bool hasBias, float* bias, int m, Activation f) =>
        ActivationKernels.Reference(f, hasBias ? v + bias[m] : v);

    /// <summary>Eight rows of eight floats (stride ls), each + b and through f, written as eight columns (stride ld).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8<T>(float* s, int ls, float* d, int ld, bool hasBias, Vec b, T f) where T : struct, IVectorActivation
    {
        Vec r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ls), r2 = Avx.LoadVector256(s + 2 * ls), r3 = Avx.LoadVector256(s + 3 * ls);
        Vec r4 = Avx.LoadVector256(s + 4 * ls), r5 = Avx.LoadVector256(s + 5 * ls), r6 = Avx.LoadVector256(s + 6 * ls), r7 = Avx.LoadVector256(s + 7 * ls);
        if (hasBias)
        {
            r0 += b; r1 += b; r2 += b; r3 += b; r4 += b; r5 += b; r6 += b; r7 += b;
        }
        Transpose8x8(f.Apply(r0), f.Apply(r1), f.Apply(r2), f.Apply(r3), f.Apply(r4), f.Apply(r5), f.Apply(r6), f.Apply(r7), d, ld);
    }

    /// <summary>Eight rows of eight floats (stride ls) written as eight columns (stride ld): a copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int ls, float* d, int ld) =>
        Transpose8x8(Avx.LoadVector256(s), Avx.LoadVector256(s + ls), Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls),
            Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls), Avx.LoadVector256(s + 6 * ls), Avx.LoadVector256(s + 7 * ls), d, ld);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(Vec r0, Vec r1, Vec r2, Vec r3, Vec r4, Vec r5, Vec r6, Vec r7, float* d, int ld)
    {
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
