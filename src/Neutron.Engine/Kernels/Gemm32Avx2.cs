// The AVX2 + FMA variant of Gemm32 (GotoBLAS/BLIS structure): B is packed into KC×NR column panels, A into
// MR×KC row panels, and a 6×16 register-blocked micro-kernel (12 Vector256 accumulators) multiplies them.
// Edge tiles are computed in full on zero-padded panels and copied out, so every element of C goes through
// the same arithmetic wherever the caller splits C: results do not depend on how operators parallelise.
// Its twin and oracle is Gemm32.Reference; callers reach it through Gemm32.Multiply (arguments already checked).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

[SkipLocalsInit]
internal static unsafe class Gemm32Avx2
{
    public const int MR = 6, NR = 16;
    // Zen 3: an MR×KC A panel and a KC×NR B panel stay in L1 (48 KB together), the MC×KC A block (144 KB) in L2.
    public const int KC = 256, MC = 144, NC = 3072;

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            ScaleOnly(m, n, alpha, beta, c, ldc);
            return;
        }
        // Packed panels of A (MC×KC) and B (KC×NC) in one pooled buffer, reused across calls.
        int panelCols = Math.Min(NC, RoundUp(n, NR));
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
                        PackA(transA, ap, lda, ic, pc, mc, kc, pap);
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
                                    MergeEdge(tile, NR, cTile, ldc, mr, nr, alpha, betaNow);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    internal static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>k = 0: the product is zero, C = alpha·0 + beta·C as the reference computes it.</summary>
    internal static void ScaleOnly(int m, int n, float alpha, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[i * ldc + j] = alpha * 0f + (beta == 0f ? 0f : beta * c[i * ldc + j]);
    }

    /// <summary>Packs op(A)[ic.., pc..] (mc×kc) into MR-row panels, k-major inside a panel, rows past mc zeroed.</summary>
    internal static void PackA(bool transA, float* a, int lda, int ic, int pc, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            float* panel = dst + ir * kc;
            if (transA)
            {
                // op(A)[i, p] = a[p * lda + i]: MR consecutive floats per k.
                float* src = a + (long)pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda, panel += MR)
                {
                    int r = 0;
                    for (; r < mr; r++) panel[r] = src[r];
                    for (; r < MR; r++) panel[r] = 0f;
                }
            }
            else
            {
                float* src = a + (long)(ic + ir) * lda + pc;
                if (mr == MR)
                {
                    float* s0 = src, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                    for (int p = 0; p < kc; p++, panel += MR)
                    {
                        panel[0] = s0[p]; panel[1] = s1[p]; panel[2] = s2[p];
                        panel[3] = s3[p]; panel[4] = s4[p]; panel[5] = s5[p];
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, panel += MR)
                    {
                        int r = 0;
                        for (; r < mr; r++) panel[r] = src[(long)r * lda + p];
                        for (; r < MR; r++) panel[r] = 0f;
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
                        Avx.Store(panel, Avx.LoadVector256(src));
                        Avx.Store(panel + 8, Avx.LoadVector256(src + 8));
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
    /// C[0..6, 0..16] = alpha · (A panel · B panel) + beta · C; beta = 0 stores without reading C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(float* a, float* b, int kc, float* c, int ldc, float alpha, float beta)
    {
        Vec c00 = Vec.Zero, c01 = Vec.Zero, c10 = Vec.Zero, c11 = Vec.Zero, c20 = Vec.Zero, c21 = Vec.Zero;
        Vec c30 = Vec.Zero, c31 = Vec.Zero, c40 = Vec.Zero, c41 = Vec.Zero, c50 = Vec.Zero, c51 = Vec.Zero;
        for (int p = 0; p < kc; p++)
        {
            Vec b0 = Avx.LoadVector256(b);
            Vec b1 = Avx.LoadVector256(b + 8);
            Vec av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
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
    internal static void StoreRow(float* c, Vec lo, Vec hi, float alpha, float beta)
    {
        if (alpha != 1f)
        {
            var va = Vector256.Create(alpha);
            lo = Avx.Multiply(lo, va);
            hi = Avx.Multiply(hi, va);
        }
        if (beta == 1f)
        {
            lo = Avx.Add(lo, Avx.LoadVector256(c));
            hi = Avx.Add(hi, Avx.LoadVector256(c + 8));
        }
        else if (beta != 0f)
        {
            var vb = Vector256.Create(beta);
            lo = Fma.MultiplyAdd(Avx.LoadVector256(c), vb, lo);
            hi = Fma.MultiplyAdd(Avx.LoadVector256(c + 8), vb, hi);
        }
        Avx.Store(c, lo);
        Avx.Store(c + 8, hi);
    }

    internal static void MergeEdge(float* tile, int tileStride, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        for (int r = 0; r < mr; r++)
        {
            float* t = tile + r * tileStride;
            float* row = c + (long)r * ldc;
            for (int j = 0; j < nr; j++)
            {
                float v = alpha != 1f ? t[j] * alpha : t[j];
                if (beta == 1f) v += row[j];
                else if (beta != 0f) v = MathF.FusedMultiplyAdd(row[j], beta, v);
                row[j] = v;
            }
        }
    }
}
