// Gemm32 over all cores for operators (Gemm, MatMul, small-batch Conv): splits C into row or column blocks, one
// single-threaded Gemm32 call per block. Every element of C is computed the same way whatever the split (see
// Gemm32Avx2), so results do not depend on the thread count. The kernels themselves never start threads.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Execution;

public static class ParallelGemm
{
    // Below this many multiply-adds a second thread costs more than it saves.
    private const long MinParallelWork = 1L << 17;

    /// <summary>C = alpha·op(A)·op(B) + beta·C with arrays and offsets (spans cannot cross into worker lambdas).</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
    {
        int threads = Parallelism.MaxThreads;
        long work = (long)m * n * Math.Max(k, 1);
        if (threads == 1 || k == 0 || work < MinParallelWork)
        {
            Gemm32.Multiply(transA, transB, m, n, k, alpha, a.AsSpan(aOffset), lda, b.AsSpan(bOffset), ldb, beta, c.AsSpan(cOffset), ldc);
            return;
        }
        // Split the longer side of C, in multiples of the micro-tile so blocks carry no extra edge tiles.
        bool byRows = m >= n;
        int extent = byRows ? m : n, unit = byRows ? 6 : 16;
        int blocks = Math.Min(threads, (extent + unit - 1) / unit);
        if (blocks <= 1)
        {
            Gemm32.Multiply(transA, transB, m, n, k, alpha, a.AsSpan(aOffset), lda, b.AsSpan(bOffset), ldb, beta, c.AsSpan(cOffset), ldc);
            return;
        }
        int per = ((extent + blocks - 1) / blocks + unit - 1) / unit * unit;
        Parallelism.For(blocks, work / blocks, block =>
        {
            int start = block * per, size = Math.Min(per, extent - start);
            if (size <= 0) return;
            if (byRows)
            {
                int aAt = aOffset + (transA ? start : start * lda);
                Gemm32.Multiply(transA, transB, size, n, k, alpha, a.AsSpan(aAt), lda, b.AsSpan(bOffset), ldb, beta, c.AsSpan(cOffset + start * ldc), ldc);
            }
            else
            {
                int bAt = bOffset + (transB ? start * ldb : start);
                Gemm32.Multiply(transA, transB, m, size, k, alpha, a.AsSpan(aOffset), lda, b.AsSpan(bAt), ldb, beta, c.AsSpan(cOffset + start), ldc);
            }
        });
    }

    /// <summary>C = alpha·op(A)·B + beta·C for one to eight rows, B as Gemm32Rows.PackPanels laid it out: column blocks
    /// of whole panels over the cores (the same bits whatever the split).</summary>
    public static void MultiplyPanels(bool transA, int m, int n, int k, float alpha, float[] a, int lda, float[] panels, float beta, float[] c, int ldc)
    {
        const int unit = 16;
        int blocks = (int)Math.Clamp((long)m * n * Math.Max(k, 1) / MinParallelWork, 1, Math.Min(Parallelism.MaxThreads, (n + unit - 1) / unit));
        int per = ((n + blocks - 1) / blocks + unit - 1) / unit * unit;
        blocks = (n + per - 1) / per;
        if (blocks == 1)
        {
            Gemm32Rows.MultiplyPanels(transA, m, n, k, alpha, a, lda, panels, beta, c, ldc);
            return;
        }
        Parallelism.For(blocks, (long)m * per * k, block =>
        {
            int start = block * per, size = Math.Min(per, n - start);
            Gemm32Rows.MultiplyPanels(transA, m, size, k, alpha, a, lda, panels.AsSpan(start * k), beta, c.AsSpan(start), ldc);
        });
    }
}
