// ActivationKernels' vector bodies against the scalar twin, bit for bit, for every kind and kernel set, over every
// length from 0 to 70 (vector body and tail) and values that include NaN, ±Inf, ±0 and the clamp bounds.
using System.Runtime.Intrinsics;
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class ActivationKernelsTests
{
    private static readonly Activation[] Kinds =
    [
        new(ActivationKind.Relu), new(ActivationKind.Clip, 0f, 6f), new(ActivationKind.Clip, -1.5f, float.PositiveInfinity),
        new(ActivationKind.LeakyRelu, 0.1f), new(ActivationKind.HardSigmoid, 0.2f, 0.5f), new(ActivationKind.HardSwish),
        new(ActivationKind.Sigmoid), new(ActivationKind.Silu),
    ];

    [Theory]
    [MemberData(nameof(Gemm32Tests.Variants), MemberType = typeof(Gemm32Tests))]
    public void Every_kind_matches_its_scalar_twin_bit_for_bit(KernelVariant variant)
    {
        var rng = new Random(16);
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 6f, -1.5f, 3f, -3f, 1e30f, -1e30f];
        foreach (var f in Kinds)
        for (int length = 0; length <= 70; length++)
        {
            var x = new float[length];
            for (int i = 0; i < length; i++)
                x[i] = rng.Next(4) == 0 ? special[rng.Next(special.Length)] : (float)(rng.NextDouble() * 20 - 10);
            var y = new float[length];
            ActivationKernels.Apply(variant, f, x, y);
            var inPlace = (float[])x.Clone();
            ActivationKernels.Apply(variant, f, inPlace, inPlace);
            for (int i = 0; i < length; i++)
            {
                int expected = BitConverter.SingleToInt32Bits(ActivationKernels.Reference(f, x[i]));
                Assert.True(expected == BitConverter.SingleToInt32Bits(y[i]), $"{variant} {f} length {length}: f({x[i]}) = {y[i]}, reference {ActivationKernels.Reference(f, x[i])}");
                Assert.Equal(expected, BitConverter.SingleToInt32Bits(inPlace[i]));
            }
        }
    }

    // The per-kind structs producers apply in registers (ConvDirect's copy out), over eight and sixteen lanes.
    private readonly struct Lanes(float[] x, float[] y8, float[] y16) : IActivationUser
    {
        public float[] Y8 => y8;
        public float[] Y16 => y16;

        public void Run<T>(T f) where T : struct, IVectorActivation
        {
            for (int i = 0; i + 16 <= x.Length; i += 16)
            {
                f.Apply(Vector256.Create(x, i)).CopyTo(y8.AsSpan(i));
                f.Apply(Vector256.Create(x, i + 8)).CopyTo(y8.AsSpan(i + 8));
                f.Apply(Vector512.Create(x, i)).CopyTo(y16.AsSpan(i));
            }
        }
    }

    [FactRequiringKernels(KernelVariant.Avx512)]
    public void The_in_register_structs_match_the_scalar_twin_over_eight_and_sixteen_lanes()
    {
        var rng = new Random(17);
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 6f, -1.5f, 3f, -3f, 1e30f, -1e30f];
        var x = new float[1024];
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.Next(4) == 0 ? special[rng.Next(special.Length)] : (float)(rng.NextDouble() * 20 - 10);
        foreach (var f in Kinds.Append(default))
        {
            var lanes = new Lanes(x, new float[x.Length], new float[x.Length]);
            VectorActivations.With(f, ref lanes);
            var (y8, y16) = (lanes.Y8, lanes.Y16);
            for (int i = 0; i < x.Length; i++)
            {
                int expected = BitConverter.SingleToInt32Bits(ActivationKernels.Reference(f, x[i]));
                Assert.True(expected == BitConverter.SingleToInt32Bits(y8[i]), $"{f} over 8 lanes: f({x[i]}) = {y8[i]}");
                Assert.True(expected == BitConverter.SingleToInt32Bits(y16[i]), $"{f} over 16 lanes: f({x[i]}) = {y16[i]}");
            }
        }
    }

    [Fact]
    public void The_references_are_the_onnx_definitions()
    {
        Assert.Equal(0f, ActivationKernels.Reference(new(ActivationKind.Relu), -2f));
        Assert.True(float.IsNaN(ActivationKernels.Reference(new(ActivationKind.Relu), float.NaN)));
        Assert.Equal(6f, ActivationKernels.Reference(new(ActivationKind.Clip, 0f, 6f), 7f));
        Assert.True(float.IsNaN(ActivationKernels.Reference(new(ActivationKind.Clip, 0f, 6f), float.NaN)));
        Assert.Equal(-0.2f, ActivationKernels.Reference(new(ActivationKind.LeakyRelu, 0.1f), -2f));
        Assert.Equal(0.9f, ActivationKernels.Reference(new(ActivationKind.HardSigmoid, 0.2f, 0.5f), 2f), 6);
        Assert.Equal(2f * (2f / 6f + 0.5f), ActivationKernels.Reference(new(ActivationKind.HardSwish), 2f), 6);
        Assert.Equal(0f, ActivationKernels.Reference(new(ActivationKind.HardSwish), -4f));
        Assert.Equal(2f / (1f + MathF.Exp(-2f)), ActivationKernels.Reference(new(ActivationKind.Silu), 2f), 6);
    }
}
