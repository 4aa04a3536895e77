// Gemm32 for a few rows of A (a batch of images through a classifier's Gemm): B (K × N, row-major) is read once,
// straight from where it lies, where the packed path copies the whole of B into panels on every call (MobileNetV3-
// small's classifier: 6.5 MB a run for 8 images, against 5 M multiply-adds). A, small, is laid out as [k][8] rows.
// Every element of C is Gemm32Avx2's arithmetic: an FMA chain (a · b + acc, in that operand order) from zero over
// each 256-long block of k in order, then alpha·acc and + C (beta 1) or beta·C + that (fused), blocks after the
// first added to C: the packed path's bits, under avx2 and avx512 alike (Gemm32Tests). Columns past the last whole
// 16 go through a zero-padded copy of their B columns and Gemm32Avx2.MergeEdge, as the packed path's edge tiles do.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

[SkipLocalsInit]
internal static unsafe class Gemm32Rows
{
    public const int MaxRows = 8;
    private const int Columns = 16, KC = Gemm32Avx2.KC;

    /// <summary>Whether this path serves a multiply: B not transposed, one to eight rows, k and a whole block of columns.</summary>
    public static bool Serves(bool transB, int m, int n, int k) => !transB && m is >= 1 and <= MaxRows && k > 0 && n >= Columns;

    public static void Multiply(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) => Run(transA, m, n, k, alpha, a, lda, b, ldb, packed: false, beta, c, ldc);

    /// <summary>Floats of B (k × n) packed as panels of sixteen columns.</summary>
    public static int PanelsSize(int n, int k) => (n + Columns - 1) / Columns * Columns * k;

    /// <summary>B (k × n, row-major, ldb) as panels of sixteen columns: panel j holds [p][16] at 16·j·k, zeros past n,
    /// so a block of columns reads its B as one contiguous run (a classifier's weights, packed once by a session
    /// that keeps them).</summary>
    public static void PackPanels(int n, int k, ReadOnlySpan<float> b, int ldb, Span<float> panels)
    {
        if (panels.Length < PanelsSize(n, k) || b.Length < (long)(k - 1) * ldb + n) throw new ArgumentException("B or the panels are too small");
        for (int j = 0; j < n; j += Columns)
        {
            int width = Math.Min(Columns, n - j);
            var panel = panels.Slice(j * k, Columns * k);
            for (int p = 0; p < k; p++)
            {
                b.Slice(p * ldb + j, width).CopyTo(panel.Slice(p * Columns, width));
                panel.Slice(p * Columns + width, Columns - width).Clear();
            }
        }
    }

    /// <summary>Multiply with B as PackPanels lays it out (the panels of C's columns [0, n)): the same bits.</summary>
    public static void MultiplyPanels(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panels,
        float beta, Span<float> c, int ldc)
    {
        if (panels.Length < PanelsSize(n, k)) throw new ArgumentException("the panels are too small for B", nameof(panels));
        Run(transA, m, n, k, alpha, a, lda, panels, Columns, packed: true, beta, c, ldc);
    }

    private static void Run(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, bool packed,
        float beta, Span<float> c, int ldc)
    {
        int tail = n % Columns, whole = n - tail;
        // A's rows, then for a tail: its tile and (unpacked) its copy of B's last columns.
        var scratch = ScratchPool.Rent(k * MaxRows + (tail > 0 ? MaxRows * Columns + (packed ? 0 : k * Columns) : 0));
        try
        {
            fixed (float* ap = a, bp = b, cp = c, sp = scratch)
            {
                float* rows = sp;
                for (int p = 0; p < k; p++)
                    for (int i = 0; i < MaxRows; i++)
                        rows[p * MaxRows + i] = i < m ? (transA ? ap[(long)p * lda + i] : ap[(long)i * lda + p]) : 0f;
                // Column block j's row p: packed, in its panel (sixteen floats a row); else in B itself, ldb apart.
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    float betaNow = pc == 0 ? beta : 1f;
                    for (int j = 0; j < whole; j += Columns)
                        Block(rows + pc * MaxRows, packed ? bp + ((long)j * k + pc * Columns) : bp + (long)pc * ldb + j, ldb, kc, cp + j, ldc, m, alpha, betaNow);
                }
                if (tail == 0) return;
                // The last columns: B's [whole, n) in zero-padded rows of 16 (packed: their panel already is; else a
                // copy), a tile, then the edge epilogue.
                float* tile = sp + k * MaxRows, edge = packed ? bp + (long)whole * k : tile + MaxRows * Columns;
                if (!packed)
                    for (int p = 0; p < k; p++)
                        for (int j = 0; j < Columns; j++)
                            edge[p * Columns + j] = j < tail ? bp[(long)p * ldb + whole + j] : 0f;
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    Block(rows + pc * MaxRows, edge + pc * Columns, Columns, kc, tile, Columns, MaxRows, 1f, 0f);
                    Gemm32Avx2.MergeEdge(tile, Columns, cp + whole, ldc, m, tail, alpha, pc == 0 ? beta : 1f);
                }
            }
        }
        finally
        {
            ScratchPool.Return(scratch);
        }
    }

    /// <summary>Rows [0, m) × 16 columns of C over one block of kc: a holds [p][8], b the block's first row. Under
    /// avx512 the sixteen columns are one vector: half the FMAs for the same lanes, the same chain per element.</summary>
    private static void Block(float* a, float* b, int ldb, int kc, float* c, int ldc, int m, float alpha, float beta)
    {
        if (Wide) Block512(a, b, ldb, kc, c, ldc, m, alpha, beta);
        else Block256(a, b, ldb, kc, c, ldc, m, alpha, beta);
    }

    private static bool Wide => KernelSet.Active == KernelVariant.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(float* a, float* b, int ldb, int kc, float* c, int ldc, int m, float alpha, float beta)
    {
        var c0 = Vector512<float>.Zero; var c1 = c0; var c2 = c0; var c3 = c0; var c4 = c0; var c5 = c0; var c6 = c0; var c7 = c0;
        for (int p = 0; p < kc; p++, a += MaxRows, b += ldb)
        {
            Sse.Prefetch0(b + 32L * ldb);
            Sse.Prefetch0(b + 32L * ldb + 15);
            var bv = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), bv, c7);
        }
        Gemm32Avx2.StoreRow(c, c0.GetLower(), c0.GetUpper(), alpha, beta);
        if (m > 1) Gemm32Avx2.StoreRow(c + ldc, c1.GetLower(), c1.GetUpper(), alpha, beta);
        if (m > 2) Gemm32Avx2.StoreRow(c + 2 * ldc, c2.GetLower(), c2.GetUpper(), alpha, beta);
        if (m > 3) Gemm32Avx2.StoreRow(c + 3 * ldc, c3.GetLower(), c3.GetUpper(), alpha, beta);
        if (m > 4) Gemm32Avx2.StoreRow(c + 4 * ldc, c4.GetLower(), c4.GetUpper(), alpha, beta);
        if (m > 5) Gemm32Avx2.StoreRow(c + 5 * ldc, c5.GetLower(), c5.GetUpper(), alpha, beta);
        if (m > 6) Gemm32Avx2.StoreRow(c + 6 * ldc, c6.GetLower(), c6.GetUpper(), alpha, beta);
        if (m > 7) Gemm32Avx2.StoreRow(c + 7 * ldc, c7.GetLower(), c7.GetUpper(), alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block256(float* a, float* b, int ldb, int kc, float* c, int ldc, int m, float alpha, float beta)
    {
        Vec c00 = Vec.Zero, c01 = Vec.Zero, c10 = Vec.Zero, c11 = Vec.Zero, c20 = Vec.Zero, c21 = Vec.Zero, c30 = Vec.Zero, c31 = Vec.Zero;
        Vec c40 = Vec.Zero, c41 = Vec.Zero, c50 = Vec.Zero, c51 = Vec.Zero, c60 = Vec.Zero, c61 = Vec.Zero, c70 = Vec.Zero, c71 = Vec.Zero;
        for (int p = 0; p < kc; p++, a += MaxRows, b += ldb)
        {
            // Unpacked, B's rows are ldb apart: one line each, a stride the hardware prefetcher follows late. Ask for
            // the row 32 ahead (both lines its sixteen columns may straddle; a prefetch never faults, past B too).
            Sse.Prefetch0(b + 32L * ldb);
            Sse.Prefetch0(b + 32L * ldb + 15);
            Vec b0 = Avx.LoadVector256(b), b1 = Avx.LoadVector256(b + 8);
            Vec av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            av = Vector256.Create(a[6]);
            c60 = Fma.MultiplyAdd(av, b0, c60); c61 = Fma.MultiplyAdd(av, b1, c61);
            av = Vector256.Create(a[7]);
            c70 = Fma.MultiplyAdd(av, b0, c70); c71 = Fma.MultiplyAdd(av, b1, c71);
        }
        Gemm32Avx2.StoreRow(c, c00, c01, alpha, beta);
        if (m > 1) Gemm32Avx2.StoreRow(c + ldc, c10, c11, alpha, beta);
        if (m > 2) Gemm32Avx2.StoreRow(c + 2 * ldc, c20, c21, alpha, beta);
        if (m > 3) Gemm32Avx2.StoreRow(c + 3 * ldc, c30, c31, alpha, beta);
        if (m > 4) Gemm32Avx2.StoreRow(c + 4 * ldc, c40, c41, alpha, beta);
        if (m > 5) Gemm32Avx2.StoreRow(c + 5 * ldc, c50, c51, alpha, beta);
        if (m > 6) Gemm32Avx2.StoreRow(c + 6 * ldc, c60, c61, alpha, beta);
        if (m > 7) Gemm32Avx2.StoreRow(c + 7 * ldc, c70, c71, alpha, beta);
    }
}
