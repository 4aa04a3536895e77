// BatchNormalization in inference mode: y = scale · (x − mean) / sqrt(var + epsilon) + B, per channel (axis 1).
//   x: (N, C, ...)   scale, B, mean, var: (C)   y: like x
// Training-mode outputs (running mean/var) are not produced: inference engines ignore them (opset ≥ 14 training_mode=1 fails at load).
// In the inference rewrite a BatchNormalization that no Conv precedes (DenseNet's BN → ReLU → Conv) applies the
// activation after it in the same pass (ScaleShiftKernels.Planes): the same bits as the two passes.
using Neutron.Engine.Kernels;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class BatchNormalization : Operator
{
    private readonly float epsilon;

    public BatchNormalization(Node node, long opset) : base(node, opset)
    {
        epsilon = node.Attributes.Float("epsilon", 1e-5f);
        if (node.Attributes.Int("training_mode", 0) != 0)
            throw Error("training_mode=1 is not supported for inference; export the model in eval mode", ModelErrorCode.UnsupportedOperator);
    }

    /// <summary>An activation applied to y plane by plane (set by GraphOptimizer when it fuses the activation node
    /// that read y; None for a graph as stored).</summary>
    public Activation Epilogue { get; set; }

    /// <summary>How many inputs X comes in (GraphOptimizer: the inputs of a channel Concat this node replaced, each
    /// normalised into its own channels of y); 1 for a graph as stored.</summary>
    public int Parts { get; init; } = 1;

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        if (x.Shape.Length < 2) throw Error($"X must be at least 2-D, got {ShapeUtil.Format(x.Shape)}");
        var shape = (int[])x.Shape.Clone();
        for (int part = 1; part < Parts; part++)
        {
            var t = Required(inputs, part);
            RequireFloat(t, $"X part {part}");
            bool fits = t.Shape.Length == shape.Length;
            for (int d = 0; fits && d < shape.Length; d++) fits = d == 1 || t.Shape[d] == shape[d];
            if (!fits) throw Error($"X part {part} {ShapeUtil.Format(t.Shape)} does not match part 0 {ShapeUtil.Format(x.Shape)} outside the channels");
            shape[1] += t.Shape[1];
        }
        int c = shape[1];
        for (int i = Parts; i < Parts + 4; i++)
        {
            var p = Required(inputs, i);
            if (ShapeUtil.Size(p.Shape) != c) throw Error($"input {i} has shape {ShapeUtil.Format(p.Shape)}, expected [{c}]");
        }
        return [new TensorType(x.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var scale = inputs[Parts]!.Floats;
        var bias = inputs[Parts + 1]!.Floats;
        var mean = inputs[Parts + 2]!.Floats;
        var variance = inputs[Parts + 3]!.Floats;
        var yb = outputs[0].FloatBuffer!;
        var shape = outputs[0].Shape;
        int n = shape[0], c = shape[1];
        int inner = c == 0 || n == 0 ? 0 : outputs[0].Length / (n * c);
        // Same arithmetic as PyTorch's CPU kernel: fold into one multiply-add per element. The folded factors are
        // recomputed every run: the fault layer may have changed scale, bias, mean or variance since the last one.
        var a = Factors(c);
        Fold(scale, bias, mean, variance, a);
        var epilogue = Epilogue;
        var (channelStarts, runStarts) = PartStarts(inputs, inner);
        if (inner < SmallPlane)
        {
            // Small planes (DenseNet's last block has 2×2 ones at 64²): the factors spread over one image's elements
            // once, then one pass per image and part.
            int perImage = c * inner;
            var (rowA, rowB) = Rows(perImage);
            for (int ch = 0; ch < c; ch++)
            {
                rowA.AsSpan(ch * inner, inner).Fill(a[ch]);
                rowB.AsSpan(ch * inner, inner).Fill(a[c + ch]);
            }
            Parallelism.For(n * Parts, perImage / Parts, task =>
            {
                var (image, part) = (task / Parts, task % Parts);
                int from = channelStarts[part] * inner, length = (channelStarts[part + 1] - channelStarts[part]) * inner;
                ScaleShiftKernels.RowsThen(KernelSet.Active, epilogue, inputs[part]!.FloatBuffer!.AsSpan(image * length, length),
                    rowA.AsSpan(from, length), rowB.AsSpan(from, length), yb.AsSpan(image * perImage + from, length));
            });
            return;
        }
        // Runs of planes per task (DenseNet's 8×8 planes are far smaller than a work item's overhead), within one
        // image and part, image by image.
        int per = PlanesPerRun(inner, c), runsPerImage = runStarts[Parts];
        Parallelism.For(n * runsPerImage, (long)per * inner, r =>
        {
            int image = r / runsPerImage, run = r % runsPerImage, part = 0;
            while (runStarts[part + 1] <= run) part++;
            int offset = channelStarts[part], channels = channelStarts[part + 1] - offset, first = (run - runStarts[part]) * per;
            ScaleShiftKernels.Planes(KernelSet.Active, epilogue, inputs[part]!.FloatBuffer!.AsSpan(image * channels * inner, channels * inner),
                yb.AsSpan((image * c + offset) * inner, channels * inner), a.AsSpan(offset, channels), a.AsSpan(c + offset, channels),
                inner, first, Math.Min(per, channels - first));
        });
    }

    private static int PlanesPerRun(int inner, int c) => Math.Clamp(16_384 / Math.Max(inner, 1), 1, Math.Max(c, 1));

    private int[] channelStarts = [], runStarts = [];

    /// <summary>Where each part of X starts among y's channels (channelStarts[Parts] = C) and among an image's runs of
    /// planes (runStarts[Parts] = runs per image). The arrays are kept between runs, so a run allocates nothing.</summary>
    private (int[] Channels, int[] Runs) PartStarts(Tensor?[] inputs, int inner)
    {
        if (channelStarts.Length != Parts + 1)
        {
            channelStarts = new int[Parts + 1];
            runStarts = new int[Parts + 1];
        }
        for (int part = 0; part < Parts; part++)
            channelStarts[part + 1] = channelStarts[part] + inputs[part]!.Shape[1];
        int per = PlanesPerRun(inner, channelStarts[Parts]);
        for (int part = 0; part < Parts; part++)
            runStarts[part + 1] = runStarts[part] + (inputs[part]!.Shape[1] + per - 1) / per;
        return (channelStarts, runStarts);
    }

    /// <summary>The per-channel factors Run applies as y = x·a + b: a in folded[0..C), b in folded[C..2C).</summary>
    public float[] Folded(Tensor scale, Tensor bias, Tensor mean, Tensor variance)
    {
        var folded = new float[2 * scale.Length];
        Fold(scale.Floats, bias.Floats, mean.Floats, variance.Floats, folded);
        return folded;
    }

    private void Fold(ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, Span<float> folded)
    {
        int c = scale.Length;
        for (int ch = 0; ch < c; ch++)
        {
            float invStd = 1f / MathF.Sqrt(variance[ch] + epsilon);
            folded[ch] = scale[ch] * invStd;
            folded[c + ch] = bias[ch] - mean[ch] * folded[ch];
        }
    }

    /// <summary>Planes smaller than this run as whole images with per-element factors.</summary>
    private const int SmallPlane = 64;

    private float[]? factors, rowA, rowB;

    private (float[] A, float[] B) Rows(int length)
    {
        if (rowA is null || rowA.Length != length)
        {
            rowA = new float[length];
            rowB = new float[length];
        }
        return (rowA, rowB!);
    }

    /// <summary>Scratch for the per-channel (a, b) pairs, reused across runs.</summary>
    private float[] Factors(int c) => factors is { } f && f.Length >= 2 * c ? f : factors = new float[2 * c];

    /// <summary>The scalar reference: y = x·a + b per element, a and b folded per channel as in Run.</summary>
    internal void Reference(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!.Floats;
        var scale = inputs[1]!.Floats;
        var bias = inputs[2]!.Floats;
        var mean = inputs[3]!.Floats;
        var variance = inputs[4]!.Floats;
        var y = outputs[0].Floats;
        var shape = inputs[0]!.Shape;
        int n = shape[0], c = shape[1];
        int inner = c == 0 || n == 0 ? 0 : x.Length / (n * c);
        for (int ch = 0; ch < c; ch++)
        {
            float invStd = 1f / MathF.Sqrt(variance[ch] + epsilon);
            float a = scale[ch] * invStd;
            float b = bias[ch] - mean[ch] * a;
            for (int img = 0; img < n; img++)
            {
                int start = (img * c + ch) * inner;
                for (int i = start; i < start + inner; i++) y[i] = x[i] * a + b;
            }
        }
    }
}
