// GemmSlices and ConvChannel against their oracles, bit for bit: the full product of
// Gemm32.Multiply (avx2), ConvKernels.Forward and the Conv operator (both of its batch paths). Inputs include
// huge, infinite and NaN values, which a flipped exponent bit produces.
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class GemmSlicesTests
{
    private static float[] Values(Random rng, int n, bool extreme)
    {
        var v = Gemm32Tests.Random(rng, n);
        if (extreme)
            for (int i = 0; i < n; i += 17)
                v[i] = (i / 17 % 4) switch { 0 => 3e38f, 1 => float.PositiveInfinity, 2 => float.NaN, _ => -1.7e38f };
        return v;
    }

    private static void AssertBitEqual(float expected, float actual, string what) =>
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual)
            || (float.IsNaN(expected) && float.IsNaN(actual)), $"{what}: {actual}, full product {expected}");

    [TheoryRequiringSlices]
    [InlineData(7, 5, 3, false, 1f, 0f, false)]
    [InlineData(13, 37, 400, true, 1f, 1f, false)]     // LeNet fc1 shape class: two KC blocks, bias row
    [InlineData(9, 20, 600, false, 0.5f, 2f, false)]   // three KC blocks, fused beta
    [InlineData(6, 16, 256, true, 1f, 0f, true)]       // exactly one block, extreme values
    [InlineData(11, 3, 513, true, 2f, 1f, true)]
    [InlineData(4, 4, 0, false, 1f, 3f, false)]        // k = 0: only beta·C
    public void Rows_and_columns_equal_the_full_product(int m, int n, int k, bool transB, float alpha, float beta, bool extreme)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        var a = Values(rng, m * k, extreme);
        var b = Values(rng, k * n, extreme);
        var c0 = Gemm32Tests.Random(rng, m * n);
        var full = (float[])c0.Clone();
        int ldb = transB ? k : n;
        Gemm32.Multiply(KernelVariant.Avx2, false, transB, m, n, k, alpha, a, k, b, ldb, beta, full, n);

        for (int j = 0; j < n; j++)
        {
            var column = new float[m];
            for (int i = 0; i < m; i++) column[i] = c0[i * n + j];
            GemmSlices.Column(transB, m, k, j, alpha, a, k, b, ldb, beta, column);
            for (int i = 0; i < m; i++) AssertBitEqual(full[i * n + j], column[i], $"column {j} row {i}");
        }
        if (transB) return; // rows take B as stored (k, n)
        for (int i = 0; i < m; i++)
        {
            var row = c0.AsSpan(i * n, n).ToArray();
            GemmSlices.Row(k, n, alpha, a.AsSpan(i * k, k), b, n, beta, row);
            for (int j = 0; j < n; j++) AssertBitEqual(full[i * n + j], row[j], $"row {i} column {j}");
        }
    }

    [FactRequiringSlices]
    public void Conv_channels_equal_the_kernel_and_the_operator()
    {
        // (C, H, W, M, kH, kW, group, stride, dilation, pad): LeNet conv1/conv2, strided, pointwise, grouped, deep patch
        int[][] cases =
        [
            [1, 28, 28, 6, 5, 5, 1, 1, 1, 2], [6, 14, 14, 16, 5, 5, 1, 1, 1, 0], [16, 9, 11, 32, 3, 3, 1, 2, 1, 1],
            [16, 8, 8, 8, 1, 1, 1, 1, 1, 0], [8, 7, 9, 12, 3, 3, 4, 1, 2, 2], [64, 7, 7, 4, 3, 3, 1, 1, 1, 1],
        ];
        var rng = new Random(31);
        foreach (var c in cases)
        foreach (bool extreme in new[] { false, true })
        foreach (int batch in new[] { 1, 3, 11, 16 }) // 8 and 16: the transposes of full groups of eight images
        {
            int outH = (c[1] + 2 * c[9] - (c[8] * (c[4] - 1) + 1)) / c[7] + 1;
            int outW = (c[2] + 2 * c[9] - (c[8] * (c[5] - 1) + 1)) / c[7] + 1;
            var g = new Conv2D(batch, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[7], c[8], c[8], c[9], c[9], outH, outW);
            var x = Tensor.FromFloats(Values(rng, batch * g.C * g.H * g.W, false), batch, g.C, g.H, g.W);
            var w = Tensor.FromFloats(Values(rng, g.M * g.PatchSize, extreme), g.M, g.CPerGroup, g.KH, g.KW);
            var b = Tensor.FromFloats(Gemm32Tests.Random(rng, g.M), g.M);
            var attributes = new Dictionary<string, object>
            {
                ["group"] = (long)g.Group, ["strides"] = new long[] { c[7], c[7] }, ["dilations"] = new long[] { c[8], c[8] },
                ["pads"] = new long[] { c[9], c[9], c[9], c[9] },
            };
            var node = new Node { Name = "conv", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "conv") };
            var op = new Conv(node, 13);
            var y = Tensor.Zeros(DataType.Float, op.Infer([new(DataType.Float, x.Shape), new(DataType.Float, w.Shape), new(DataType.Float, b.Shape)])[0].Shape);
            op.Run([x, w, b], [y]);
            int inPer = g.C * g.H * g.W, outPer = g.M * g.OutSpatial;
            var planes = new float[batch * g.OutSpatial];
            for (int o = 0; o < g.M; o++)
            {
                ConvChannel.Forward(g, o, x.Floats, batch, w.Floats, b.Floats, planes);
                for (int n = 0; n < batch; n++)
                {
                    var kernel = new float[outPer];
                    for (int gi = 0; gi < g.Group; gi++) ConvKernels.Forward(KernelVariant.Avx2, g, gi, x.Floats.Slice(n * inPer, inPer), w.Floats, b.Floats, kernel);
                    for (int p = 0; p < g.OutSpatial; p++)
                    {
                        string what = $"case [{string.Join(",", c)}] batch {batch} image {n} channel {o} position {p}";
                        AssertBitEqual(kernel[o * g.OutSpatial + p], planes[n * g.OutSpatial + p], what + " vs ConvKernels.Forward");
                        AssertBitEqual(y.Floats[n * outPer + o * g.OutSpatial + p], planes[n * g.OutSpatial + p], what + " vs the Conv operator");
                    }
                }
            }
        }
    }
}
