// The AVX2 + FMA micro-kernels of ConvDirect: twelve (or six) output pixels in rows, eight (or sixteen) output
// channels in the lanes of Vector256. Each lane is one output element's FMA chain from zero over the kc patch
// elements in order, exactly as Gemm32Avx2's micro-kernel runs it; the block is stored (first) or added to what
// the earlier blocks left (block + stored). Twin: ConvDirect.Element; the avx512 file holds the same tiles in Vector512.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

[SkipLocalsInit]
internal static unsafe class ConvDirectAvx2
{
    /// <summary>12 pixels × 8 output channels (1 vector): out[rows[r], j] (+)= Σ_p w[p, j] · x[bases[r] + offsets[p]] over p &lt; kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile12x8<TRows>(float* w, int ldw, int* offsets, int kc, float* x, int* bases, float* o, TRows rows, int ldo, bool first) where TRows : struct, IProductRows<TRows>
    {
        float* x0 = x + bases[0], x1 = x + bases[1], x2 = x + bases[2], x3 = x + bases[3], x4 = x + bases[4], x5 = x + bases[5], x6 = x + bases[6], x7 = x + bases[7], x8 = x + bases[8], x9 = x + bases[9], x10 = x + bases[10], x11 = x + bases[11];
        Vec a0_0 = Vec.Zero, a1_0 = Vec.Zero, a2_0 = Vec.Zero, a3_0 = Vec.Zero, a4_0 = Vec.Zero, a5_0 = Vec.Zero, a6_0 = Vec.Zero, a7_0 = Vec.Zero;
        Vec a8_0 = Vec.Zero, a9_0 = Vec.Zero, a10_0 = Vec.Zero, a11_0 = Vec.Zero;
        for (int p = 0; p < kc; p++, w += ldw)
        {
            int off = offsets[p];
            Vec w0 = Vector256.Load(w);
            Vec v;
            v = Vector256.Create(x0[off]); a0_0 = Fma.MultiplyAdd(w0, v, a0_0);
            v = Vector256.Create(x1[off]); a1_0 = Fma.MultiplyAdd(w0, v, a1_0);
            v = Vector256.Create(x2[off]); a2_0 = Fma.MultiplyAdd(w0, v, a2_0);
            v = Vector256.Create(x3[off]); a3_0 = Fma.MultiplyAdd(w0, v, a3_0);
            v = Vector256.Create(x4[off]); a4_0 = Fma.MultiplyAdd(w0, v, a4_0);
            v = Vector256.Create(x5[off]); a5_0 = Fma.MultiplyAdd(w0, v, a5_0);
            v = Vector256.Create(x6[off]); a6_0 = Fma.MultiplyAdd(w0, v, a6_0);
            v = Vector256.Create(x7[off]); a7_0 = Fma.MultiplyAdd(w0, v, a7_0);
            v = Vector256.Create(x8[off]); a8_0 = Fma.MultiplyAdd(w0, v, a8_0);
            v = Vector256.Create(x9[off]); a9_0 = Fma.MultiplyAdd(w0, v, a9_0);
            v = Vector256.Create(x10[off]); a10_0 = Fma.MultiplyAdd(w0, v, a10_0);
            v = Vector256.Create(x11[off]); a11_0 = Fma.MultiplyAdd(w0, v, a11_0);
        }
        Store(o + rows.Row(0) * ldo, a0_0, first);
        Store(o + rows.Row(1) * ldo, a1_0, first);
        Store(o + rows.Row(2) * ldo, a2_0, first);
        Store(o + rows.Row(3) * ldo, a3_0, first);
        Store(o + rows.Row(4) * ldo, a4_0, first);
        Store(o + rows.Row(5) * ldo, a5_0, first);
        Store(o + rows.Row(6) * ldo, a6_0, first);
        Store(o + rows.Row(7) * ldo, a7_0, first);
        Store(o + rows.Row(8) * ldo, a8_0, first);
        Store(o + rows.Row(9) * ldo, a9_0, first);
        Store(o + rows.Row(10) * ldo, a10_0, first);
        Store(o + rows.Row(11) * ldo, a11_0, first);
    }

    /// <summary>6 pixels × 16 output channels (2 vectors): out[rows[r], j] (+)= Σ_p w[p, j] · x[bases[r] + offsets[p]] over p &lt; kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x16<TRows>(float* w, int ldw, int* offsets, int kc, float* x, int* bases, float* o, TRows rows, int ldo, bool first) where TRows : struct, IProductRows<TRows>
    {
        float* x0 = x + bases[0], x1 = x + bases[1], x2 = x + bases[2], x3 = x + bases[3], x4 = x + bases[4], x5 = x + bases[5];
        Vec a0_0 = Vec.Zero, a0_1 = Vec.Zero, a1_0 = Vec.Zero, a1_1 = Vec.Zero, a2_0 = Vec.Zero, a2_1 = Vec.Zero, a3_0 = Vec.Zero, a3_1 = Vec.Zero;
        Vec a4_0 = Vec.Zero, a4_1 = Vec.Zero, a5_0 = Vec.Zero, a5_1 = Vec.Zero;
        for (int p = 0; p < kc; p++, w += ldw)
        {
            int off = offsets[p];
            Vec w0 = Vector256.Load(w);
            Vec w1 = Vector256.Load(w + 8);
            Vec v;
            v = Vector256.Create(x0[off]); a0_0 = Fma.MultiplyAdd(w0, v, a0_0); a0_1 = Fma.MultiplyAdd(w1, v, a0_1);
            v = Vector256.Create(x1[off]); a1_0 = Fma.MultiplyAdd(w0, v, a1_0); a1_1 = Fma.MultiplyAdd(w1, v, a1_1);
            v = Vector256.Create(x2[off]); a2_0 = Fma.MultiplyAdd(w0, v, a2_0); a2_1 = Fma.MultiplyAdd(w1, v, a2_1);
            v = Vector256.Create(x3[off]); a3_0 = Fma.MultiplyAdd(w0, v, a3_0); a3_1 = Fma.MultiplyAdd(w1, v, a3_1);
            v = Vector256.Create(x4[off]); a4_0 = Fma.MultiplyAdd(w0, v, a4_0); a4_1 = Fma.MultiplyAdd(w1, v, a4_1);
            v = Vector256.Create(x5[off]); a5_0 = Fma.MultiplyAdd(w0, v, a5_0); a5_1 = Fma.MultiplyAdd(w1, v, a5_1);
        }
        Store(o + rows.Row(0) * ldo, a0_0, first);
        Store(o + rows.Row(0) * ldo + 8, a0_1, first);
        Store(o + rows.Row(1) * ldo, a1_0, first);
        Store(o + rows.Row(1) * ldo + 8, a1_1, first);
        Store(o + rows.Row(2) * ldo, a2_0, first);
        Store(o + rows.Row(2) * ldo + 8, a2_1, first);
        Store(o + rows.Row(3) * ldo, a3_0, first);
        Store(o + rows.Row(3) * ldo + 8, a3_1, first);
        Store(o + rows.Row(4) * ldo, a4_0, first);
        Store(o + rows.Row(4) * ldo + 8, a4_1, first);
        Store(o + rows.Row(5) * ldo, a5_0, first);
        Store(o + rows.Row(5) * ldo + 8, a5_1, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* o, Vec block, bool first) =>
        Avx.Store(o, first ? block : Avx.Add(block, Avx.LoadVector256(o)));
}
