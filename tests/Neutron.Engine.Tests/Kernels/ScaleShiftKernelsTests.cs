// BatchNormalization's fused affine + activation pass against the scalar twins, bit for bit, for every kernel set,
// plane sizes that exercise the 16- and 8-lane bodies and the tail, and values that include NaN, ±Inf and ±0.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class ScaleShiftKernelsTests
{
    private static readonly Activation[] Kinds =
        [Activation.None, new(ActivationKind.Relu), new(ActivationKind.Clip, 0f, 6f), new(ActivationKind.LeakyRelu, 0.1f), new(ActivationKind.Silu)];

    private static float[] Values(Random rng, int length)
    {
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 6f, 1e30f];
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = rng.Next(5) == 0 ? special[rng.Next(special.Length)] : (float)(rng.NextDouble() * 20 - 10);
        return x;
    }

    [Theory]
    [MemberData(nameof(Gemm32Tests.Variants), MemberType = typeof(Gemm32Tests))]
    public void Planes_match_the_affine_twin_then_the_activation(KernelVariant variant)
    {
        var rng = new Random(7);
        foreach (var f in Kinds)
        foreach (int inner in new[] { 1, 4, 7, 8, 9, 16, 23, 24, 31, 64, 100 })
        {
            const int c = 3, planes = 7, first = 2, count = 4;
            var x = Values(rng, planes * inner);
            var folded = Values(rng, 2 * c);
            folded[0] = -0f;
            var y = Enumerable.Repeat(42f, planes * inner).ToArray();
            ScaleShiftKernels.Planes(variant, f, x, y, folded.AsSpan(0, c), folded.AsSpan(c, c), inner, first, count);
            var expected = Enumerable.Repeat(42f, planes * inner).ToArray();
            for (int p = first; p < first + count; p++)
            {
                var plane = expected.AsSpan(p * inner, inner);
                ScaleShiftKernels.Reference(x.AsSpan(p * inner, inner), folded[p % c], folded[c + p % c], plane);
                for (int i = 0; i < inner; i++) plane[i] = ActivationKernels.Reference(f, plane[i]);
            }
            BitAssert.Same(expected, y, $"{variant} {f} planes of {inner}");
        }
    }

    [Theory]
    [MemberData(nameof(Gemm32Tests.Variants), MemberType = typeof(Gemm32Tests))]
    public void Rows_with_factors_per_element_match_the_twins(KernelVariant variant)
    {
        var rng = new Random(8);
        foreach (var f in Kinds)
        for (int length = 0; length <= 40; length++)
        {
            var x = Values(rng, length);
            var a = Values(rng, length);
            var b = Values(rng, length);
            var y = new float[length];
            ScaleShiftKernels.RowsThen(variant, f, x, a, b, y);
            var expected = new float[length];
            for (int i = 0; i < length; i++)
            {
                ScaleShiftKernels.Reference(x.AsSpan(i, 1), a[i], b[i], expected.AsSpan(i, 1));
                expected[i] = ActivationKernels.Reference(f, expected[i]);
            }
            BitAssert.Same(expected, y, $"{variant} {f} length {length}");
            // In place, as the planner may alias y with x.
            var inPlace = (float[])x.Clone();
            ScaleShiftKernels.RowsThen(variant, f, inPlace, a, b, inPlace);
            BitAssert.Same(expected, inPlace, $"{variant} {f} length {length} in place");
        }
    }
}
