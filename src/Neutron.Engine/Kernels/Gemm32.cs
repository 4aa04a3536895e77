// Single-precision matrix multiply: C = alpha * op(A) * op(B) + beta * C, row-major, op = optional transpose.
//   A: (M, K) or (K, M) if transA, row stride lda   B: (K, N) or (N, K) if transB, stride ldb   C: (M, N), stride ldc
// Reference is the plain triple loop (the oracle and the `scalar` kernel set); Multiply dispatches once, via
// KernelSet (env NEUTRON_KERNELS=scalar|avx2|avx512), to Gemm32Avx2's or Gemm32Avx512's packed FMA kernel, or, for
// one to eight rows of C, to Gemm32Rows, which reads B unpacked (all three give the same bits). beta = 0 never reads C.
// Single-threaded: operators parallelise by splitting C (Execution/ParallelGemm).
namespace Neutron.Engine.Kernels;

public static class Gemm32
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Multiply(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n);

    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => Multiply(KernelSet.Active, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>Runs one named variant (tests and benchmarks compare them).</summary>
    public static void Multiply(KernelVariant variant, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        CheckArguments(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (variant != KernelVariant.Scalar && KernelSet.IsSupported(KernelVariant.Avx2) && Gemm32Rows.Serves(transB, m, n, k))
            Gemm32Rows.Multiply(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else if (variant == KernelVariant.Avx512 && KernelSet.IsSupported(KernelVariant.Avx512))
            Gemm32Avx512.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else if (variant != KernelVariant.Scalar && KernelSet.IsSupported(KernelVariant.Avx2))
            Gemm32Avx2.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            Reference(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    public static void Reference(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Reference(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n);

    /// <summary>The scalar twin: one dot product per output element, accumulated in k order.</summary>
    public static void Reference(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                float prior = beta == 0f ? 0f : beta * c[i * ldc + j];
                c[i * ldc + j] = alpha * sum + prior;
            }
        }
    }

    /// <summary>Throws unless every element the multiply touches lies inside its span (the fast kernel uses pointers).</summary>
    internal static void CheckArguments(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"dimensions must be ≥ 0, got m={m} n={n} k={k}");
        if (m == 0 || n == 0) return;
        if (ldc < n || (long)(m - 1) * ldc + n > c.Length)
            throw new ArgumentException($"C of {c.Length} elements with ldc={ldc} cannot hold ({m}, {n})", nameof(c));
        if (k == 0) return;
        (int rowsA, int colsA) = transA ? (k, m) : (m, k);
        if (lda < colsA || (long)(rowsA - 1) * lda + colsA > a.Length)
            throw new ArgumentException($"A of {a.Length} elements with lda={lda} cannot hold ({rowsA}, {colsA})", nameof(a));
        (int rowsB, int colsB) = transB ? (n, k) : (k, n);
        if (ldb < colsB || (long)(rowsB - 1) * ldb + colsB > b.Length)
            throw new ArgumentException($"B of {b.Length} elements with ldb={ldb} cannot hold ({rowsB}, {colsB})", nameof(b));
    }
}
