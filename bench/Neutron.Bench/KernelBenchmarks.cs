// BenchmarkDotNet: Gemm32 at square and convolution-shaped sizes, and one ResNet-20 3×3 convolution, for every
// kernel variant the CPU supports (scalar is the reference loop, to show what the fast path buys).
// Run: dotnet run -c Release --project bench/Neutron.Bench -- --filter '*KernelBenchmarks*'
using BenchmarkDotNet.Attributes;
using Neutron.Engine.Kernels;

namespace Neutron.Bench;

[MemoryDiagnoser]
public class KernelBenchmarks
{
    private float[] a = [], b = [], c = [];
    private float[] x = [], w = [], bias = [], y = [];
    private Conv2D conv = null!;

    [ParamsSource(nameof(Variants))]
    public KernelVariant Variant { get; set; }

    public static IEnumerable<KernelVariant> Variants => KernelSet.Supported;

    // M×N×K: square, and the per-image GEMMs of ResNet-20's three stages (im2col: K = C·9, N = H·W).
    [Params("256x256x256", "16x784x144", "64x49x576")]
    public string Size { get; set; } = "256x256x256";

    private int m, n, k;

    [GlobalSetup]
    public void Setup()
    {
        var s = Size.Split('x').Select(int.Parse).ToArray();
        (m, n, k) = (s[0], s[1], s[2]);
        var rng = new Random(1);
        a = Fill(rng, m * k);
        b = Fill(rng, k * n);
        c = new float[m * n];
        conv = new Conv2D(1, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14);
        x = Fill(rng, 32 * 14 * 14);
        w = Fill(rng, 32 * 32 * 9);
        bias = Fill(rng, 32);
        y = new float[32 * 14 * 14];
    }

    private static float[] Fill(Random rng, int size)
    {
        var v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float)rng.NextDouble() - 0.5f;
        return v;
    }

    [Benchmark]
    public void Gemm() => Gemm32.Multiply(Variant, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);

    /// <summary>ResNet-20 stage 2: 32→32 channels, 3×3, pad 1, on 14×14, one image (Size does not apply).</summary>
    [Benchmark]
    public void Conv3x3() => ConvKernels.Forward(Variant, conv, 0, x, w, bias, y);
}
