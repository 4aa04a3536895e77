// The pixel-rows path's copy out: a chunk's product is [pixels][channels], the output NCHW wants [channels][pixels].
// Blocks of 8 pixels × 8 channels go through an in-register 8×8 transpose (Vector256: unpack, shuffle, swap
// halves), the edges one float at a time. The bias, a fused shortcut and the activation are applied on the way:
// each element's (product + b) + shortcut, then f, the operations (and roundings) of separate passes
// (VectorActivations' structs equal ActivationKernels.Reference bit for bit).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

/// <summary>A tensor of the convolution's output shape added to its output after the bias, before the activation:
/// conv + Values when ConvFirst, else Values + conv (the order of the Add it replaces, which a NaN meeting a NaN
/// can tell).</summary>
public readonly record struct Shortcut(float[] Values, bool ConvFirst)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vec Add(Vec conv, float* shortcut, bool convFirst) =>
        convFirst ? conv + Avx.LoadVector256(shortcut) : Avx.LoadVector256(shortcut) + conv;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vec Add(Vec conv, Vec shortcut, bool convFirst) => convFirst ? conv + shortcut : shortcut + conv;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Add(float conv, float shortcut, bool convFirst) => convFirst ? conv + shortcut : shortcut + conv;
}

public static unsafe partial class ConvDirect
{
    /// <summary>Pixels [first, first + count) of a chunk's product (rows of width floats, the output channels
    /// [m0, m0 + channels)) into y: y[n, m0 + m, s] = f((product[i, m] + bias[m]) + shortcut[n, m0 + m, s]) for pixel
    /// i = (n, s); no bias addition at all when bias is empty (x + 0 would turn −0 into +0), none of a shortcut
    /// when there is none.</summary>
    private ref struct CopyOut(Conv2D g, int n0, int first, int count, float[] product, int width, int m0, int channels,
        ReadOnlySpan<float> bias, Shortcut? shortcut, Activation f, float[] y) : IActivationUser
    {
        private readonly ReadOnlySpan<float> bias = bias;

        public readonly void Run<T>(T vf) where T : struct, IVectorActivation
        {
            int os = g.OutSpatial;
            for (int i = 0; i < count;)
            {
                int pixel = first + i, n = pixel / os, s = pixel % os, run = Math.Min(count - i, os - s);
                Transpose(product, i * width, width, run, channels, bias, shortcut, f, vf, y, ((n0 + n) * g.M + m0) * os + s, os);
                i += run;
            }
        }
    }

    /// <summary>y[to + m·ldy + r] = f((product[from + r·width + m] + bias[m]) + shortcut[to + m·ldy + r]) for the
    /// pixels r &lt; run and the channels m &lt; channels: vf in the 8 × 8 blocks, f's scalar twin on the edges.</summary>
    private static void Transpose<T>(float[] product, int from, int width, int run, int channels, ReadOnlySpan<float> bias, Shortcut? shortcut,
        Activation f, T vf, float[] y, int to, int ldy) where T : struct, IVectorActivation
    {
        bool hasBias = !bias.IsEmpty, hasShortcut = shortcut is not null, convFirst = shortcut is { ConvFirst: true };
        fixed (float* src = &product[from], dst = &y[to], bp = bias, shortcutAt = shortcut?.Values)
        {
            float* sp = hasShortcut ? shortcutAt + to : null;
            int m = 0;
            if (Avx.IsSupported)
                for (; m + 8 <= channels; m += 8)
                {
                    var b = hasBias ? Avx.LoadVector256(bp + m) : Vec.Zero;
                    int r = 0;
                    for (; r + 8 <= run; r += 8)
                    {
                        long at = (long)m * ldy + r;
                        Transpose8x8(src + (long)r * width + m, width, dst + at, ldy, hasBias, b, sp is null ? null : sp + at, convFirst, vf);
                    }
                    for (; r < run; r++) EdgePixel(src + (long)r * width + m, dst + (long)m * ldy + r, ldy, hasBias, b,
                        sp is null ? null : sp + (long)m * ldy + r, convFirst, vf);
                }
            for (; m < channels; m++)
                for (int r = 0; r < run; r++) Finish(src, width, r, m, hasBias, bp, sp, convFirst, f, dst, ldy);
        }
    }

    /// <summary>A pixel past the last 8 × 8 block: its eight channels (contiguous in the product) through the same
    /// vector operations as a block, then written to their eight planes (ld apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgePixel<T>(float* s, float* d, int ld, bool hasBias, Vec b, float* shortcut, bool convFirst, T f) where T : struct, IVectorActivation
    {
        var v = Avx.LoadVector256(s);
        if (hasBias) v += b;
        if (shortcut is not null)
            v = Shortcut.Add(v, Vector256.Create(shortcut[0], shortcut[ld], shortcut[2 * ld], shortcut[3 * ld], shortcut[4 * ld], shortcut[5 * ld],
                shortcut[6 * ld], shortcut[7 * ld]), convFirst);
        v = f.Apply(v);
        for (int q = 0; q < 8; q++) d[(long)q * ld] = v.GetElement(q);
    }

    /// <summary>One element of Transpose, through the scalar twins.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(float* src, int width, int r, int m, bool hasBias, float* bias, float* shortcut, bool convFirst, Activation f, float* dst, int ldy)
    {
        long at = (long)m * ldy + r;
        float v = src[(long)r * width + m];
        if (hasBias) v += bias[m];
        if (shortcut is not null) v = Shortcut.Add(v, shortcut[at], convFirst);
        dst[at] = ActivationKernels.Reference(f, v);
    }

    /// <summary>Eight rows of eight floats (stride ls) written as eight columns (stride ld): a copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int ls, float* d, int ld) =>
        Transpose8x8(s, ls, d, ld, false, Vec.Zero, null, false, new VectorActivations.Identity());

    /// <summary>Eight rows of eight floats (stride ls), each + b, written as eight columns (stride ld), each column
    /// + its shortcut (when shortcut is not null, same layout as d) and through f.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8<T>(float* s, int ls, float* d, int ld, bool hasBias, Vec b, float* shortcut, bool convFirst, T f)
        where T : struct, IVectorActivation
    {
        Vec r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ls), r2 = Avx.LoadVector256(s + 2 * ls), r3 = Avx.LoadVector256(s + 3 * ls);
        Vec r4 = Avx.LoadVector256(s + 4 * ls), r5 = Avx.LoadVector256(s + 5 * ls), r6 = Avx.LoadVector256(s + 6 * ls), r7 = Avx.LoadVector256(s + 7 * ls);
        if (hasBias)
        {
            r0 += b; r1 += b; r2 += b; r3 += b; r4 += b; r5 += b; r6 += b; r7 += b;
        }
        // Pairs of rows interleaved: t0 = (r0[0], r1[0], r0[1], r1[1] | r0[4], r1[4], r0[5], r1[5]), …
        Vec t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vec t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // Quads: u0 = column 0 of rows 0-3 | column 4 of rows 0-3, …
        Vec u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vec u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Low halves give columns 0-3, high halves columns 4-7.
        Put(d, Avx.Permute2x128(u0, u4, 0x20), shortcut, convFirst, f);
        Put(d + ld, Avx.Permute2x128(u1, u5, 0x20), shortcut is null ? null : shortcut + ld, convFirst, f);
        Put(d + 2 * ld, Avx.Permute2x128(u2, u6, 0x20), shortcut is null ? null : shortcut + 2 * ld, convFirst, f);
        Put(d + 3 * ld, Avx.Permute2x128(u3, u7, 0x20), shortcut is null ? null : shortcut + 3 * ld, convFirst, f);
        Put(d + 4 * ld, Avx.Permute2x128(u0, u4, 0x31), shortcut is null ? null : shortcut + 4 * ld, convFirst, f);
        Put(d + 5 * ld, Avx.Permute2x128(u1, u5, 0x31), shortcut is null ? null : shortcut + 5 * ld, convFirst, f);
        Put(d + 6 * ld, Avx.Permute2x128(u2, u6, 0x31), shortcut is null ? null : shortcut + 6 * ld, convFirst, f);
        Put(d + 7 * ld, Avx.Permute2x128(u3, u7, 0x31), shortcut is null ? null : shortcut + 7 * ld, convFirst, f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(float* d, Vec v, float* shortcut, bool convFirst, T f) where T : struct, IVectorActivation
    {
        if (shortcut is not null) v = Shortcut.Add(v, shortcut, convFirst);
        Avx.Store(d, f.Apply(v));
    }
}
