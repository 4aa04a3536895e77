// Every Gemm32 variant against Gemm32.Reference: odd and blocking-boundary shapes, all transposes, alpha/beta,
// leading dimensions wider than the matrix, and NaN/Inf propagation, with fixed seeds; the few-rows path against
// the packed kernel, bit for bit.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class Gemm32Tests
{
    public static TheoryData<KernelVariant> Variants()
    {
        var data = new TheoryData<KernelVariant>();
        foreach (var v in KernelSet.Supported) data.Add(v);
        return data;
    }

    internal static float[] Random(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    // Shapes straddle MR=6, NR=16, KC=256, MC=144 and include 1-wide and empty dimensions.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 17, 3), (7, 1, 5), (6, 16, 1), (5, 15, 7), (13, 33, 19), (6, 16, 256), (7, 17, 257),
        (145, 31, 9), (150, 40, 300), (64, 49, 576), (16, 784, 144), (3, 1000, 2), (0, 5, 3), (4, 0, 3), (4, 5, 0),
        (257, 10, 400), (37, 3100, 11),
    ];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_variant_matches_the_reference(KernelVariant variant)
    {
        var rng = new Random(1234);
        foreach (var (m, n, k) in Shapes)
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (var (alpha, beta) in new[] { (1f, 0f), (1f, 1f), (0.5f, -2f), (-1.5f, 0.25f) })
            Check(variant, rng, m, n, k, ta, tb, alpha, beta, pad: (m * 7 + n) % 3);
    }

    private static void Check(KernelVariant variant, Random rng, int m, int n, int k, bool ta, bool tb, float alpha, float beta, int pad)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = Random(rng, Math.Max(0, (ta ? k : m) * lda));
        var b = Random(rng, Math.Max(0, (tb ? n : k) * ldb));
        var c0 = Random(rng, m * ldc);
        var expected = (float[])c0.Clone();
        var actual = (float[])c0.Clone();
        Gemm32.Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        Gemm32.Multiply(variant, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, actual, ldc);
        float tolerance = 1e-5f * (k + 4);
        for (int i = 0; i < actual.Length; i++)
        {
            float diff = Math.Abs(actual[i] - expected[i]);
            Assert.True(diff <= tolerance, $"{variant} m={m} n={n} k={k} ta={ta} tb={tb} α={alpha} β={beta}: C[{i}] = {actual[i]}, reference {expected[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Beta_zero_ignores_nan_in_c_and_nan_in_a_propagates(KernelVariant variant)
    {
        var rng = new Random(7);
        int m = 9, n = 20, k = 12;
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        a[3 * k + 4] = float.NaN;
        b[5 * n + 7] = float.PositiveInfinity;
        var c = new float[m * n];
        Array.Fill(c, float.NaN);
        var expected = new float[m * n];
        Gemm32.Reference(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        Gemm32.Multiply(variant, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        for (int i = 0; i < c.Length; i++)
        {
            Assert.Equal(float.IsNaN(expected[i]), float.IsNaN(c[i]));
            Assert.Equal(float.IsInfinity(expected[i]), float.IsInfinity(c[i]));
        }
        Assert.True(float.IsNaN(c[3 * n]));
    }

    // One to eight rows of C go through Gemm32Rows (B unpacked, or packed once as panels): the packed kernel's bits,
    // every element, for column counts with and without a tail, k over one to three blocks, A transposed or not,
    // every alpha/beta, NaN and Inf.
    [FactRequiringKernels(KernelVariant.Avx2)]
    public void Few_rows_give_the_packed_kernels_bits()
    {
        var rng = new Random(4321);
        foreach (int m in new[] { 1, 2, 3, 5, 6, 7, 8 })
        foreach (var (n, k) in new[] { (16, 1), (17, 255), (33, 256), (48, 257), (1000, 576), (31, 600) })
        foreach (bool ta in new[] { false, true })
        foreach (var (alpha, beta) in new[] { (1f, 0f), (1f, 1f), (0.5f, -2f) })
        {
            Assert.True(Gemm32Rows.Serves(false, m, n, k));
            int lda = ta ? m + 1 : k + 2, ldb = n + 3, ldc = n + 1;
            var a = Random(rng, (ta ? k : m) * lda);
            var b = Random(rng, k * ldb);
            a[rng.Next(a.Length)] = float.NaN;
            b[rng.Next(b.Length)] = float.PositiveInfinity;
            b[rng.Next(b.Length)] = 3e38f;
            var c0 = Random(rng, m * ldc);
            var packed = (float[])c0.Clone();
            var rows = (float[])c0.Clone();
            Gemm32Avx2.Multiply(ta, false, m, n, k, alpha, a, lda, b, ldb, beta, packed, ldc);
            Gemm32Rows.Multiply(ta, m, n, k, alpha, a, lda, b, ldb, beta, rows, ldc);
            BitAssert.Same(packed, rows, $"m={m} n={n} k={k} ta={ta} α={alpha} β={beta}");
            // B packed once as panels of sixteen columns (a session's kept classifier weights), on one core and split
            // over column blocks.
            var panels = new float[Gemm32Rows.PanelsSize(n, k)];
            Array.Fill(panels, float.NaN); // every float of the panels must be written (the padding as zeros)
            Gemm32Rows.PackPanels(n, k, b, ldb, panels);
            var fromPanels = (float[])c0.Clone();
            Gemm32Rows.MultiplyPanels(ta, m, n, k, alpha, a, lda, panels, beta, fromPanels, ldc);
            BitAssert.Same(packed, fromPanels, $"panels m={m} n={n} k={k} ta={ta} α={alpha} β={beta}");
            fromPanels = (float[])c0.Clone();
            Neutron.Engine.Execution.ParallelGemm.MultiplyPanels(ta, m, n, k, alpha, a, lda, panels, beta, fromPanels, ldc);
            BitAssert.Same(packed, fromPanels, $"parallel panels m={m} n={n} k={k} ta={ta} α={alpha} β={beta}");
        }
        Assert.False(Gemm32Rows.Serves(false, 9, 100, 10));
        Assert.False(Gemm32Rows.Serves(true, 4, 100, 10));
        Assert.False(Gemm32Rows.Serves(false, 4, 15, 10));
    }

    [Fact]
    public void Splitting_c_into_column_or_row_blocks_gives_bit_identical_results()
    {
        var rng = new Random(99);
        int m = 50, n = 70, k = 300;
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        var whole = new float[m * n];
        Gemm32.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, whole, n);
        var split = new float[m * n];
        Gemm32.Multiply(false, false, m, 37, k, 1f, a, k, b, n, 0f, split, n);
        Gemm32.Multiply(false, false, 20, n - 37, k, 1f, a, k, b.AsSpan(37), n, 0f, split.AsSpan(37), n);
        Gemm32.Multiply(false, false, m - 20, n - 37, k, 1f, a.AsSpan(20 * k), k, b.AsSpan(37), n, 0f, split.AsSpan(20 * n + 37), n);
        Assert.Equal(whole, split);
    }

    [Fact]
    public void Spans_too_small_for_the_shape_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm32.Multiply(false, false, 4, 4, 4, 1f, new float[15], new float[16], 0f, new float[16]));
        Assert.Contains("lda=4", ex.Message);
    }

    [Fact]
    public void Forcing_an_unknown_kernel_set_names_the_choices()
    {
        var ex = Assert.Throws<ArgumentException>(() => KernelSet.Choose("avx9"));
        Assert.Contains("scalar, avx2 or avx512", ex.Message);
        Assert.Equal(KernelVariant.Scalar, KernelSet.Choose("SCALAR"));
        Assert.Equal("avx2", KernelSet.Arithmetic(KernelVariant.Avx512));
    }

    // The AVX-512 GEMM must give the AVX2 GEMM's bits: the fault runner's slice kernels repeat the AVX2 arithmetic,
    // and campaigns record both as `avx2`. Every shape, transposition and alpha/beta above, with Inf, NaN and
    // 3e38 mixed in, compared bit for bit. Skipped where the CPU lacks AVX-512.
    [FactRequiringKernels(KernelVariant.Avx512)]
    public void Avx512_gives_the_bits_of_avx2()
    {
        var rng = new Random(512);
        foreach (var (m, n, k) in Shapes)
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (var (alpha, beta) in new[] { (1f, 0f), (1f, 1f), (0.5f, -2f) })
        {
            int pad = (m + n) % 3, lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            var a = Random(rng, Math.Max(0, (ta ? k : m) * lda));
            var b = Random(rng, Math.Max(0, (tb ? n : k) * ldb));
            if (a.Length > 3) { a[1] = float.PositiveInfinity; a[^2] = 3e38f; }
            if (b.Length > 3) b[2] = float.NaN;
            var c0 = Random(rng, m * ldc);
            var wide = (float[])c0.Clone();
            var narrow = (float[])c0.Clone();
            Gemm32.Multiply(KernelVariant.Avx512, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, wide, ldc);
            Gemm32.Multiply(KernelVariant.Avx2, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, narrow, ldc);
            for (int i = 0; i < wide.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(wide[i]) == BitConverter.SingleToInt32Bits(narrow[i]),
                    $"m={m} n={n} k={k} ta={ta} tb={tb} α={alpha} β={beta}: C[{i}] avx512 {wide[i]}, avx2 {narrow[i]}");
        }
    }
}
