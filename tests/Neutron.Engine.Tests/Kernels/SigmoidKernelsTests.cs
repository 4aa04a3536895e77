// SigmoidKernels: the vector lanes against the scalar twin bit for bit under every kernel set, over the whole float
// range the exponential distinguishes (its clamps, overflow and underflow edges included), and the twin against
// the exact function in double.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class SigmoidKernelsTests
{
    /// <summary>Every float step from −100 to 100 that lands on a multiple of 1/64, plus the edges and specials.</summary>
    private static float[] Sweep()
    {
        var values = new List<float>();
        for (int k = -6400; k <= 6400; k++) values.Add(k / 64f);
        foreach (float edge in new[] { 88.7228394f, 88.72284f, 88.7228f, 88.38f, 88.5f, -87.3365448f, -87.33654f, -103.9f, -104f, -87f, -88f })
        {
            values.Add(edge);
            values.Add(-edge);
            values.Add(MathF.BitIncrement(edge));
            values.Add(MathF.BitDecrement(edge));
        }
        values.AddRange([float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.Epsilon, 1e-30f, -1e-30f, 1e30f, -1e30f, float.MaxValue, float.MinValue]);
        return values.ToArray();
    }

    [Theory]
    [MemberData(nameof(Gemm32Tests.Variants), MemberType = typeof(Gemm32Tests))]
    public void Vector_lanes_match_the_scalar_twin_bit_for_bit(KernelVariant variant)
    {
        var x = Sweep();
        foreach (bool silu in new[] { false, true })
        {
            // Every offset, so each value goes through the 512-bit body, the 256-bit body and the scalar tail.
            for (int offset = 0; offset < 17; offset++)
            {
                var input = x[offset..];
                var y = new float[input.Length];
                SigmoidKernels.Apply(variant, silu, input, y);
                var expected = input.Select(v => silu ? SigmoidKernels.Silu(v) : SigmoidKernels.Sigmoid(v)).ToArray();
                BitAssert.Same(expected, y, $"{variant} {(silu ? "silu" : "sigmoid")} offset {offset}");
            }
        }
    }

    // The vector exponentials drop ExpScalar's selects for NaN and for t beyond its clamps (their lanes compute
    // e^High = +Inf and e^Low = +0 instead): every float from the clamps inward across the overflow and underflow
    // edges, and far beyond them, must still give the twin's bits.
    [Theory]
    [MemberData(nameof(Gemm32Tests.Variants), MemberType = typeof(Gemm32Tests))]
    public void Every_float_near_the_clamps_matches_the_scalar_twin(KernelVariant variant)
    {
        var x = new List<float>();
        foreach (var (from, to) in new[] { (86f, 90f), (-90f, -86f), (100f, 106f), (-106f, -100f) })
            for (float v = from; v <= to; v = MathF.BitIncrement(v)) x.Add(v);
        for (float v = 128f; v < float.PositiveInfinity; v *= 1.5f) { x.Add(v); x.Add(-v); }
        x.AddRange([float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234)]);
        var input = x.ToArray();
        var y = new float[input.Length];
        foreach (bool silu in new[] { false, true })
        {
            SigmoidKernels.Apply(variant, silu, input, y);
            BitAssert.Same(input.Select(v => silu ? SigmoidKernels.Silu(v) : SigmoidKernels.Sigmoid(v)).ToArray(), y,
                $"{variant} {(silu ? "silu" : "sigmoid")}");
        }
        Assert.Equal(float.PositiveInfinity, SigmoidKernels.ExpScalar(88.7228394f)); // what a lane clamped to High computes
        Assert.Equal(0f, SigmoidKernels.ExpScalar(-104f));                          // and one clamped to Low
        Assert.True(BitConverter.SingleToInt32Bits(SigmoidKernels.ExpScalar(-104f)) == 0, "e^Low is +0");
    }

    [Fact]
    public void The_exponential_is_within_two_ulp_of_exact()
    {
        for (int k = -87_000; k <= 88_700; k++)
        {
            float t = k / 1000f;
            float exact = (float)Math.Exp(t), got = SigmoidKernels.ExpScalar(t);
            float ulp = MathF.BitIncrement(exact) - exact;
            Assert.True(Math.Abs(got - exact) <= 2 * ulp, $"exp({t}) = {got}, exact {exact}");
        }
        Assert.Equal(float.PositiveInfinity, SigmoidKernels.ExpScalar(89f));
        Assert.Equal(0f, SigmoidKernels.ExpScalar(-105f));
        Assert.True(SigmoidKernels.ExpScalar(-90f) is > 0f and < 1e-38f); // gradual underflow
        Assert.True(float.IsNaN(SigmoidKernels.ExpScalar(float.NaN)));
        Assert.Equal(1f, SigmoidKernels.ExpScalar(0f));
    }

    [Fact]
    public void Sigmoid_and_silu_are_within_rounding_of_exact()
    {
        foreach (float v in Sweep())
        {
            if (float.IsNaN(v))
            {
                Assert.True(float.IsNaN(SigmoidKernels.Sigmoid(v)) && float.IsNaN(SigmoidKernels.Silu(v)));
                continue;
            }
            double s = 1 / (1 + Math.Exp(-(double)v));
            Assert.True(Math.Abs(SigmoidKernels.Sigmoid(v) - s) <= 4e-7 * s + 1e-36, $"sigmoid({v}) = {SigmoidKernels.Sigmoid(v)}, exact {s}");
            if (float.IsFinite(v))
            {
                double silu = v * s;
                Assert.True(Math.Abs(SigmoidKernels.Silu(v) - silu) <= 5e-7 * Math.Abs(silu) + 1e-36, $"silu({v}) = {SigmoidKernels.Silu(v)}, exact {silu}");
            }
        }
        Assert.Equal(0f, SigmoidKernels.Sigmoid(float.NegativeInfinity));
        Assert.Equal(1f, SigmoidKernels.Sigmoid(float.PositiveInfinity));
    }
}
