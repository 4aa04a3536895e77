// DepthwiseConv's padded and channels-in-lanes paths against their twin, the row path, bit for bit, under each vector kernel set: MobileNet,
// EfficientNet and ShuffleNet shapes (3×3 and 5×5, stride 1 and 2, planes from 1×1 to wider than a vector), dilated
// and asymmetric pads, inputs with Inf and NaN. A non-finite tap must leave the padded path (0·Inf is NaN) and still
// give the row path's bits; channels-last images give them too; the Conv operator's channel-run tasks with a fused activation give the per-channel bits.
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class DepthwiseConvTests
{
    // (C, H, W, k, stride, dilation, padTop, padLeft, padBottom, padRight)
    private static readonly int[][] Cases =
    [
        [16, 6, 6, 3, 1, 1, 1, 1, 1, 1],      // late MobileNetV2 layers: narrower than a vector
        [8, 3, 3, 3, 1, 1, 1, 1, 1, 1],
        [8, 2, 2, 5, 1, 1, 2, 2, 2, 2],       // window larger than the plane
        [8, 1, 1, 3, 1, 1, 1, 1, 1, 1],
        [6, 12, 12, 3, 2, 1, 1, 1, 1, 1],     // stride 2
        [6, 11, 13, 5, 2, 1, 2, 2, 2, 2],     // 5×5 stride 2, odd planes
        [4, 24, 24, 5, 1, 1, 2, 2, 2, 2],     // 5×5
        [4, 48, 48, 3, 1, 1, 1, 1, 1, 1],     // wide enough for the row path's interior lanes
        [4, 48, 40, 3, 2, 1, 0, 0, 1, 1],     // asymmetric pads (TF "same")
        [3, 9, 9, 3, 1, 2, 2, 2, 2, 2],       // dilated
        [3, 12, 31, 5, 3, 2, 4, 3, 4, 5],     // stride 3, dilated, asymmetric
        [5, 7, 7, 3, 1, 1, 0, 0, 0, 0],       // no padding
        // Planes of at most 256 elements with at most 64 outputs run eight channels to the lanes, the rest per channel.
        [19, 3, 3, 5, 1, 1, 2, 2, 2, 2],      // EfficientNet's last stage at 96²: 5×5 taps on 3×3 planes
        [17, 6, 6, 5, 2, 1, 2, 2, 2, 2],
        [24, 14, 14, 3, 2, 1, 1, 1, 1, 1],
        [9, 16, 16, 3, 2, 1, 1, 1, 1, 1],     // the largest such plane and output (8×8)
        [9, 12, 12, 3, 1, 1, 1, 1, 1, 1],     // 12×12 outputs: per channel again
        [11, 7, 9, 3, 3, 2, 4, 3, 4, 5],      // stride 3, dilated, asymmetric
        [16, 4, 4, 3, 1, 1, 0, 0, 0, 0],
    ];

    public static TheoryData<KernelVariant> VectorVariants()
    {
        var data = new TheoryData<KernelVariant>();
        foreach (var v in KernelSet.Supported)
            if (v != KernelVariant.Scalar) data.Add(v);
        return data;
    }

    private static Conv2D Geometry(int[] c)
    {
        int k = c[3], s = c[4], d = c[5];
        int outH = (c[1] + c[6] + c[8] - (d * (k - 1) + 1)) / s + 1;
        int outW = (c[2] + c[7] + c[9] - (d * (k - 1) + 1)) / s + 1;
        return new Conv2D(1, c[0], c[1], c[2], c[0], k, k, c[0], s, s, d, d, c[6], c[7], outH, outW) { PadBottom = c[8], PadRight = c[9] };
    }

    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Padded_path_gives_the_row_path_bits(KernelVariant variant)
    {
        var rng = new Random(16);
        foreach (var c in Cases)
        foreach (bool withBias in new[] { true, false })
        {
            var g = Geometry(c);
            var x = Gemm32Tests.Random(rng, g.C * g.H * g.W);
            x[0] = float.PositiveInfinity;
            x[^1] = float.NaN;
            x[x.Length / 2] = -0f;
            var w = Gemm32Tests.Random(rng, g.C * g.KH * g.KW);
            w[1] = -0f;
            w[2] = 3e38f;
            var b = withBias ? Gemm32Tests.Random(rng, g.C) : [];
            var rows = new float[g.C * g.OutSpatial];
            var padded = new float[rows.Length];
            Array.Fill(padded, 12345f); // every output must be written
            for (int ch = 0; ch < g.C; ch++) DepthwiseConv.Rows(variant, g, ch, x, w, b, rows);
            DepthwiseConv.Channels(variant, g, 0, g.C, x, w, b, padded);
            BitAssert.Same(rows, padded, $"{variant} case [{string.Join(",", c)}] bias {withBias}");
            var reference = new float[rows.Length];
            for (int ch = 0; ch < g.C; ch++) ConvKernels.Reference(g, ch, x, w, b, reference);
            for (int i = 0; i < reference.Length; i++)
                if (float.IsFinite(reference[i]))
                    Assert.True(Math.Abs(reference[i] - padded[i]) <= 1e-3f * Math.Max(1f, Math.Abs(reference[i])),
                        $"{variant} case [{string.Join(",", c)}]: y[{i}] = {padded[i]}, direct reference {reference[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void A_non_finite_tap_gives_the_row_path_bits_and_poisons_only_its_outputs(KernelVariant variant)
    {
        var rng = new Random(3);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
        foreach (var c in Cases)
        {
            var g = Geometry(c);
            var x = Gemm32Tests.Random(rng, g.C * g.H * g.W);
            var w = Gemm32Tests.Random(rng, g.C * g.KH * g.KW);
            w[g.KH * g.KW + 0] = bad; // channel 1, corner tap: reads padding at the top-left border
            var b = Gemm32Tests.Random(rng, g.C);
            var rows = new float[g.C * g.OutSpatial];
            var actual = new float[rows.Length];
            for (int ch = 0; ch < g.C; ch++) DepthwiseConv.Rows(variant, g, ch, x, w, b, rows);
            DepthwiseConv.Channels(variant, g, 0, g.C, x, w, b, actual);
            BitAssert.Same(rows, actual, $"{variant} {bad} case [{string.Join(",", c)}]");
            var reference = new float[rows.Length];
            for (int ch = 0; ch < g.C; ch++) ConvKernels.Reference(g, ch, x, w, b, reference);
            for (int i = 0; i < reference.Length; i++) Assert.Equal(float.IsFinite(reference[i]), float.IsFinite(actual[i]));
        }
    }

    // Channels-last images (an optimised session's MobileNet chains): every case, more channels than a vector
    // (16- and 8-lane groups and scalar channels past them), a NaN tap, row ranges split in two, and a fused
    // activation: the row path's bits followed by the activation's scalar twin.
    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Channels_last_rows_give_the_row_path_bits(KernelVariant variant)
    {
        var rng = new Random(64);
        int[][] wide = [[40, 20, 20, 3, 1, 1, 1, 1, 1, 1], [33, 15, 17, 5, 2, 1, 2, 2, 2, 2], [27, 9, 30, 3, 1, 2, 2, 1, 2, 3],
            [72, 9, 13, 3, 1, 1, 1, 1, 1, 1], [88, 7, 7, 5, 2, 1, 2, 2, 2, 2]]; // border outputs four channel groups at a time
        Activation[] activations = [default, new(ActivationKind.Clip, 0f, 6f), new(ActivationKind.Silu)];
        foreach (var c in Cases.Concat(wide))
        foreach (var f in activations)
        foreach (bool badTap in new[] { false, true })
        {
            var g = Geometry(c);
            var x = Gemm32Tests.Random(rng, g.C * g.H * g.W);
            x[0] = float.PositiveInfinity;
            x[^1] = float.NaN;
            var w = Gemm32Tests.Random(rng, g.C * g.KH * g.KW);
            if (badTap) w[rng.Next(w.Length)] = float.NaN;
            var b = f.IsNone ? [] : Gemm32Tests.Random(rng, g.C);
            var expected = new float[g.C * g.OutSpatial];
            for (int ch = 0; ch < g.C; ch++) DepthwiseConv.Rows(variant, g, ch, x, w, b, expected);
            expected = expected.Select(v => ActivationKernels.Reference(f, v)).ToArray();

            var taps = new float[w.Length];
            DepthwiseConv.PackTaps(g, w, taps);
            var input = ConvDirectTests.Relayout(x, 1, g.C, g.H * g.W, true);
            var actual = new float[expected.Length];
            Array.Fill(actual, 12345f); // every output must be written
            int half = g.OutH / 2;
            DepthwiseConv.ChannelsLastRows(variant, g, 0, half, input, taps, b, actual, f);
            DepthwiseConv.ChannelsLastRows(variant, g, half, g.OutH - half, input, taps, b, actual, f);
            BitAssert.Same(expected, ConvDirectTests.Relayout(actual, 1, g.C, g.OutSpatial, false),
                $"{variant} {f} NaN tap {badTap} case [{string.Join(",", c)}]");
        }
    }

    // The operator splits a batch into (image, run of channels) tasks and applies the fused activation per run.
    [Theory]
    [InlineData(3, 6, 1)]
    [InlineData(3, 20, 2)]
    [InlineData(2, 48, 1)]
    public void Conv_operator_with_a_fused_activation_gives_the_per_channel_bits(int batch, int size, int stride)
    {
        var rng = new Random(size + stride);
        int c = 40;
        var x = Tensor.FromFloats(Gemm32Tests.Random(rng, batch * c * size * size), batch, c, size, size);
        var w = Tensor.FromFloats(Gemm32Tests.Random(rng, c * 9), c, 1, 3, 3);
        var b = Tensor.FromFloats(Gemm32Tests.Random(rng, c), c);
        var attributes = new Dictionary<string, object>
        {
            ["group"] = (long)c, ["pads"] = new long[] { 1, 1, 1, 1 }, ["strides"] = new long[] { stride, stride },
        };
        var node = new Node { Name = "dw", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "dw") };
        var op = new Conv(node, 13) { Epilogue = new Activation(ActivationKind.Clip, 0f, 0.5f) };
        var type = op.Infer([new TensorType(DataType.Float, x.Shape), new TensorType(DataType.Float, w.Shape), new TensorType(DataType.Float, b.Shape)])[0];
        var y = Tensor.Zeros(DataType.Float, type.Shape);
        op.Run([x, w, b], [y]);
        var g = op.Geometry(x.Shape, w.Shape);
        int inPer = c * size * size, outPer = c * g.OutSpatial;
        var expected = new float[batch * outPer];
        for (int n = 0; n < batch; n++)
        for (int ch = 0; ch < c; ch++)
            ConvKernels.Forward(g, ch, x.Floats.Slice(n * inPer, inPer), w.Floats, b.Floats, expected.AsSpan(n * outPer, outPer));
        ActivationKernels.Apply(op.Epilogue, expected);
        BitAssert.Same(expected, y.Floats.ToArray(), $"batch {batch} {size}×{size} stride {stride}");
    }
}

public class DepthwiseEpilogueTests
{
    public static TheoryData<KernelVariant, ActivationKind> VariantsAndActivations()
    {
        var data = new TheoryData<KernelVariant, ActivationKind>();
        foreach (var v in KernelSet.Supported)
        foreach (var kind in new[] { ActivationKind.Clip, ActivationKind.Relu, ActivationKind.Silu, ActivationKind.HardSwish, ActivationKind.Sigmoid })
            data.Add(v, kind);
        return data;
    }

    // The activation fused into Channels (Relu, Clip and HardSwish in registers, the others in passes over runs of
    // planes): the bits of Channels without it followed by one pass of the activation, under every kernel set (scalar
    // included), on planes from 3×3 to 56×56 (the padded path's eight-vector blocks), stride 1 and 2, 3×3 and 5×5.
    // A run of planes is cut where a row-path channel (an Inf tap) meets in-register ones, and every 4,096 elements:
    // 56×56 planes cut every two channels, 600 planes of 3×3 and 130 of 6×6 once, off plane boundaries of the run.
    [Theory]
    [MemberData(nameof(VariantsAndActivations))]
    public void Fused_activation_gives_the_bits_of_a_separate_pass(KernelVariant variant, ActivationKind kind)
    {
        var f = kind == ActivationKind.Clip ? new Activation(kind, 0f, 6f) : new Activation(kind);
        var rng = new Random(7);
        foreach (var (c, size, k, s) in new[] { (9, 7, 3, 1), (5, 14, 5, 2), (3, 56, 3, 1), (4, 29, 3, 2), (3, 23, 5, 1), (600, 3, 3, 1), (130, 12, 5, 2), (7, 56, 3, 1) })
        {
            int pad = k / 2, outSize = (size + 2 * pad - k) / s + 1;
            var g = new Conv2D(1, c, size, size, c, k, k, c, s, s, 1, 1, pad, pad, outSize, outSize) { PadBottom = pad, PadRight = pad };
            var x = Gemm32Tests.Random(rng, c * size * size);
            for (int i = 0; i < x.Length; i++) x[i] *= 8f; // reach both Clip bounds
            x[3] = float.NaN;
            var w = Gemm32Tests.Random(rng, c * k * k);
            w[k * k + 1] = float.PositiveInfinity; // channel 1 takes the row path
            var b = Gemm32Tests.Random(rng, c);
            var expected = new float[c * g.OutSpatial];
            DepthwiseConv.Channels(variant, g, 0, c, x, w, b, expected);
            ActivationKernels.Apply(variant, f, expected, expected);
            var fused = new float[expected.Length];
            Array.Fill(fused, 12345f);
            // Two runs of channels, as the operator's tasks split them.
            DepthwiseConv.Channels(variant, g, 0, c / 2, x, w, b, fused, f);
            DepthwiseConv.Channels(variant, g, c / 2, c - c / 2, x, w, b, fused, f);
            BitAssert.Same(expected, fused, $"{variant} {kind} {c}×{size}² {k}×{k} stride {s}");
        }
    }
}
