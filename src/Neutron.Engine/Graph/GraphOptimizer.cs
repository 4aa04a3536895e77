// Load-time rewrites for inference: Identity, Dropout and Pad by zeros removed, BatchNormalization folded into the Conv before
// it, and an activation read only by it (Relu, Clip with constant bounds, LeakyRelu, HardSigmoid, HardSwish,
// Sigmoid, SiLU as Mul(x, Sigmoid(x)), HardSwish as Mul(x, HardSigmoid(x))) fused into its Conv, Gemm,
// BatchNormalization (one left after the folds: DenseNet's BN → ReLU) or Add (an Add → ReLU left unfused) producer
// as an epilogue; a residual Add read only from a Conv fused into that Conv (ResNet's conv → Add → ReLU becomes one
// Conv that adds the shortcut and applies the ReLU to each output block while it is in cache); a Concat read only by
// a BatchNormalization (DenseNet) read by it part by part, never joined; a Gemm's stored
// transB weight transposed once (the GEMM packs the same panels either way, so results are unchanged, but packing a
// row-major B is a copy and a transposed one a strided scatter, every run); values passed only between nodes that
// run it (convolutions, max pools, channel Concats, Add and Mul) kept channels last (NHWC), so no layer transposes
// its output, and convolutions joined by a channel Concat write straight into their channels of its output.
// Constants are folded by the Planner already. The rewritten graph loses intermediate values, so it is for inference
// only: campaigns run the graph as stored, where every node output is a fault site (docs/acceleration.md, "Fusion
// and faults").
// Only the BatchNormalization fold changes results, by rounding: the weights are scaled once instead of the
// output (GraphOptimizerTests states and checks the tolerance). Float32 graphs only (no Cast into another float
// type); others are returned unchanged.
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Graph;

/// <summary>A rewritten model, the activation each fused Conv/Gemm/BatchNormalization/Add node applies to its output,
/// and the Conv nodes that add a fourth input to their output (a residual Add fused into the Conv).</summary>
public sealed record OptimizedModel(Model Model, IReadOnlyDictionary<Node, Activation> Epilogues,
    int Removed, int FoldedNormalizations, int FusedActivations, int TransposedWeights = 0)
{
    public IReadOnlyDictionary<Node, ResidualAdd> Residuals { get; init; } = new Dictionary<Node, ResidualAdd>();

    public int FusedResiduals => Residuals.Count;

    /// <summary>BatchNormalization nodes that read the inputs of a Concat they replaced: how many (their first inputs).</summary>
    public IReadOnlyDictionary<Node, int> ConcatParts { get; init; } = new Dictionary<Node, int>();

    public int FusedConcats => ConcatParts.Count;

    /// <summary>Values stored channels last (NHWC under their NCHW shape): outputs whose producer and every reader
    /// run that layout (GraphOptimizer.ChannelsLast).</summary>
    public IReadOnlySet<string> ChannelsLast { get; init; } = new HashSet<string>();

    /// <summary>Convolution outputs written straight into their channels of a channel Concat's channels-last output
    /// (GraphOptimizer.ConcatsInPlace): by value, the Concat's output and the first channel. Such a Concat has
    /// nothing left to do.</summary>
    public IReadOnlyDictionary<string, ConcatSlice> WrittenIntoConcats { get; init; } = new Dictionary<string, ConcatSlice>();
}

/// <summary>Channels [Offset, Offset + M) of the Concat output Into.</summary>
public readonly record struct ConcatSlice(string Into, int Offset);

/// <summary>A Conv's output added to its fourth input: conv + skip when ConvFirst (the Add read the Conv as its first
/// operand), else skip + conv, so a NaN meeting a NaN keeps the operand order the Add had.</summary>
public readonly record struct ResidualAdd(bool ConvFirst);

public static class GraphOptimizer
{
    public static OptimizedModel Optimize(Model model) => Optimize(model, KernelSet.Active);

    /// <summary>Optimize for the kernel set that will run the graph (the layouts it chooses depend on it).</summary>
    public static OptimizedModel Optimize(Model model, KernelVariant variant)
    {
        var unchanged = new OptimizedModel(model, new Dictionary<Node, Activation>(), 0, 0, 0);
        if (model.RequiredInputs.Any(i => i.Type != DataType.Float)
            || model.Initializers.Values.Any(t => t.IsFloating && t.Type != DataType.Float)
            || model.Nodes.Any(n => n.Domain is not "" || n.OpType is "CastLike" or "Loop" or "If" or "Scan" || CastsToOtherFloat(n)))
            return unchanged;
        var nodes = new List<Node>(model.Nodes);
        var initializers = new Dictionary<string, Tensor>(model.Initializers, StringComparer.Ordinal);
        var outputs = model.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var epilogues = new Dictionary<Node, Activation>();
        var residuals = new Dictionary<Node, ResidualAdd>();
        int removed = RemoveIdentities(nodes, initializers, outputs);
        int folded = FoldBatchNormalizations(nodes, initializers, outputs);
        int transposed = TransposeGemmWeights(nodes, initializers);
        FuseResidualAdds(nodes, initializers, outputs, residuals);
        var parts = new Dictionary<Node, int>();
        FuseConcatsIntoNormalizations(nodes, outputs, parts);
        int fused = FuseActivations(nodes, initializers, outputs, epilogues, residuals, parts);
        var channelsLast = ChannelsLast(nodes, initializers, outputs, residuals, variant);
        var slices = ConcatsInPlace(nodes, initializers, outputs, residuals, channelsLast);
        if (removed + folded + fused + transposed + residuals.Count + parts.Count + channelsLast.Count == 0) return unchanged;
        var rewritten = model.With(nodes, initializers);
        return new OptimizedModel(rewritten, epilogues, removed, folded, fused, transposed)
            { Residuals = residuals, ConcatParts = parts, ChannelsLast = channelsLast, WrittenIntoConcats = slices };
    }

    /// <summary>
    /// Channel Concats of channels-last values whose every input is an ungrouped Conv's output read by nothing else
    /// (SqueezeNet's fire modules, GoogLeNet's inception blocks): each Conv writes its pixel rows straight into its
    /// channels of the Concat's output, so the joined tensor is never copied. The same values in the same places, so
    /// the same bits.
    /// </summary>
    private static Dictionary<string, ConcatSlice> ConcatsInPlace(List<Node> nodes, Dictionary<string, Tensor> initializers, HashSet<string> outputs,
        Dictionary<Node, ResidualAdd> residuals, IReadOnlySet<string> channelsLast)
    {
        var slices = new Dictionary<string, ConcatSlice>(StringComparer.Ordinal);
        var readers = Consumers(nodes);
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in nodes)
            foreach (var output in node.Outputs)
                if (output.Length > 0) producers[output] = node;
        foreach (var concat in nodes.Where(n => n.OpType == "Concat" && n.Domain is "" && channelsLast.Contains(n.Outputs[0])))
        {
            var parts = new List<ConcatSlice>();
            int offset = 0;
            // The Concat's layout tie keeps its inputs channels last with it. A value joined to itself has two readers.
            foreach (var input in concat.Inputs)
            {
                if (!producers.TryGetValue(input, out var conv) || conv.OpType != "Conv" || conv.Attributes.Int("group", 1) != 1
                    || residuals.ContainsKey(conv) || outputs.Contains(input)
                    || readers.GetValueOrDefault(input) is not [_] || !initializers.TryGetValue(conv.Inputs[1], out var w))
                    break;
                parts.Add(new ConcatSlice(concat.Outputs[0], offset));
                offset += w.Shape[0];
            }
            if (parts.Count < concat.Inputs.Length) continue;
            for (int i = 0; i < parts.Count; i++) slices[concat.Inputs[i]] = parts[i];
        }
        return slices;
    }

    /// <summary>
    /// The values to store channels last (NHWC): where a layer's product is [pixels][channels] (ConvDirect) or its
    /// channels fill the vector lanes (depthwise convolution, max pooling), that layout is written without a
    /// transpose and read without one, so chains of such nodes (MobileNet's expand → depthwise → project,
    /// SqueezeNet's and GoogLeNet's convolutions, pools and channel Concats, EfficientNet's squeeze-and-excitation)
    /// never transpose between them. A value qualifies when its producer and every reader run that layout: an
    /// ungrouped Conv reads and writes it freely and a GlobalAveragePool reads it (its (N, C, 1, 1) output is the
    /// same either way); a depthwise Conv, a MaxPool, a Concat along the channels, an Add and a Mul read and write
    /// it only all at once (their layout ties); a fused residual's shortcut is tied to its Conv's output; no graph
    /// output qualifies. Found by removing values that break a rule until none does. Ungrouped layers of at most
    /// sixteen output channels at stride 1 keep their channel-rows path under avx512 (it writes NCHW rows directly),
    /// so their outputs are left out; they still read channels-last inputs. The layout never changes a bit: each
    /// element's arithmetic is the same either way.
    /// </summary>
    private static HashSet<string> ChannelsLast(List<Node> nodes, Dictionary<string, Tensor> initializers, HashSet<string> outputs,
        Dictionary<Node, ResidualAdd> residuals, KernelVariant variant)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (variant == KernelVariant.Scalar || !KernelSet.IsSupported(variant)) return values;
        var ties = nodes.ToDictionary(n => n, n => Layout(n, initializers, residuals, variant));
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in nodes)
            if (ties[node] is not null && !WritesChannelRows(node, initializers, variant))
            {
                producers[node.Outputs[0]] = node;
                values.Add(node.Outputs[0]);
            }
        var readers = Consumers(nodes);
        bool Tied(Node node, string value) => ties[node] is { } tie && tie.Contains(value) && tie.All(values.Contains);
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var value in values.ToList())
            {
                var producer = producers[value];
                bool keeps = !outputs.Contains(value) && (ties[producer]!.Length == 0 || Tied(producer, value));
                foreach (var (reader, input) in readers.GetValueOrDefault(value) ?? [])
                {
                    if (!keeps) break;
                    var tie = ties[reader];
                    // An ungrouped Conv and a GlobalAveragePool read their input in either layout; anything else runs
                    // it only as its tie does.
                    if (input == 0 && reader.OpType == "GlobalAveragePool" && reader.Domain is "") continue;
                    bool free = input == 0 && reader.OpType == "Conv" && reader.Attributes.Int("group", 1) == 1 && !tie!.Contains(value);
                    keeps = tie is not null && (free || Tied(reader, value));
                }
                if (keeps) continue;
                values.Remove(value);
                changed = true;
            }
        }
        return values;
    }

    /// <summary>
    /// Whether a node runs channels-last values, and the values whose layouts it ties: null when it runs none; for an
    /// ungrouped Conv, nothing ([]: it reads its input and writes its output in either layout) or its fused
    /// shortcut and output; for a depthwise Conv, a MaxPool (2-D, no indices) or a Concat along the channels, its
    /// data inputs and output; for an Add or Mul, both inputs and the output.
    /// </summary>
    private static string[]? Layout(Node node, Dictionary<string, Tensor> initializers, Dictionary<Node, ResidualAdd> residuals, KernelVariant variant)
    {
        // One output (a MaxPool's indices may be named empty); a Conv's bias may be empty when a shortcut follows.
        if (node.Domain is not "" || node.Inputs.Length == 0 || node.Outputs.Length == 0 || node.Outputs[0].Length == 0
            || node.Outputs.Skip(1).Any(o => o.Length > 0))
            return null;
        switch (node.OpType)
        {
            case "Conv":
                if (node.Inputs.Length < 2 || !initializers.TryGetValue(node.Inputs[1], out var w) || w.Shape.Length != 4) return null;
                long group = node.Attributes.Int("group", 1);
                if (group == 1) return residuals.ContainsKey(node) ? [node.Inputs[3], node.Outputs[0]] : [];
                bool depthwise = group == w.Shape[0] && w.Shape[1] == 1 && !residuals.ContainsKey(node);
                return depthwise ? [node.Inputs[0], node.Outputs[0]] : null;
            case "MaxPool":
                return node.Inputs.Length == 1 && node.Attributes.Int("storage_order", 0) == 0 ? [node.Inputs[0], node.Outputs[0]] : null;
            case "Add" or "Mul":
                // Element-wise, or a squeeze-and-excitation's (N, C, 1, 1) scale, which both layouts store alike.
                return node.Inputs.Length == 2 && !node.Attributes.Has("broadcast") ? [.. node.Inputs, node.Outputs[0]] : null;
            case "Concat":
                return node.Attributes.Int("axis", 1) is 1 or -3 && node.Inputs.All(i => i.Length > 0) ? [.. node.Inputs, node.Outputs[0]] : null;
            default:
                return null;
        }
    }

    /// <summary>An ungrouped Conv of at most sixteen output channels at stride 1 under avx512: its channel-rows path,
    /// which writes NCHW rows directly, beats the pixel rows there, so its output stays NCHW (it still reads a
    /// channels-last input, through the pixel rows).</summary>
    private static bool WritesChannelRows(Node node, Dictionary<string, Tensor> initializers, KernelVariant variant) =>
        variant == KernelVariant.Avx512 && node.OpType == "Conv" && node.Attributes.Int("group", 1) == 1
        && initializers.TryGetValue(node.Inputs[1], out var w) && w.Shape[0] <= 16 && (node.Attributes.Ints("strides") ?? [1, 1]).All(s => s == 1);

    /// <summary>
    /// A Cast into a floating type other than float32 (double, float16, bfloat16): the graph computes in another
    /// precision there. Casts into integers (ShuffleNet's shape arithmetic) leave the float graph as it is.
    /// </summary>
    private static bool CastsToOtherFloat(Node node) =>
        node.OpType == "Cast" && node.Attributes.Int("to", 0) is 10 or 11 or 16;

    /// <summary>Readers of each value: (node, input index).</summary>
    private static Dictionary<string, List<(Node Node, int Input)>> Consumers(List<Node> nodes)
    {
        var readers = new Dictionary<string, List<(Node, int)>>(StringComparer.Ordinal);
        foreach (var node in nodes)
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                if (node.Inputs[i].Length == 0) continue;
                if (!readers.TryGetValue(node.Inputs[i], out var list)) readers[node.Inputs[i]] = list = [];
                list.Add((node, i));
            }
        return readers;
    }

    private static Node With(Node node, string[]? inputs = null, string[]? outputs = null) => new()
    {
        Name = node.Name,
        OpType = node.OpType,
        Domain = node.Domain,
        Inputs = inputs ?? node.Inputs,
        Outputs = outputs ?? node.Outputs,
        Attributes = node.Attributes,
    };

    /// <summary>Makes every reader of value 'from' read 'to' instead.</summary>
    private static void Rename(List<Node> nodes, string from, string to)
    {
        for (int i = 0; i < nodes.Count; i++)
            if (Array.IndexOf(nodes[i].Inputs, from) >= 0)
                nodes[i] = With(nodes[i], inputs: nodes[i].Inputs.Select(n => n == from ? to : n).ToArray());
    }

    private static int RemoveIdentities(List<Node> nodes, Dictionary<string, Tensor> initializers, HashSet<string> outputs)
    {
        int removed = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            bool identity = node.OpType == "Identity"
                || (node.OpType == "Dropout" && node.Inputs.Length < 3 && (node.Outputs.Length < 2 || node.Outputs[1].Length == 0))
                || (node.OpType == "Pad" && PadsNothing(node, initializers));
            if (!identity || node.Inputs.Length == 0 || node.Inputs[0].Length == 0 || outputs.Contains(node.Outputs[0])) continue;
            string from = node.Outputs[0], to = node.Inputs[0];
            nodes.RemoveAt(i--);
            Rename(nodes, from, to);
            removed++;
        }
        return removed;
    }

    private static int FoldBatchNormalizations(List<Node> nodes, Dictionary<string, Tensor> initializers, HashSet<string> outputs)
    {
        int folded = 0;
        var readers = Consumers(nodes);
        for (int i = 0; i < nodes.Count; i++)
        {
            var norm = nodes[i];
            if (norm.OpType != "BatchNormalization" || norm.Inputs.Length != 5 || norm.Outputs.Skip(1).Any(o => o.Length > 0)) continue;
            if (norm.Attributes.Int("training_mode", 0) != 0) continue;
            int p = nodes.FindIndex(n => n.OpType == "Conv" && n.Outputs.Length == 1 && n.Outputs[0] == norm.Inputs[0]);
            if (p < 0 || outputs.Contains(norm.Inputs[0]) || readers[norm.Inputs[0]].Count != 1) continue;
            var conv = nodes[p];
            var parameters = norm.Inputs.Skip(1).Select(n => initializers.GetValueOrDefault(n)).ToArray();
            var weight = initializers.GetValueOrDefault(conv.Inputs[1]);
            var bias = conv.Inputs.Length > 2 && conv.Inputs[2].Length > 0 ? initializers.GetValueOrDefault(conv.Inputs[2]) : null;
            if (weight is null || parameters.Any(t => t is null) || (conv.Inputs.Length > 2 && conv.Inputs[2].Length > 0 && bias is null)) continue;
            int m = weight.Shape[0];
            if (parameters.Any(t => t!.Length != m) || (bias is not null && bias.Length != m)) continue;
            // The operator's own fold (a = scale / sqrt(var + eps), b = B − mean·a), then W' = W·a, B' = B_conv·a + b.
            float epsilon = norm.Attributes.Float("epsilon", 1e-5f);
            var scale = parameters[0]!.Floats; var shift = parameters[1]!.Floats; var mean = parameters[2]!.Floats; var variance = parameters[3]!.Floats;
            var w = weight.Floats.ToArray();
            var b = new float[m];
            int perFilter = w.Length / m;
            for (int c = 0; c < m; c++)
            {
                float a = scale[c] * (1f / MathF.Sqrt(variance[c] + epsilon));
                float offset = shift[c] - mean[c] * a;
                for (int k = c * perFilter; k < (c + 1) * perFilter; k++) w[k] *= a;
                b[c] = (bias is null ? 0f : bias.Floats[c]) * a + offset;
            }
            string wName = Unique(initializers, $"{conv.Inputs[1]}\u00b7{norm.Name}"), bName = Unique(initializers, $"{norm.Name}\u00b7bias");
            initializers[wName] = Tensor.FromFloats(w, weight.Shape);
            initializers[bName] = Tensor.FromFloats(b, m);
            nodes[p] = With(conv, inputs: [conv.Inputs[0], wName, bName], outputs: [norm.Outputs[0]]);
            nodes.RemoveAt(i--);
            folded++;
        }
        return folded;
    }

    private static int TransposeGemmWeights(List<Node> nodes, Dictionary<string, Tensor> initializers)
    {
        int transposed = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            var gemm = nodes[i];
            if (gemm.OpType != "Gemm" || gemm.Attributes.Int("transB", 0) == 0 || gemm.Inputs.Length < 2) continue;
            if (!initializers.TryGetValue(gemm.Inputs[1], out var b) || b.Shape.Length != 2 || b.Type != DataType.Float) continue;
            int n = b.Shape[0], k = b.Shape[1];
            var source = b.Floats;
            var t = new float[n * k];
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) t[p * n + j] = source[j * k + p];
            string name = Unique(initializers, $"{gemm.Inputs[1]}\u1d40");
            initializers[name] = Tensor.FromFloats(t, k, n);
            var attributes = new Dictionary<string, object>(gemm.Attributes.All) { ["transB"] = 0L };
            var inputs = (string[])gemm.Inputs.Clone();
            inputs[1] = name;
            nodes[i] = new Node
            {
                Name = gemm.Name, OpType = gemm.OpType, Domain = gemm.Domain, Inputs = inputs, Outputs = gemm.Outputs,
                Attributes = new Attributes(attributes, gemm.ToString()),
            };
            transposed++;
        }
        return transposed;
    }

    private static string Unique(Dictionary<string, Tensor> initializers, string name)
    {
        string candidate = name;
        for (int k = 2; initializers.ContainsKey(candidate); k++) candidate = $"{name}#{k}";
        return candidate;
    }

    /// <summary>
    /// A Pad whose pads are all zero (how PyTorch exports AvgPool2d in DenseNet's transitions): a copy. Pads are an
    /// attribute before opset 11, then an input, a stored tensor here (the reader stores Constant nodes' values).
    /// </summary>
    private static bool PadsNothing(Node pad, Dictionary<string, Tensor> initializers)
    {
        if (pad.Domain is not "" || pad.Outputs.Length != 1) return false;
        if (pad.Inputs.Length < 2 || pad.Inputs[1].Length == 0)
            return (pad.Attributes.Ints("pads") ?? pad.Attributes.Ints("paddings")) is { } attribute && attribute.All(p => p == 0);
        return initializers.GetValueOrDefault(pad.Inputs[1]) is { IsFloating: false } pads && pads.Length > 0 && pads.ToLongArray().All(p => p == 0);
    }

    /// <summary>
    /// Conv → Add, where the Add is the Conv output's only reader and its other operand is computed (not a stored
    /// tensor, which would be a bias-like broadcast): one Conv node at the Add's place (every input of both is ready
    /// there), reading the other operand as a fourth input and writing the Add's output. The Conv adds it to each
    /// output element after its bias, one rounding, as the Add did; a later activation fuses into that Conv.
    /// </summary>
    private static void FuseResidualAdds(List<Node> nodes, Dictionary<string, Tensor> initializers, HashSet<string> outputs, Dictionary<Node, ResidualAdd> residuals)
    {
        foreach (var conv in nodes.Where(n => n.OpType == "Conv" && n.Domain is "" && n.Outputs.Length == 1 && n.Inputs.Length is 2 or 3).ToList())
        {
            var readers = Consumers(nodes); // again after each fusion: the Add this Conv fed may be gone
            string y = conv.Outputs[0];
            if (outputs.Contains(y) || readers.GetValueOrDefault(y) is not [var (add, side)]) continue;
            if (add.OpType != "Add" || add.Domain is not "" || add.Inputs.Length != 2 || add.Outputs.Length != 1 || add.Attributes.Has("broadcast")) continue;
            string skip = add.Inputs[1 - side];
            if (skip.Length == 0 || skip == y || initializers.ContainsKey(skip)) continue;
            var fusedNode = With(conv, inputs: [conv.Inputs[0], conv.Inputs[1], conv.Inputs.Length > 2 ? conv.Inputs[2] : "", skip], outputs: [add.Outputs[0]]);
            nodes[nodes.IndexOf(add)] = fusedNode;
            nodes.Remove(conv);
            residuals[fusedNode] = new ResidualAdd(ConvFirst: side == 0);
        }
    }

    /// <summary>
    /// Concat along the channels → BatchNormalization, where the BatchNormalization is the Concat output's only
    /// reader (DenseNet's every layer: the features so far, joined, then normalised): one BatchNormalization that
    /// reads the Concat's inputs as its first ones and writes each into its channels of the output, so the joined
    /// tensor is never written and read again. Per channel the same multiply and add, so the same bits.
    /// </summary>
    private static void FuseConcatsIntoNormalizations(List<Node> nodes, HashSet<string> outputs, Dictionary<Node, int> parts)
    {
        foreach (var normalization in nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain is "" && n.Inputs.Length == 5
            && (n.Outputs.Length == 1 || n.Outputs.Skip(1).All(o => o.Length == 0))).ToList())
        {
            string x = normalization.Inputs[0];
            var concat = nodes.FirstOrDefault(n => n.Outputs.Contains(x, StringComparer.Ordinal));
            if (concat is null || concat.OpType != "Concat" || concat.Domain is not "" || concat.Outputs.Length != 1 || outputs.Contains(x)) continue;
            if (concat.Attributes.Int("axis", 0) != 1 || concat.Inputs.Length < 2 || concat.Inputs.Any(i => i.Length == 0)) continue;
            if (Consumers(nodes).GetValueOrDefault(x) is not [(var reader, 0)] || reader != normalization) continue;
            var fusedNode = With(normalization, inputs: [.. concat.Inputs, .. normalization.Inputs[1..]]);
            nodes[nodes.IndexOf(normalization)] = fusedNode;
            nodes.Remove(concat);
            parts[fusedNode] = concat.Inputs.Length;
        }
    }

    private static int FuseActivations(List<Node> nodes, Dictionary<string, Tensor> initializers, HashSet<string> outputs, Dictionary<Node, Activation> epilogues,
        Dictionary<Node, ResidualAdd> residuals, Dictionary<Node, int> parts)
    {
        int fused = 0;
        for (int p = 0; p < nodes.Count; p++)
        {
            var producer = nodes[p];
            if (producer.OpType is not ("Conv" or "Gemm" or "BatchNormalization" or "Add") || producer.Outputs.Length != 1 || epilogues.ContainsKey(producer)) continue;
            string y = producer.Outputs[0];
            if (outputs.Contains(y)) continue;
            var readers = Consumers(nodes).GetValueOrDefault(y) ?? [];
            Activation? activation = null;
            var gone = new List<Node>();
            string result = "";
            if (readers.Count == 1 && readers[0].Input == 0)
            {
                var reader = readers[0].Node;
                activation = AsActivation(reader, initializers);
                gone.Add(reader);
                result = reader.Outputs.Length > 0 ? reader.Outputs[0] : "";
            }
            else if (readers.Count == 2 && GatedBy(readers, nodes, outputs) is { } gate)
            {
                activation = gate.Activation;
                gone.AddRange(readers.Select(r => r.Node));
                result = gate.Mul.Outputs[0];
            }
            if (activation is not { } f || result.Length == 0) continue;
            var replacement = With(producer, outputs: [result]);
            nodes[p] = replacement;
            epilogues[replacement] = f;
            if (residuals.Remove(producer, out var residual)) residuals[replacement] = residual;
            if (parts.Remove(producer, out var joined)) parts[replacement] = joined;
            foreach (var node in gone) nodes.Remove(node);
            p = nodes.IndexOf(replacement);
            fused++;
        }
        return fused;
    }

    /// <summary>
    /// x · Sigmoid(x) as SiLU, or x · HardSigmoid(x) with alpha 1/6 and beta 1/2 as HardSwish (how exporters write
    /// Hardswish below opset 14), when the two readers of x are exactly that pair and the gate has no other reader:
    /// the Mul whose output the epilogue takes over, and the activation.
    /// </summary>
    private static (Node Mul, Activation Activation)? GatedBy(List<(Node Node, int Input)> readers, List<Node> nodes, HashSet<string> outputs)
    {
        var gate = readers.FirstOrDefault(r => r.Node.OpType is "Sigmoid" or "HardSigmoid" && r.Input == 0).Node;
        var mul = readers.FirstOrDefault(r => r.Node.OpType == "Mul").Node;
        if (gate is null || mul is null || gate.Domain is not "" || mul.Inputs.Length != 2 || gate.Outputs.Length != 1 || outputs.Contains(gate.Outputs[0])) return null;
        if (!mul.Inputs.Contains(gate.Outputs[0]) || mul.Inputs[0] == mul.Inputs[1]) return null;
        if (nodes.Count(n => n.Inputs.Contains(gate.Outputs[0])) != 1) return null;
        if (gate.OpType == "Sigmoid") return (mul, new Activation(ActivationKind.Silu));
        bool hardSwish = gate.Attributes.Float("alpha", 0.2f) == 1f / 6f && gate.Attributes.Float("beta", 0.5f) == 0.5f;
        return hardSwish ? (mul, new Activation(ActivationKind.HardSwish)) : null;
    }

    /// <summary>The activation a node computes on its first input, when it can run as an epilogue.</summary>
    private static Activation? AsActivation(Node node, Dictionary<string, Tensor> initializers)
    {
        if (node.Domain is not "" || node.Outputs.Length != 1) return null;
        var a = node.Attributes;
        switch (node.OpType)
        {
            case "Relu": return new Activation(ActivationKind.Relu);
            case "LeakyRelu": return new Activation(ActivationKind.LeakyRelu, a.Float("alpha", 0.01f));
            case "HardSigmoid": return new Activation(ActivationKind.HardSigmoid, a.Float("alpha", 0.2f), a.Float("beta", 0.5f));
            case "HardSwish": return new Activation(ActivationKind.HardSwish);
            case "Sigmoid": return new Activation(ActivationKind.Sigmoid);
            case "Clip":
                if (a.Has("min") || a.Has("max"))
                    return node.Inputs.Length > 1 ? null : new Activation(ActivationKind.Clip, a.Float("min", float.NegativeInfinity), a.Float("max", float.PositiveInfinity));
                float Bound(int i, float none)
                {
                    if (node.Inputs.Length <= i || node.Inputs[i].Length == 0) return none;
                    return initializers.TryGetValue(node.Inputs[i], out var t) && t.Type == DataType.Float && t.Length == 1 ? t.Floats[0] : float.NaN;
                }
                float lo = Bound(1, float.NegativeInfinity), hi = Bound(2, float.PositiveInfinity);
                return float.IsNaN(lo) || float.IsNaN(hi) ? null : new Activation(ActivationKind.Clip, lo, hi);
            default: return null;
        }
    }
}
