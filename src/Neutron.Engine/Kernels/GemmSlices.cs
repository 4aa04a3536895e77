// One row or one column of C = alpha·op(A)·op(B) + beta·C, bit-identical to what Gemm32.Multiply stores there
// with the AVX2 kernel set: per element, an FMA chain from zero over each KC block of k in ascending order, then
// the epilogue of Gemm32Avx2.StoreRow (alpha·acc; + C, or beta·C fused). That kernel's edge tiles and column
// splits use the same arithmetic, so an element's value never depends on the rest of C; that is what lets a
// caller recompute the slice one changed weight touches instead of the whole product. Its oracle is
// Gemm32.Multiply itself (tests compare every element bit for bit). The scalar set has other arithmetic:
// Available is false there and callers must run the full product.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static class GemmSlices
{
    /// <summary>True when the active kernel set's arithmetic is the one reproduced here.</summary>
    public static bool Available => KernelSet.Active != KernelVariant.Scalar && KernelSet.IsSupported(KernelVariant.Avx2);

    /// <summary>
    /// Row i of C for columns [0, n): <paramref name="row"/> holds C[i, ·] before (read when beta ≠ 0) and after.
    /// A is (m, k) row-major with stride lda (not transposed); B is (k, n) with stride ldb (not transposed).
    /// </summary>
    public static void Row(int k, int n, float alpha, ReadOnlySpan<float> aRow, ReadOnlySpan<float> b, int ldb, float beta, Span<float> row)
    {
        Require();
        if (aRow.Length < k || row.Length < n || (k > 0 && (long)(k - 1) * ldb + n > b.Length))
            throw new ArgumentException($"row of {n} over k={k} does not fit A row {aRow.Length}, B {b.Length} (ldb {ldb}), C row {row.Length}");
        if (k == 0)
        {
            for (int j = 0; j < n; j++) row[j] = alpha * 0f + (beta == 0f ? 0f : beta * row[j]);
            return;
        }
        Span<float> acc = n <= 1024 ? stackalloc float[n] : new float[n];
        for (int pc = 0; pc < k; pc += Gemm32Avx2.KC)
        {
            int end = Math.Min(k, pc + Gemm32Avx2.KC);
            acc.Clear();
            for (int p = pc; p < end; p++) MultiplyAdd(aRow[p], b.Slice(p * ldb, n), acc);
            Epilogue(acc, alpha, pc == 0 ? beta : 1f, row[..n]);
        }
    }

    /// <summary>
    /// Column j of C for rows [0, m): <paramref name="column"/>[i] holds C[i, j] before (read when beta ≠ 0) and
    /// after. A is (m, k) with stride lda (not transposed); op(B) is (k, n): B is (k, n), or (n, k) if transB.
    /// </summary>
    public static void Column(bool transB, int m, int k, int j, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> column)
    {
        Require();
        if (column.Length < m || (m > 0 && k > 0 && (long)(m - 1) * lda + k > a.Length))
            throw new ArgumentException($"column of {m} over k={k} does not fit A {a.Length} (lda {lda}) or C column {column.Length}");
        if (k == 0)
        {
            for (int r = 0; r < m; r++) column[r] = alpha * 0f + (beta == 0f ? 0f : beta * column[r]);
            return;
        }
        // op(B)[·, j] gathered once: contiguous in k for the chains below.
        Span<float> bj = k <= 4096 ? stackalloc float[k] : new float[k];
        for (int p = 0; p < k; p++) bj[p] = transB ? b[j * ldb + p] : b[p * ldb + j];
        int i = 0;
        // Four rows at a time: independent FMA chains hide each other's latency.
        for (; i + 4 <= m; i += 4)
        {
            var a0 = a.Slice(i * lda, k);
            var a1 = a.Slice((i + 1) * lda, k);
            var a2 = a.Slice((i + 2) * lda, k);
            var a3 = a.Slice((i + 3) * lda, k);
            for (int pc = 0; pc < k; pc += Gemm32Avx2.KC)
            {
                int end = Math.Min(k, pc + Gemm32Avx2.KC);
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int p = pc; p < end; p++)
                {
                    float w = bj[p];
                    s0 = MathF.FusedMultiplyAdd(a0[p], w, s0);
                    s1 = MathF.FusedMultiplyAdd(a1[p], w, s1);
                    s2 = MathF.FusedMultiplyAdd(a2[p], w, s2);
                    s3 = MathF.FusedMultiplyAdd(a3[p], w, s3);
                }
                float betaNow = pc == 0 ? beta : 1f;
                column[i] = Store(s0, alpha, betaNow, column[i]);
                column[i + 1] = Store(s1, alpha, betaNow, column[i + 1]);
                column[i + 2] = Store(s2, alpha, betaNow, column[i + 2]);
                column[i + 3] = Store(s3, alpha, betaNow, column[i + 3]);
            }
        }
        for (; i < m; i++)
        {
            var ai = a.Slice(i * lda, k);
            for (int pc = 0; pc < k; pc += Gemm32Avx2.KC)
            {
                int end = Math.Min(k, pc + Gemm32Avx2.KC);
                float s = 0f;
                for (int p = pc; p < end; p++) s = MathF.FusedMultiplyAdd(ai[p], bj[p], s);
                column[i] = Store(s, alpha, pc == 0 ? beta : 1f, column[i]);
            }
        }
    }

    private static void Require()
    {
        if (!Available)
            throw new InvalidOperationException($"GemmSlices reproduce the avx2 kernel set; this process runs '{KernelSet.Name}'");
    }

    // acc[j] = fma(a, b[j], acc[j]) for every j: each lane is its own element's chain, so lanes change nothing.
    private static unsafe void MultiplyAdd(float a, ReadOnlySpan<float> b, Span<float> acc)
    {
        int n = acc.Length, j = 0;
        fixed (float* bp = b, cp = acc)
        {
            var av = Vector256.Create(a);
            for (; j + 8 <= n; j += 8)
                Avx.Store(cp + j, Fma.MultiplyAdd(av, Avx.LoadVector256(bp + j), Avx.LoadVector256(cp + j)));
            for (; j < n; j++) cp[j] = MathF.FusedMultiplyAdd(a, bp[j], cp[j]);
        }
    }

    private static void Epilogue(ReadOnlySpan<float> acc, float alpha, float beta, Span<float> c)
    {
        for (int j = 0; j < c.Length; j++) c[j] = Store(acc[j], alpha, beta, c[j]);
    }

    // Gemm32Avx2.StoreRow / MergeEdge for one element.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Store(float acc, float alpha, float beta, float c)
    {
        float v = alpha != 1f ? acc * alpha : acc;
        if (beta == 1f) return v + c;
        if (beta != 0f) return MathF.FusedMultiplyAdd(c, beta, v);
        return v;
    }
}
