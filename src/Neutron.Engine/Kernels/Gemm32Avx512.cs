// The AVX-512 variant of Gemm32: Gemm32Avx2 with Vector512 (a 6×32 micro-kernel, 12 Vector512 accumulators).
// Same blocking (KC = 256) and epilogue, so every element of C is the same FMA chain over the same 256-long blocks
// as in Gemm32Avx2: the two variants give the same bits (Gemm32Tests), and the fault runner's slice kernels, which
// repeat Gemm32Avx2's arithmetic in Vector256, stay exact under either. B is packed into KC×NR column panels, A into
// MR×KC row panels.
// Edge tiles are computed in full on zero-padded panels and copied out, so every element of C goes through
// the same arithmetic wherever the caller splits C: results do not depend on how operators parallelise.
// Its twin and oracle is Gemm32.Reference; callers reach it through Gemm32.Multiply (arguments already checked).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector512<float>;

namespace Neutron.Engine.Kernels;

[SkipLocalsInit]
internal static unsafe class Gemm32Avx512
{
    public const int MR = Gemm32Avx2.MR, NR = 32; // A is packed by Gemm32Avx2.PackA
    // KC must stay Gemm32Avx2.KC: it fixes each element's summation blocks. MC and NC as in Gemm32Avx2.
    public const int KC = 256, MC = 144, NC = 3072;

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            Gemm32Avx2.ScaleOnly(m, n, alpha, beta, c, ldc);
            return;
        }
        // Packed panels of A (MC×KC) and B (KC×NC) in one pooled buffer, reused across calls.
        int panelCols = Math.Min(NC, Gemm32Avx2.RoundUp(n, NR));
        var scratch = ScratchPool.Rent(MC * KC + KC * panelCols);
        try
        {
            Blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
        }
        finally
        {
            ScratchPool.Return(scratch);
        }
    }

    private static void Blocked(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, float[] scratch)
    {
        float* tile = stackalloc float[MR * NR];

        fixed (float* ap = a, bp = b, cp = c, pap = scratch)
        {
            float* pbp = pap + MC * KC;
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    float betaNow = pc == 0 ? beta : 1f;
                    PackB(transB, bp, ldb, pc, jc, kc, nc, pbp);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        Gemm32Avx2.PackA(transA, ap, lda, ic, pc, mc, kc, pap);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* cTile = cp + (long)(ic + ir) * ldc + jc + jr;
                                if (mr == MR && nr == NR)
                                    Kernel(pap + ir * kc, pbp + jr * kc, kc, cTile, ldc, alpha, betaNow);
                                else
                                {
                                    Kernel(pap + ir * kc, pbp + jr * kc, kc, tile, NR, 1f, 0f);
                                    Gemm32Avx2.MergeEdge(tile, NR, cTile, ldc, mr, nr, alpha, betaNow);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] (kc×nc) into NR-column panels, k-major inside a panel, columns past nc zeroed.</summary>
    private static void PackB(bool transB, float* b, int ldb, int pc, int jc, int kc, int nc, float* dst)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* panel = dst + jr * kc;
            if (!transB)
            {
                float* src = b + (long)pc * ldb + jc + jr;
                if (nr == NR)
                {
                    for (int p = 0; p < kc; p++, src += ldb, panel += NR)
                    {
                        Avx512F.Store(panel, Avx512F.LoadVector512(src));
                        Avx512F.Store(panel + 16, Avx512F.LoadVector512(src + 16));
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, panel += NR)
                    {
                        int j = 0;
                        for (; j < nr; j++) panel[j] = src[j];
                        for (; j < NR; j++) panel[j] = 0f;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[j * ldb + p]: walk each source row once, scattering with stride NR.
                float* src = b + (long)(jc + jr) * ldb + pc;
                int j = 0;
                for (; j < nr; j++)
                {
                    float* s = src + (long)j * ldb;
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++) d[p * NR] = s[p];
                }
                for (; j < NR; j++)
                {
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++) d[p * NR] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// C[0..6, 0..32] = alpha · (A panel · B panel) + beta · C; beta = 0 stores without reading C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(float* a, float* b, int kc, float* c, int ldc, float alpha, float beta)
    {
        Vec c00 = Vec.Zero, c01 = Vec.Zero, c10 = Vec.Zero, c11 = Vec.Zero, c20 = Vec.Zero, c21 = Vec.Zero;
        Vec c30 = Vec.Zero, c31 = Vec.Zero, c40 = Vec.Zero, c41 = Vec.Zero, c50 = Vec.Zero, c51 = Vec.Zero;
        for (int p = 0; p < kc; p++)
        {
            Vec b0 = Avx512F.LoadVector512(b);
            Vec b1 = Avx512F.LoadVector512(b + 16);
            Vec av = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            a += MR;
            b += NR;
        }
        StoreRow(c, c00, c01, alpha, beta);
        StoreRow(c + ldc, c10, c11, alpha, beta);
        StoreRow(c + 2 * ldc, c20, c21, alpha, beta);
        StoreRow(c + 3 * ldc, c30, c31, alpha, beta);
        StoreRow(c + 4 * ldc, c40, c41, alpha, beta);
        StoreRow(c + 5 * ldc, c50, c51, alpha, beta);
    }

    // The epilogue: alpha·acc, then + C (beta 1) or fused beta·C + alpha·acc. MergeEdge repeats it in scalars.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vec lo, Vec hi, float alpha, float beta)
    {
        if (alpha != 1f)
        {
            var va = Vector512.Create(alpha);
            lo = Avx512F.Multiply(lo, va);
            hi = Avx512F.Multiply(hi, va);
        }
        if (beta == 1f)
        {
            lo = Avx512F.Add(lo, Avx512F.LoadVector512(c));
            hi = Avx512F.Add(hi, Avx512F.LoadVector512(c + 16));
        }
        else if (beta != 0f)
        {
            var vb = Vector512.Create(beta);
            lo = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(c), vb, lo);
            hi = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(c + 16), vb, hi);
        }
        Avx512F.Store(c, lo);
        Avx512F.Store(c + 16, hi);
    }
}
