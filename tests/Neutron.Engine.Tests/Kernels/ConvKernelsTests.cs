// ConvKernels' fast paths (im2col + GEMM, 1×1, depthwise) against the direct-loop Reference, per kernel set,
// over strides, pads, dilations, groups and 1-D shapes; and the Conv operator's small-batch path (GEMM split
// across cores) against the same oracle.
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class ConvKernelsTests
{
    // (C, H, W, M, kH, kW, group, strideH, strideW, dilH, dilW, padTop, padLeft, padBottom, padRight)
    private static readonly int[][] Cases =
    [
        [1, 28, 28, 6, 5, 5, 1, 1, 1, 1, 1, 2, 2, 2, 2],      // LeNet conv1
        [6, 14, 14, 16, 5, 5, 1, 1, 1, 1, 1, 0, 0, 0, 0],     // LeNet conv2
        [16, 9, 11, 32, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1],     // strided 3×3
        [16, 8, 8, 32, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],      // pointwise
        [16, 8, 8, 32, 1, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0],      // 1×1 stride 2 (ResNet shortcut)
        [8, 7, 9, 12, 3, 2, 4, 1, 2, 2, 1, 2, 0, 1, 3],       // grouped, dilated, asymmetric pads
        [8, 6, 6, 8, 1, 1, 2, 1, 1, 1, 1, 0, 0, 0, 0],        // grouped pointwise
        [12, 10, 13, 12, 3, 3, 12, 1, 1, 1, 1, 1, 1, 1, 1],   // depthwise
        [12, 10, 13, 12, 3, 3, 12, 2, 2, 1, 1, 1, 1, 1, 1],   // depthwise, stride 2
        [6, 9, 9, 6, 5, 5, 6, 1, 1, 2, 2, 4, 4, 4, 4],        // depthwise, dilated
        [5, 9, 40, 5, 3, 3, 5, 2, 2, 1, 1, 1, 1, 1, 1],       // depthwise, stride 2, wide enough for the vector lanes
        [4, 12, 61, 4, 5, 5, 4, 1, 3, 2, 2, 4, 3, 4, 5],      // depthwise, stride 3, dilated, asymmetric pads
        [3, 7, 7, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1],        // depthwise on a 7×7 plane (scalar border only)
        [3, 1, 50, 5, 1, 7, 1, 1, 3, 1, 2, 0, 4, 0, 1],       // 1-D (height 1), strided and dilated
        [2, 3, 3, 4, 5, 5, 1, 1, 1, 1, 1, 3, 3, 3, 3],        // window larger than the input, mostly padding
    ];

    private static Conv2D Geometry(int[] c, int n = 1)
    {
        int outH = (c[1] + c[11] + c[13] - (c[9] * (c[4] - 1) + 1)) / c[7] + 1;
        int outW = (c[2] + c[12] + c[14] - (c[10] * (c[5] - 1) + 1)) / c[8] + 1;
        return new Conv2D(n, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], outH, outW);
    }

    [Theory]
    [MemberData(nameof(Gemm32Tests.Variants), MemberType = typeof(Gemm32Tests))]
    public void Fast_paths_match_the_direct_reference(KernelVariant variant)
    {
        var rng = new Random(2024);
        foreach (var c in Cases)
        foreach (bool withBias in new[] { true, false })
        {
            var g = Geometry(c);
            var x = Gemm32Tests.Random(rng, g.C * g.H * g.W);
            var w = Gemm32Tests.Random(rng, g.M * g.CPerGroup * g.KH * g.KW);
            var b = withBias ? Gemm32Tests.Random(rng, g.M) : [];
            var expected = new float[g.M * g.OutSpatial];
            var actual = new float[expected.Length];
            Array.Fill(actual, float.NaN); // every output must be written
            for (int gi = 0; gi < g.Group; gi++)
            {
                ConvKernels.Reference(g, gi, x, w, b, expected);
                ConvKernels.Forward(variant, g, gi, x, w, b, actual);
            }
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f, $"{variant} case [{string.Join(",", c)}]: y[{i}] = {actual[i]}, reference {expected[i]}");
        }
    }

    // Every fast path gives avx2's bits under avx512 (the depthwise lanes are Vector512 there, the GEMM too).
    [FactRequiringKernels(KernelVariant.Avx512)]
    public void Avx512_gives_the_bits_of_avx2()
    {
        var rng = new Random(77);
        foreach (var c in Cases)
        {
            var g = Geometry(c);
            var x = Gemm32Tests.Random(rng, g.C * g.H * g.W);
            x[1] = float.PositiveInfinity;
            var w = Gemm32Tests.Random(rng, g.M * g.CPerGroup * g.KH * g.KW);
            var b = Gemm32Tests.Random(rng, g.M);
            var wide = new float[g.M * g.OutSpatial];
            var narrow = new float[wide.Length];
            for (int gi = 0; gi < g.Group; gi++)
            {
                ConvKernels.Forward(KernelVariant.Avx512, g, gi, x, w, b, wide);
                ConvKernels.Forward(KernelVariant.Avx2, g, gi, x, w, b, narrow);
            }
            for (int i = 0; i < wide.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(wide[i]) == BitConverter.SingleToInt32Bits(narrow[i]),
                    $"case [{string.Join(",", c)}]: y[{i}] avx512 {wide[i]}, avx2 {narrow[i]}");
        }
    }

    [Fact]
    public void A_nan_weight_poisons_exactly_the_outputs_it_touches()
    {
        var g = Geometry([4, 6, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        var rng = new Random(5);
        var x = Gemm32Tests.Random(rng, g.C * g.H * g.W);
        var w = Gemm32Tests.Random(rng, g.M * g.PatchSize);
        w[g.PatchSize + 4] = float.NaN; // output channel 1, centre tap of input channel 0
        var expected = new float[g.M * g.OutSpatial];
        var actual = new float[expected.Length];
        ConvKernels.Reference(g, 0, x, w, [], expected);
        ConvKernels.Forward(g, 0, x, w, [], actual);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(float.IsNaN(expected[i]), float.IsNaN(actual[i]));
        Assert.Equal(g.OutSpatial, actual.Count(float.IsNaN));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    [InlineData(1, 4)]
    public void Conv_operator_small_and_large_batches_match_the_reference(int batch, int group)
    {
        var rng = new Random(batch * 10 + group);
        int c = 8, h = 12, wd = 10, m = 16;
        var x = Tensor.FromFloats(Gemm32Tests.Random(rng, batch * c * h * wd), batch, c, h, wd);
        var w = Tensor.FromFloats(Gemm32Tests.Random(rng, m * c / group * 9), m, c / group, 3, 3);
        var b = Tensor.FromFloats(Gemm32Tests.Random(rng, m), m);
        var attributes = new Dictionary<string, object> { ["group"] = (long)group, ["pads"] = new long[] { 1, 1, 1, 1 } };
        var node = new Node { Name = "conv", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "conv") };
        var op = new Conv(node, 13);
        var type = op.Infer([new TensorType(DataType.Float, x.Shape), new TensorType(DataType.Float, w.Shape), new TensorType(DataType.Float, b.Shape)])[0];
        var y = Tensor.Zeros(DataType.Float, type.Shape);
        op.Run([x, w, b], [y]);
        var g = new Conv2D(batch, c, h, wd, m, 3, 3, group, 1, 1, 1, 1, 1, 1, h, wd);
        int inPer = c * h * wd, outPer = m * h * wd;
        var expected = new float[batch * outPer];
        for (int n = 0; n < batch; n++)
        for (int gi = 0; gi < group; gi++)
            ConvKernels.Reference(g, gi, x.Floats.Slice(n * inPer, inPer), w.Floats, b.Floats, expected.AsSpan(n * outPer, outPer));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - y.Floats[i]) <= 1e-4f, $"batch {batch} group {group}: y[{i}] = {y.Floats[i]}, reference {expected[i]}");
    }

    // The Conv operator on small planes (ConvDirect, all images in one pixel numbering) against the per-image im2col
    // kernel, bit for bit: the fault runner's slice kernels repeat the per-image arithmetic, so the layer must not
    // depart from it. Batches of 2, 5 and 70; 7×7, pointwise, strided and padded planes; a patch of 9·40 = 360 spans
    // two 256 blocks. Values include Inf and NaN.
    [Theory]
    [InlineData(2, 7, 7, 3, 1, 1, 16)]
    [InlineData(5, 7, 7, 1, 1, 0, 40)]
    [InlineData(70, 7, 7, 3, 1, 1, 40)]
    [InlineData(70, 14, 14, 3, 2, 1, 8)]
    [InlineData(5, 4, 5, 1, 1, 0, 3)]
    public void Conv_operator_on_small_planes_is_bit_identical_to_the_per_image_kernel(int batch, int h, int wd, int k, int stride, int pad, int c)
    {
        var rng = new Random(batch + h + c);
        int m = 24;
        var xs = Gemm32Tests.Random(rng, batch * c * h * wd);
        xs[3] = float.PositiveInfinity;
        xs[^2] = float.NaN;
        var ws = Gemm32Tests.Random(rng, m * c * k * k);
        ws[5] = 3e38f;
        var x = Tensor.FromFloats(xs, batch, c, h, wd);
        var w = Tensor.FromFloats(ws, m, c, k, k);
        var b = Tensor.FromFloats(Gemm32Tests.Random(rng, m), m);
        var attributes = new Dictionary<string, object> { ["strides"] = new long[] { stride, stride }, ["pads"] = new long[] { pad, pad, pad, pad } };
        var node = new Node { Name = "conv", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "conv") };
        var op = new Conv(node, 13);
        var type = op.Infer([new TensorType(DataType.Float, x.Shape), new TensorType(DataType.Float, w.Shape), new TensorType(DataType.Float, b.Shape)])[0];
        var y = Tensor.Zeros(DataType.Float, type.Shape);
        op.Run([x, w, b], [y]);
        var g = op.Geometry(x.Shape, w.Shape);
        Assert.True(g.OutSpatial < 256);
        int inPer = c * h * wd, outPer = m * g.OutSpatial;
        var expected = new float[batch * outPer];
        for (int n = 0; n < batch; n++)
            ConvKernels.Forward(g, 0, x.Floats.Slice(n * inPer, inPer), w.Floats, b.Floats, expected.AsSpan(n * outPer, outPer));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(y.Floats[i]),
                $"batch {batch} {h}×{wd}: y[{i}] = {y.Floats[i]}, per-image kernel {expected[i]}");
    }
}
