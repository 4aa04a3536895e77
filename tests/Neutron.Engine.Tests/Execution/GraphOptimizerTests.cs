// GraphOptimizer against the graph as stored. The tolerance: rewrites other than the BatchNormalization fold are
// exact (the epilogues are the operators' own arithmetic), so a model without BatchNormalization gives the same
// bits; with folds, logits may differ by Tolerance × max |logit| (weights scaled once, in float, instead of the
// output), and the top-1 class of every image must be the same.
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Execution;

public class GraphOptimizerTests
{
    public const float Tolerance = 1e-5f;

    /// <summary>A float tensor of uniform values in [−1, 1).</summary>
    private static Tensor RandomTensor(Random rng, int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float, shape);
        foreach (ref float v in t.Floats) v = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    /// <summary>A BatchNormalization variance: uniform values in [0.1, 1.1), drawn as RandomTensor draws them.</summary>
    private static Tensor Variance(Random rng, int channels)
    {
        var t = RandomTensor(rng, [channels]);
        foreach (ref float v in t.Floats) v = Math.Abs(v) + 0.1f;
        return t;
    }

    /// <summary>A node named after its type and first output.</summary>
    private static Node N(string op, string[] inputs, string[] outputs, Dictionary<string, object>? attributes = null) =>
        new() { Name = $"{op}_{outputs[0]}", OpType = op, Inputs = inputs, Outputs = outputs, Attributes = new Attributes(attributes ?? [], op) };

    private static Tensor Images(int count)
    {
        var all = Npy.Load(SharedData.Path("reference", "fmnist_test1000_x.npy"));
        int image = all.Length / all.Shape[0];
        return Tensor.FromFloats(all.Floats[..(count * image)].ToArray(), [count, .. all.Shape[1..]]);
    }

    [Fact]
    public void ResNet20_folds_every_batch_normalization_within_the_tolerance()
    {
        var model = OnnxReader.Load(SharedData.Path("models", "resnet20.onnx"));
        var optimized = InferenceSession.Optimized(model);
        Assert.Equal(model.Nodes.Count(n => n.OpType == "BatchNormalization"), optimized.Optimization!.FoldedNormalizations);
        Assert.True(optimized.Optimization.FoldedNormalizations > 0);
        Assert.DoesNotContain(optimized.Model.Nodes, n => n.OpType == "BatchNormalization");
        Assert.Equal(model.Nodes.Count(n => n.OpType == "Add"), optimized.Optimization.FusedResiduals); // every residual Add
        var x = Images(100);
        var stored = new InferenceSession(model).Run(x);
        var fast = optimized.Run(x);
        AssertClose(stored, fast, Tolerance);
    }

    [Fact]
    public void Without_batch_normalization_the_rewrite_is_bit_exact()
    {
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var optimized = InferenceSession.Optimized(model);
        Assert.True(optimized.Optimization!.FusedActivations >= 2, $"{optimized.Optimization.FusedActivations} activations fused");
        Assert.DoesNotContain(optimized.Model.Nodes, n => n.OpType == "Relu");
        var x = Images(64);
        var stored = new InferenceSession(model).Run(x);
        var fast = optimized.Run(x);
        for (int i = 0; i < stored.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(stored.Floats[i]), BitConverter.SingleToInt32Bits(fast.Floats[i]));
    }

    // x → Identity → Conv → BatchNormalization → Clip(0, 6) → Dropout → depthwise Conv → (Sigmoid, Mul) = SiLU →
    // Flatten → Gemm → LeakyRelu → y; and a second output read straight from a Conv, which must stay as it is.
    private static Model Handmade()
    {
        var rng = new Random(3);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var variance = Variance(rng, 4);
        return new Model
        {
            Nodes =
            [
                N("Identity", ["x"], ["x1"]),
                N("Conv", ["x1", "w1", "b1"], ["c1"], new() { ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("BatchNormalization", ["c1", "scale", "shift", "mean", "var"], ["n1"]),
                N("Clip", ["n1", "lo", "hi"], ["r1"]),
                N("Dropout", ["r1"], ["d1"]),
                N("Conv", ["d1", "w2"], ["c2"], new() { ["group"] = 4L, ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("Sigmoid", ["c2"], ["s2"]),
                N("Mul", ["c2", "s2"], ["m2"]),
                N("Flatten", ["m2"], ["f"]),
                N("Gemm", ["f", "wf", "bf"], ["g"], new() { ["transB"] = 1L }),
                N("LeakyRelu", ["g"], ["y"], new() { ["alpha"] = 0.1f }),
                N("Conv", ["x1", "w3"], ["side"]),
                N("Relu", ["side"], ["side_relu"]),
            ],
            Initializers = new()
            {
                ["w1"] = Random(4, 2, 3, 3), ["b1"] = Random(4), ["scale"] = Random(4), ["shift"] = Random(4), ["mean"] = Random(4),
                ["var"] = variance, ["lo"] = Tensor.Scalar(0f), ["hi"] = Tensor.Scalar(6f), ["w2"] = Random(4, 1, 3, 3),
                ["wf"] = Random(5, 4 * 9 * 9), ["bf"] = Random(5), ["w3"] = Random(3, 2, 1, 1),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 2, 9, 9])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null), new ValueInfo("side", DataType.Undefined, null), new ValueInfo("side_relu", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
    }

    // A classifier at a small batch: the optimised session transposes B and keeps it in panels of sixteen columns
    // (37 outputs: two panels and a tail; 300 inputs: two summation blocks). The same bits as the stored graph, on the
    // first run (packing) and the next (kept), and for a batch past the few-row path (nine rows).
    [Fact]
    public void A_few_row_gemm_with_kept_panels_gives_the_stored_graphs_bits()
    {
        var rng = new Random(8);
        var model = new Model
        {
            Nodes = [N("Gemm", ["x", "w", "b"], ["y"], new() { ["transB"] = 1L })],
            Initializers = new() { ["w"] = RandomTensor(rng, [37, 300]), ["b"] = RandomTensor(rng, [37]) },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 300])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        var stored = new InferenceSession(model);
        var optimized = InferenceSession.Optimized(model);
        Assert.Equal(1, optimized.Optimization!.TransposedWeights);
        foreach (int batch in new[] { 3, 8, 3, 9 })
        {
            var x = RandomTensor(rng, [batch, 300]);
            x.Floats[5] = float.NaN;
            var expected = stored.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
            var actual = optimized.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
            Assert.Equal(expected.Shape, actual.Shape);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected.Floats[i]) == BitConverter.SingleToInt32Bits(actual.Floats[i]),
                    $"batch {batch}: y[{i}] = {actual.Floats[i]}, stored graph {expected.Floats[i]}");
        }
    }

    [Fact]
    public void Every_rewrite_applies_where_it_may_and_nowhere_else()
    {
        var model = Handmade();
        var optimized = GraphOptimizer.Optimize(model);
        Assert.Equal(2, optimized.Removed);
        Assert.Equal(1, optimized.FoldedNormalizations);
        Assert.Equal(3, optimized.FusedActivations); // Clip, SiLU, LeakyRelu; not the Relu of a graph output
        Assert.Equal(1, optimized.TransposedWeights);
        Assert.Equal(0, optimized.Model.Nodes.Single(n => n.OpType == "Gemm").Attributes.Int("transB", 0));
        Assert.Equal(["Conv", "Conv", "Flatten", "Gemm", "Conv", "Relu"], optimized.Model.Nodes.Select(n => n.OpType));
        Assert.Equal([ActivationKind.Clip, ActivationKind.Silu, ActivationKind.LeakyRelu],
            optimized.Model.Nodes.Where(optimized.Epilogues.ContainsKey).Select(n => optimized.Epilogues[n].Kind));

        var x = Tensor.Zeros(DataType.Float, 3, 2, 9, 9);
        var rng = new Random(4);
        foreach (ref float v in x.Floats) v = (float)(rng.NextDouble() * 4 - 2);
        var stored = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        var fast = InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        foreach (var name in new[] { "y", "side", "side_relu" }) AssertClose(stored[name], fast[name], Tolerance);
    }

    [Fact]
    public void A_batch_normalization_or_an_add_before_its_relu_takes_the_relu_bit_for_bit()
    {
        // DenseNet's order, x → BatchNormalization → Relu → Conv (no Conv before the normalization to fold it into),
        // then ResNet's Add → Relu.
        var rng = new Random(5);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var variance = Variance(rng, 6);
        var model = new Model
        {
            Nodes =
            [
                N("BatchNormalization", ["x", "scale", "shift", "mean", "var"], ["n"]),
                N("Relu", ["n"], ["r"]),
                N("Conv", ["r", "w"], ["c"], new() { ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("Add", ["c", "c"], ["s"]),  // a residual Add and its ReLU
                N("Relu", ["s"], ["y"]),
            ],
            Initializers = new() { ["scale"] = Random(6), ["shift"] = Random(6), ["mean"] = Random(6), ["var"] = variance, ["w"] = Random(4, 6, 3, 3) },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 6, 11, 11])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        var optimized = GraphOptimizer.Optimize(model);
        Assert.Equal(["BatchNormalization", "Conv", "Add"], optimized.Model.Nodes.Select(n => n.OpType));
        Assert.Equal(ActivationKind.Relu, optimized.Epilogues[optimized.Model.Nodes[0]].Kind);
        Assert.Equal(ActivationKind.Relu, optimized.Epilogues[optimized.Model.Nodes[2]].Kind);
        var x = Random(3, 6, 11, 11);
        x.Floats[5] = float.NaN;
        var stored = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        var fast = InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        for (int i = 0; i < stored.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(stored.Floats[i]), BitConverter.SingleToInt32Bits(fast.Floats[i]));
    }

    [Theory]
    [InlineData(11)]  // planes of 121: runs of planes per part
    [InlineData(3)]   // planes of 9: factors spread over the image
    public void A_channel_concat_read_only_by_a_batch_normalization_is_read_part_by_part_bit_for_bit(int side)
    {
        // DenseNet's layer: features so far joined along the channels, then BatchNormalization → Relu. The Concat
        // feeding a second reader (the graph output here) stays as it is.
        var rng = new Random(6);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var variance = Variance(rng, 9);
        var model = new Model
        {
            Nodes =
            [
                N("Relu", ["x"], ["a"]),
                N("Conv", ["x", "w"], ["b"], new() { ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("Concat", ["a", "b", "x"], ["joined"], new() { ["axis"] = 1L }),
                N("BatchNormalization", ["joined", "scale", "shift", "mean", "var"], ["n"]),
                N("Relu", ["n"], ["y"]),
                N("Concat", ["a", "b"], ["kept"], new() { ["axis"] = 1L }),
                N("BatchNormalization", ["kept", "scale6", "shift6", "mean6", "var6"], ["z"]),
            ],
            Initializers = new()
            {
                ["scale"] = Random(9), ["shift"] = Random(9), ["mean"] = Random(9), ["var"] = variance, ["w"] = Random(3, 3, 3, 3),
                ["scale6"] = Random(6), ["shift6"] = Random(6), ["mean6"] = Random(6), ["var6"] = Random(6),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 3, side, side])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null), new ValueInfo("kept", DataType.Undefined, null), new ValueInfo("z", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        foreach (ref float v in model.Initializers["var6"].Floats) v = Math.Abs(v) + 0.1f;
        var optimized = GraphOptimizer.Optimize(model);
        Assert.Equal(1, optimized.FusedConcats);
        var fusedNormalization = Assert.Single(optimized.ConcatParts).Key;
        Assert.Equal(["a", "b", "x", "scale", "shift", "mean", "var"], fusedNormalization.Inputs);
        Assert.Single(optimized.Model.Nodes, n => n.OpType == "Concat");
        var x = Random(5, 3, side, side);
        x.Floats[7] = float.NaN;
        x.Floats[8] = -0f;
        var stored = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        var fast = InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        foreach (var name in new[] { "y", "kept", "z" })
            for (int i = 0; i < stored[name].Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(stored[name].Floats[i]), BitConverter.SingleToInt32Bits(fast[name].Floats[i]));
    }

    [Fact]
    public void A_pad_by_zeros_is_removed_and_a_real_one_kept()
    {
        // PyTorch's AvgPool2d export in DenseNet: Pad with all-zero pads, then AveragePool.
        var rng = new Random(8);
        var model = new Model
        {
            Nodes =
            [
                N("Pad", ["x", "z"], ["p"]),
                N("AveragePool", ["p"], ["a"], new() { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } }),
                N("Pad", ["a", "one"], ["y"]),
            ],
            Initializers = new() { ["z"] = Tensor.FromLongs(DataType.Int64, new long[8], 8), ["one"] = Tensor.FromLongs(DataType.Int64, [0, 0, 1, 1, 0, 0, 1, 1], 8) },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 3, 6, 6])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        var optimized = GraphOptimizer.Optimize(model);
        Assert.Equal(1, optimized.Removed);
        Assert.Equal(["AveragePool", "Pad"], optimized.Model.Nodes.Select(n => n.OpType));
        var x = RandomTensor(rng, [2, 3, 6, 6]);
        var stored = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        var fast = InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        Assert.Equal(stored.Shape, fast.Shape);
        for (int i = 0; i < stored.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(stored.Floats[i]), BitConverter.SingleToInt32Bits(fast.Floats[i]));
    }

    // Residual Adds read from a Conv: fused into that Conv (the shortcut added in its copy out, a ReLU after it fused
    // too), on every path: ConvDirect's pixel rows (24 channels) and channel rows (8), a depthwise Conv (a pass of its
    // own), a broadcasting Add (the Conv apart, then the Add); not an Add of two Convs' outputs twice, and not an Add
    // of a stored tensor. Bit for bit, NaN included.
    [Fact]
    public void A_residual_add_fuses_into_its_conv_bit_for_bit()
    {
        var rng = new Random(8);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var pads = new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 1, 1 } };
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "w1", "b1"], ["a"], pads),
                N("Relu", ["a"], ["ar"]),
                N("Conv", ["ar", "w2", "b2"], ["c"], pads),
                N("Add", ["x", "c"], ["s"]),                       // skip first
                N("Relu", ["s"], ["y"]),
                N("Conv", ["x", "w3"], ["k"], pads),
                N("Conv", ["x", "w4"], ["k2"]),
                N("Add", ["k", "k2"], ["z"]),                      // conv first; k2 then feeds the fused Conv, not an Add
                N("Conv", ["x", "wd"], ["p"], new() { ["group"] = 24L, ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("Add", ["p", "x"], ["q"]),                       // depthwise
                N("ReduceMean", ["x"], ["e"], new() { ["axes"] = new long[] { 2, 3 } }),
                N("Conv", ["x", "w5"], ["d"], pads),
                N("Add", ["d", "e"], ["u"]),                       // broadcasts [N,24,1,1]
                N("Conv", ["x", "w6"], ["h"], pads),
                N("Add", ["h", "stored"], ["v"]),                  // a stored tensor: stays an Add
            ],
            Initializers = new()
            {
                ["w1"] = Random(24, 24, 3, 3), ["b1"] = Random(24), ["w2"] = Random(24, 24, 3, 3), ["b2"] = Random(24),
                ["w3"] = Random(8, 24, 3, 3), ["w4"] = Random(8, 24, 1, 1), ["wd"] = Random(24, 1, 3, 3), ["w5"] = Random(24, 24, 3, 3),
                ["w6"] = Random(24, 24, 3, 3), ["stored"] = Random(24, 7, 7),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 24, 7, 7])],
            Outputs = new[] { "y", "z", "q", "u", "v" }.Select(o => new ValueInfo(o, DataType.Undefined, null)).ToList(),
            Opsets = new() { [""] = 13 },
        };
        var optimized = GraphOptimizer.Optimize(model);
        Assert.Equal(4, optimized.FusedResiduals);
        Assert.Equal(["Conv", "Conv", "Conv", "Conv", "Conv", "ReduceMean", "Conv", "Conv", "Add"], optimized.Model.Nodes.Select(n => n.OpType));
        Assert.Equal([false, true, true, true], optimized.Model.Nodes.Where(optimized.Residuals.ContainsKey).Select(n => optimized.Residuals[n].ConvFirst));
        Assert.Equal(2, optimized.FusedActivations); // the first Conv's ReLU and the one after the fused Add
        var x = Random(3, 24, 7, 7);
        x.Floats[11] = float.NaN;
        x.Floats[500] = float.PositiveInfinity;
        var stored = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        var fast = InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x });
        foreach (var name in new[] { "y", "z", "q", "u", "v" })
        {
            Assert.Equal(stored[name].Shape, fast[name].Shape);
            for (int i = 0; i < stored[name].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(stored[name].Floats[i]) == BitConverter.SingleToInt32Bits(fast[name].Floats[i]),
                    $"{name}[{i}]: stored {stored[name].Floats[i]}, fused {fast[name].Floats[i]}");
        }
    }

    // MobileNet-like chains (stem, expand → depthwise → project with a residual, a 5×5 stride-2 depthwise, a padded
    // 3×3 conv, a broadcasting residual whose shortcut has one channel) keep their values channels last where every
    // writer and reader is such a Conv, never a value a non-Conv reads, and give the stored graph's bits.
    [Fact]
    public void Channels_last_chains_give_the_stored_graphs_bits()
    {
        var rng = new Random(9);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        Dictionary<string, object> Attrs(long group = 1, long stride = 1, long pad = 0) => new()
        {
            ["group"] = group, ["strides"] = new[] { stride, stride }, ["pads"] = new[] { pad, pad, pad, pad },
        };
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "w0", "b0"], ["c0"], Attrs(stride: 2, pad: 1)), N("Clip", ["c0", "lo", "hi"], ["a"]),
                N("Conv", ["a", "w1"], ["c1"]), N("Clip", ["c1", "lo", "hi"], ["e1"]),
                N("Conv", ["e1", "w2"], ["c2"], Attrs(group: 40, pad: 1)), N("Clip", ["c2", "lo", "hi"], ["d1"]),
                N("Conv", ["d1", "w3", "b3"], ["p1"]), N("Add", ["a", "p1"], ["r1"]),
                N("Conv", ["r1", "w4"], ["c4"]), N("Clip", ["c4", "lo", "hi"], ["e2"]),
                N("Conv", ["e2", "w5"], ["c5"], Attrs(group: 72, stride: 2, pad: 2)), N("Clip", ["c5", "lo", "hi"], ["d2"]),
                N("Conv", ["d2", "w6"], ["p2"]),
                N("Conv", ["p2", "w7"], ["c7"], Attrs(pad: 1)), N("Relu", ["c7"], ["q"]),
                N("Conv", ["q", "w8"], ["s"]),
                N("Conv", ["q", "w9", "b9"], ["t"]), N("Add", ["t", "s"], ["u"]),  // fuses into the Conv of s: [N,1,5,5] + [N,24,5,5]
                N("Conv", ["u", "w10"], ["z"]),
                N("GlobalAveragePool", ["z"], ["y"]),
            ],
            Initializers = new()
            {
                ["w0"] = Random(32, 3, 3, 3), ["b0"] = Random(32), ["lo"] = Tensor.Scalar(0f), ["hi"] = Tensor.Scalar(6f),
                ["w1"] = Random(40, 32, 1, 1), ["w2"] = Random(40, 1, 3, 3), ["w3"] = Random(32, 40, 1, 1), ["b3"] = Random(32),
                ["w4"] = Random(72, 32, 1, 1), ["w5"] = Random(72, 1, 5, 5), ["w6"] = Random(24, 72, 1, 1), ["w7"] = Random(36, 24, 3, 3),
                ["w8"] = Random(1, 36, 1, 1), ["w9"] = Random(24, 36, 1, 1), ["b9"] = Random(24), ["w10"] = Random(20, 24, 1, 1),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 3, 17, 17])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        string[] chain = ["a", "e1", "d1", "r1", "e2", "d2", "p2", "z"]; // z: a GlobalAveragePool reads either layout
        Assert.Equal(chain.Concat(["q", "t", "u"]).Order(), GraphOptimizer.Optimize(model, KernelVariant.Avx2).ChannelsLast.Order());
        // Under avx512 the one-channel Conv keeps its channel-rows path, so its output and shortcut stay planar; it
        // still reads its channels-last input.
        if (KernelSet.IsSupported(KernelVariant.Avx512))
            Assert.Equal(chain.Append("q").Order(), GraphOptimizer.Optimize(model, KernelVariant.Avx512).ChannelsLast.Order());
        Assert.Empty(GraphOptimizer.Optimize(model, KernelVariant.Scalar).ChannelsLast);

        var x = Random(3, 3, 17, 17);
        x.Floats[40] = float.NaN;
        x.Floats[700] = float.NegativeInfinity;
        AssertStoredBits(model, x, "y");
    }

    // SqueezeNet- and GoogLeNet-like: a stem, ceil-mode max pools, fire modules whose two expansions meet in a channel
    // Concat, and a Concat that also reads the graph input (so it and its inputs stay planar): pools and Concats
    // between channels-last values keep them so, and the stored graph's bits come out.
    [Fact]
    public void Channels_last_pools_and_concats_give_the_stored_graphs_bits()
    {
        var rng = new Random(10);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var pool = new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = new long[] { 2, 2 }, ["ceil_mode"] = 1L };
        var pads = new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 1, 1 } };
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "w0", "b0"], ["c0"], new() { ["strides"] = new long[] { 2, 2 } }), N("Relu", ["c0"], ["r0"]),
                N("MaxPool", ["r0"], ["m0"], pool),
                N("Conv", ["m0", "ws", "bs"], ["cs"]), N("Relu", ["cs"], ["s"]),
                N("Conv", ["s", "we1", "be1"], ["c1"]), N("Relu", ["c1"], ["e1"]),
                N("Conv", ["s", "we3", "be3"], ["c3"], pads), N("Relu", ["c3"], ["e3"]),
                N("Concat", ["e1", "e3"], ["f"], new() { ["axis"] = 1L }),
                N("MaxPool", ["f"], ["m1"], new() { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("Conv", ["m1", "wc"], ["cc"]), N("Relu", ["cc"], ["k"]),
                N("GlobalAveragePool", ["k"], ["y"]),
                N("Conv", ["x", "wx"], ["cx"], new() { ["strides"] = new long[] { 2, 2 } }),
                N("Relu", ["x"], ["xr"]),
                N("Conv", ["xr", "wx2"], ["cx2"], new() { ["strides"] = new long[] { 2, 2 } }),
                N("MaxPool", ["x"], ["xp"], new() { ["kernel_shape"] = new long[] { 1, 1 }, ["strides"] = new long[] { 2, 2 } }),
                N("Concat", ["cx", "cx2", "xp"], ["z"], new() { ["axis"] = 1L }),
            ],
            Initializers = new()
            {
                ["w0"] = Random(24, 3, 3, 3), ["b0"] = Random(24), ["ws"] = Random(20, 24, 1, 1), ["bs"] = Random(20),
                ["we1"] = Random(32, 20, 1, 1), ["be1"] = Random(32), ["we3"] = Random(40, 20, 3, 3), ["be3"] = Random(40),
                ["wc"] = Random(18, 72, 1, 1), ["wx"] = Random(24, 3, 1, 1), ["wx2"] = Random(24, 3, 1, 1),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 3, 29, 29])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null), new ValueInfo("z", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        var optimized = GraphOptimizer.Optimize(model, KernelVariant.Avx2);
        Assert.Equal(new[] { "r0", "m0", "s", "e1", "e3", "f", "m1", "k" }.Order(), optimized.ChannelsLast.Order());
        Assert.Equal(new Dictionary<string, ConcatSlice> { ["e1"] = new("f", 0), ["e3"] = new("f", 32) }, optimized.WrittenIntoConcats);

        var x = Random(3, 3, 29, 29);
        x.Floats[100] = float.NaN;
        x.Floats[2000] = float.PositiveInfinity;
        AssertStoredBits(model, x, "y", "z");
    }

    // Convolutions write into their channel Concat's output only when every input of the Concat is an ungrouped
    // Conv's output that nothing else reads: not a value read twice, not a MaxPool's output, not one value joined to
    // itself. Three convolutions joined in place get their offsets in the Concat's order, and every Concat gives the
    // stored graph's bits; asking for a value written in place is a clear error.
    [Fact]
    public void Convolutions_write_into_their_concat_only_when_it_is_all_theirs()
    {
        var rng = new Random(12);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var pad = new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 1, 1 } };
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "wa", "ba"], ["ca"], pad), N("Relu", ["ca"], ["ra"]),
                N("Conv", ["ra", "wp"], ["cp"]), N("Relu", ["cp"], ["rp"]),
                N("Conv", ["ra", "wq", "bq"], ["cq"], pad), N("Relu", ["cq"], ["rq"]),
                N("Concat", ["rp", "rq"], ["u"], new() { ["axis"] = 1L }),      // rp is also read by the next Conv
                N("Conv", ["rp", "wv"], ["v"]),
                N("MaxPool", ["ra"], ["mp"], new() { ["kernel_shape"] = new long[] { 1, 1 } }),
                N("Concat", ["v", "mp"], ["t"], new() { ["axis"] = 1L }),       // a MaxPool's output
                N("Conv", ["ra", "ws"], ["s"]),
                N("Concat", ["s", "s"], ["d"], new() { ["axis"] = 1L }),        // one value twice
                N("Conv", ["ra", "w1", "b1"], ["k1"]),
                N("Conv", ["ra", "w2"], ["k2"], pad), N("Relu", ["k2"], ["r2"]),
                N("Conv", ["ra", "w3", "b3"], ["k3"], new() { ["pads"] = new long[] { 2, 2, 2, 2 } }),
                N("Concat", ["r2", "k3", "k1"], ["i"], new() { ["axis"] = 1L }),
                N("Conv", ["u", "wu"], ["cu"]), N("GlobalAveragePool", ["cu"], ["y1"]),
                N("Conv", ["t", "wt"], ["ct"]), N("GlobalAveragePool", ["ct"], ["y2"]),
                N("Conv", ["d", "wd"], ["cd"]), N("GlobalAveragePool", ["cd"], ["y3"]),
                N("Conv", ["i", "wi"], ["ci"]), N("GlobalAveragePool", ["ci"], ["y4"]),
            ],
            Initializers = new()
            {
                ["wa"] = Random(24, 3, 3, 3), ["ba"] = Random(24), ["wp"] = Random(20, 24, 1, 1), ["wq"] = Random(28, 24, 3, 3), ["bq"] = Random(28),
                ["wv"] = Random(24, 20, 1, 1), ["ws"] = Random(24, 24, 1, 1),
                ["w1"] = Random(40, 24, 1, 1), ["b1"] = Random(40), ["w2"] = Random(24, 24, 3, 3), ["w3"] = Random(32, 24, 5, 5), ["b3"] = Random(32),
                ["wu"] = Random(24, 48, 1, 1), ["wt"] = Random(24, 48, 1, 1), ["wd"] = Random(24, 48, 1, 1), ["wi"] = Random(24, 96, 1, 1),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 3, 13, 11])],
            Outputs = new[] { "y1", "y2", "y3", "y4" }.Select(n => new ValueInfo(n, DataType.Undefined, null)).ToList(),
            Opsets = new() { [""] = 13 },
        };
        foreach (var variant in new[] { KernelVariant.Avx2, KernelVariant.Avx512 })
        {
            var optimized = GraphOptimizer.Optimize(model, variant);
            Assert.Subset(optimized.ChannelsLast.ToHashSet(), new HashSet<string> { "u", "t", "d", "i" });
            Assert.Equal(new Dictionary<string, ConcatSlice> { ["r2"] = new("i", 0), ["k3"] = new("i", 24), ["k1"] = new("i", 56) }, optimized.WrittenIntoConcats);
        }
        Assert.Empty(GraphOptimizer.Optimize(model, KernelVariant.Scalar).WrittenIntoConcats);

        var x = Random(2, 3, 13, 11);
        x.Floats[17] = float.NaN;
        x.Floats[300] = float.NegativeInfinity;
        AssertStoredBits(model, x, "y1", "y2", "y3", "y4");
        if (KernelSet.Active == KernelVariant.Scalar) return; // nothing is kept channels last, so nothing is written in place
        var error = Assert.Throws<ModelException>(() => InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x }, ["k3"]));
        Assert.Contains("'k3' is written straight into 'i'", error.Message);
    }

    // EfficientNet-like: expand → depthwise → SiLU, a squeeze-and-excitation (GlobalAveragePool, reduce, expand,
    // Sigmoid, Mul by the (N, C, 1, 1) scale, the scale first) → project, with a residual Add of two convolutions,
    // and a Mul by a one-channel map (a broadcast the channels-last path runs through NCHW copies).
    [Fact]
    public void Channels_last_squeeze_and_excitation_gives_the_stored_graphs_bits()
    {
        var rng = new Random(11);
        Tensor Random(params int[] shape) => RandomTensor(rng, shape);
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "w0", "b0"], ["c0"]), N("Sigmoid", ["c0"], ["g0"]), N("Mul", ["c0", "g0"], ["e"]),
                N("Conv", ["e", "wd", "bd"], ["cd"], new() { ["group"] = 48L, ["pads"] = new long[] { 2, 2, 2, 2 } }),
                N("Sigmoid", ["cd"], ["gd"]), N("Mul", ["cd", "gd"], ["d"]),
                N("GlobalAveragePool", ["d"], ["sq"]),
                N("Conv", ["sq", "wr", "br"], ["cr"]), N("Relu", ["cr"], ["r"]),
                N("Conv", ["r", "wx", "bx"], ["cx"]), N("Sigmoid", ["cx"], ["sc"]),
                N("Mul", ["sc", "d"], ["se"]),
                N("Conv", ["se", "wp"], ["p"]),
                N("Conv", ["se", "wq"], ["q"]),
                N("Add", ["p", "q"], ["pq"]),
                N("Conv", ["pq", "w1"], ["one"]),
                N("Mul", ["pq", "one"], ["masked"]),
                N("Conv", ["masked", "wh"], ["h"]),
                N("GlobalAveragePool", ["h"], ["y"]),
            ],
            Initializers = new()
            {
                ["w0"] = Random(48, 8, 1, 1), ["b0"] = Random(48), ["wd"] = Random(48, 1, 5, 5), ["bd"] = Random(48),
                ["wr"] = Random(12, 48, 1, 1), ["br"] = Random(12), ["wx"] = Random(48, 12, 1, 1), ["bx"] = Random(48),
                ["wp"] = Random(24, 48, 1, 1), ["wq"] = Random(24, 48, 1, 1), ["w1"] = Random(1, 24, 1, 1), ["wh"] = Random(32, 24, 1, 1),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 8, 11, 11])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        var kept = GraphOptimizer.Optimize(model, KernelVariant.Avx2).ChannelsLast;
        // p's Conv takes the Add (q its shortcut); r, the (N, 12, 1, 1) reduction, is stored alike either way.
        Assert.Equal(new[] { "e", "d", "r", "sc", "se", "q", "pq", "one", "masked", "h" }.Order(), kept.Order());

        var x = Random(3, 8, 11, 11);
        x.Floats[50] = float.NaN;
        AssertStoredBits(model, x, "y");
    }

    /// <summary>The optimised session's outputs are the stored graph's, bit for bit.</summary>
    private static void AssertStoredBits(Model model, Tensor x, params string[] outputs)
    {
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };
        var stored = new InferenceSession(model).Run(inputs);
        var fast = InferenceSession.Optimized(model).Run(inputs);
        foreach (var name in outputs)
        {
            Assert.Equal(stored[name].Shape, fast[name].Shape);
            for (int i = 0; i < stored[name].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(stored[name].Floats[i]) == BitConverter.SingleToInt32Bits(fast[name].Floats[i]),
                    $"{name}[{i}]: stored {stored[name].Floats[i]}, optimised {fast[name].Floats[i]}");
        }
    }

    [Fact]
    public void A_graph_that_is_not_float32_is_left_as_stored()
    {
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var half = new Model
        {
            Nodes = model.Nodes, Initializers = model.Initializers, Inputs = model.Inputs.Select(i => i with { Type = DataType.Float16 }).ToList(),
            Outputs = model.Outputs, Opsets = model.Opsets,
        };
        Assert.Same(half, GraphOptimizer.Optimize(half).Model);
    }

    // A Cast into an integer type (ShuffleNet's shape arithmetic) leaves the graph float32; one into double does not.
    [Theory]
    [InlineData(7L, true)]   // int64
    [InlineData(11L, false)] // double
    [InlineData(10L, false)] // float16
    public void A_cast_stops_the_rewrite_only_into_another_float_type(long to, bool rewritten)
    {
        var model = Handmade();
        var cast = new Node
        {
            Name = "Cast_shape", OpType = "Cast", Inputs = ["x"], Outputs = ["x_cast"],
            Attributes = new Attributes(new Dictionary<string, object> { ["to"] = to }, "Cast"),
        };
        var withCast = model.With([.. model.Nodes, cast], model.Initializers);
        var optimized = GraphOptimizer.Optimize(withCast);
        Assert.Equal(rewritten, !ReferenceEquals(withCast, optimized.Model));
        Assert.Equal(rewritten ? 3 : 0, optimized.FusedActivations);
    }

    // Conv → (HardSigmoid(1/6, 1/2), Mul) is Hardswish as exporters write it below opset 14: one HardSwish epilogue,
    // the same bits as the stored pair. Another HardSigmoid (alpha 0.2) is a different gate and stays.
    [Theory]
    [InlineData(1f / 6f, true)]
    [InlineData(0.2f, false)]
    public void Mul_by_a_hard_sigmoid_of_one_sixth_fuses_as_hard_swish(float alpha, bool fused)
    {
        var rng = new Random(6);
        var w = Tensor.Zeros(DataType.Float, 3, 2, 3, 3);
        foreach (ref float v in w.Floats) v = (float)(rng.NextDouble() * 2 - 1);
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "w"], ["c"], new() { ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("HardSigmoid", ["c"], ["h"], new() { ["alpha"] = alpha, ["beta"] = 0.5f }),
                N("Mul", ["c", "h"], ["y"]),
            ],
            Initializers = new() { ["w"] = w },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 2, 6, 6])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
        var optimized = GraphOptimizer.Optimize(model);
        Assert.Equal(fused ? 1 : 0, optimized.FusedActivations);
        if (fused) Assert.Equal(ActivationKind.HardSwish, optimized.Epilogues.Values.Single().Kind);
        var x = Tensor.Zeros(DataType.Float, 2, 2, 6, 6);
        foreach (ref float v in x.Floats) v = (float)(rng.NextDouble() * 8 - 4);
        var stored = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        var fast = InferenceSession.Optimized(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];
        for (int i = 0; i < stored.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(stored.Floats[i]), BitConverter.SingleToInt32Bits(fast.Floats[i]));
    }

    private static void AssertClose(Tensor expected, Tensor actual, float tolerance)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected.Floats[i]));
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected.Floats[i] - actual.Floats[i]));
        Assert.True(worst <= tolerance * Math.Max(scale, 1f), $"max |Δ| = {worst}, max |logit| = {scale}");
        if (expected.Shape.Length != 2) return;
        int cols = expected.Shape[1];
        for (int r = 0; r < expected.Shape[0]; r++)
        {
            var e = expected.Floats.Slice(r * cols, cols);
            var a = actual.Floats.Slice(r * cols, cols);
            int be = 0, ba = 0;
            for (int c = 1; c < cols; c++) { if (e[c] > e[be]) be = c; if (a[c] > a[ba]) ba = c; }
            Assert.Equal(be, ba);
        }
    }
}
