// The SIMD element-wise paths against their scalar twins: Relu (TensorPrimitives max) against the reference
// lambda, BatchNormalization's ScaleShift against its loop (bit-identical), 2×2 max pool against MaxPlane — with
// NaN, ±Inf and -0 placed in the data, since fault injection makes them common (DESIGN §4: Relu(NaN) = NaN,
// a max-pool window holding a NaN yields NaN).
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class ElementwiseFastPathTests
{
    private static readonly float[] Specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, -float.Epsilon, float.MaxValue];

    private static float[] Data(int seed, int n)
    {
        var x = Gemm32Tests.Random(new Random(seed), n);
        for (int i = 0; i < n; i += 7) x[i] = Specials[(i / 7) % Specials.Length];
        return x;
    }

    private static Node MakeNode(string op, Dictionary<string, object>? attributes = null) => new()
    {
        Name = op.ToLowerInvariant(), OpType = op, Inputs = ["x"], Outputs = ["y"],
        Attributes = new Attributes(attributes ?? [], op),
    };

    [Fact]
    public void Relu_fast_path_matches_the_reference_bit_for_bit_nan_included()
    {
        var relu = new Unary(MakeNode("Relu"), 14);
        foreach (int n in Enumerable.Range(0, 70).Append(255).Append(256).Append(257).Append(200_003))
        {
            var x = Data(n, n);
            var y = Tensor.Zeros(DataType.Float, n);
            relu.Run([Tensor.FromFloats(x, n)], [y]);
            for (int i = 0; i < n; i++)
            {
                float expected = relu.Reference(x[i]);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y.Floats[i])
                    || (float.IsNaN(expected) && float.IsNaN(y.Floats[i])), $"n={n} Relu({x[i]}) = {y.Floats[i]}, reference {expected}");
            }
        }
        Assert.True(float.IsNaN(relu.Reference(float.NaN)));
    }

    [Fact]
    public void BatchNormalization_fast_path_is_bit_identical_to_its_reference()
    {
        var bn = new BatchNormalization(MakeNode("BatchNormalization"), 15);
        // Planes under 64 elements run as whole images with per-element factors, larger ones plane by plane.
        foreach (var relu in new[] { false, true })
        foreach (var shape in new[] { new[] { 2, 3, 5, 7 }, [4, 16, 28, 28], [3, 5], [1, 1, 1, 1], [64, 8, 9, 9], [8, 40, 2, 2], [3, 7, 8, 8] })
        {
            bn.Epilogue = relu ? new Activation(ActivationKind.Relu) : Activation.None;
            int c = shape[1], size = ShapeUtil.Size(shape);
            var rng = new Random(size);
            var x = Tensor.FromFloats(Data(size, size), shape);
            Tensor P(float lo) => Tensor.FromFloats(Gemm32Tests.Random(rng, c).Select(v => v + lo).ToArray(), c);
            Tensor?[] inputs = [x, P(0), P(0), P(0), P(1.5f)];
            var fast = Tensor.Zeros(DataType.Float, shape);
            var reference = Tensor.Zeros(DataType.Float, shape);
            bn.Run(inputs, [fast]);
            bn.Reference(inputs, [reference]);
            if (relu)
                for (int i = 0; i < size; i++) reference.Floats[i] = ActivationKernels.Reference(new Activation(ActivationKind.Relu), reference.Floats[i]);
            for (int i = 0; i < size; i++)
                Assert.True(BitConverter.SingleToInt32Bits(reference.Floats[i]) == BitConverter.SingleToInt32Bits(fast.Floats[i])
                    || (float.IsNaN(reference.Floats[i]) && float.IsNaN(fast.Floats[i])), $"[{string.Join(",", shape)}] y[{i}] = {fast.Floats[i]}, reference {reference.Floats[i]}");
        }
    }

    [Theory]
    [InlineData(28, 28)]
    [InlineData(10, 10)]
    [InlineData(7, 41)]   // odd sizes: the last row/column is dropped (floor mode)
    [InlineData(2, 34)]
    [InlineData(4, 8)]    // four outputs a row: one Vector128 step
    [InlineData(3, 12)]   // six: two overlapping Vector128 steps
    [InlineData(6, 16)]   // eight: one Vector256 step
    [InlineData(5, 30)]   // fifteen: two overlapping Vector256 steps
    [InlineData(4, 6)]    // three: scalar
    public void Max2x2_matches_MaxPlane_and_nan_wins_its_window(int h, int w)
    {
        var g = new Conv2D(1, 1, h, w, 1, 2, 2, 1, 2, 2, 1, 1, 0, 0, h / 2, w / 2);
        Assert.True(PoolKernels.IsMax2x2(g));
        var x = Data(h * w, h * w);
        var expected = new float[g.OutSpatial];
        var actual = new float[g.OutSpatial];
        PoolKernels.MaxPlane(g, x, expected, default, 0);
        PoolKernels.Max2x2(g, x, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(actual[i]), $"{h}×{w} window {i}: {actual[i]}, reference NaN");
            else Assert.Equal(expected[i], actual[i]);
        }
        Assert.Contains(actual, float.IsNaN);
    }

    [Fact]
    public void Maxpool_operator_takes_the_fast_path_only_where_it_applies()
    {
        Assert.False(PoolKernels.IsMax2x2(new Conv2D(1, 1, 8, 8, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 5, 5)));  // padded
        Assert.False(PoolKernels.IsMax2x2(new Conv2D(1, 1, 7, 7, 1, 2, 2, 1, 2, 2, 1, 1, 0, 0, 4, 4)));  // ceil mode
        Assert.False(PoolKernels.IsMax2x2(new Conv2D(1, 1, 8, 8, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 3, 3)));  // 3×3
        var attributes = new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } };
        var pool = new Pool(MakeNode("MaxPool", attributes), 12);
        int[] shape = [3, 4, 12, 20];
        var x = Tensor.FromFloats(Data(5, ShapeUtil.Size(shape)), shape);
        var type = pool.Infer([new TensorType(DataType.Float, shape)]);
        var y = Tensor.Zeros(DataType.Float, type[0].Shape);
        pool.Run([x], [y]);
        var g = new Conv2D(3, 4, 12, 20, 4, 2, 2, 4, 2, 2, 1, 1, 0, 0, 6, 10);
        var expected = new float[y.Length];
        for (int p = 0; p < 12; p++) PoolKernels.MaxPlane(g, x.Floats.Slice(p * 240, 240), expected.AsSpan(p * 60, 60), default, 0);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Equals(y.Floats[i]) || (float.IsNaN(expected[i]) && float.IsNaN(y.Floats[i])), $"y[{i}] = {y.Floats[i]}, reference {expected[i]}");
    }
}
