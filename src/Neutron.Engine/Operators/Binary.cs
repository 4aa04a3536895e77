// Element-wise binary operators with numpy broadcasting: Add, Sub, Mul, Div, Pow (float and integer).
// Same-shape and scalar cases go through span kernels; the general case walks broadcast strides. Large same-shape
// float tensors (a residual Add) run in fixed chunks over the cores, a value per row times a tensor (squeeze and
// excitation) in runs of rows, and in the inference rewrite an Add may apply the
// activation after it (ResNet's Add → Relu) to each chunk while it is in cache: the same bits as the two passes.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public enum BinaryOp { Add, Sub, Mul, Div, Pow }

public sealed class Binary : Operator
{
    private readonly BinaryOp kind;

    public Binary(Node node, long opset, BinaryOp kind) : base(node, opset)
    {
        this.kind = kind;
    }

    /// <summary>B's shape as numpy broadcasting should see it. Before opset 7, broadcast=1 with an axis aligns B
    /// with A's dimensions starting at axis (B [3,4] against A [2,3,4,5] at axis 1 reads as [3,4,1]).</summary>
    private int[] AlignB(int[] a, int[] b)
    {
        if (Opset >= 7 || Node.Attributes.Int("broadcast", 0) == 0 || !Node.Attributes.Has("axis")) return b;
        long axis = Node.Attributes.Int("axis", 0);
        if (axis < 0) axis += a.Length;
        if (axis < 0 || axis + b.Length > a.Length) throw Error($"B {ShapeUtil.Format(b)} does not fit A {ShapeUtil.Format(a)} at axis {Node.Attributes.Int("axis", 0)}");
        return [.. b, .. Enumerable.Repeat(1, a.Length - (int)axis - b.Length)];
    }

    /// <summary>An activation applied to y (set by GraphOptimizer when it fuses the activation node that read y;
    /// None for a graph as stored).</summary>
    public Activation Epilogue { get; set; }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        if (kind != BinaryOp.Pow && a.Type != b.Type)
            throw Error($"input types differ: {a.Type.Name()} and {b.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var shape = ShapeUtil.Broadcast(a.Shape, AlignB(a.Shape, b.Shape))
            ?? throw Error($"shapes {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)} do not broadcast");
        return [new TensorType(a.Type, shape)];
    }

    /// <summary>Inputs and output stored channels last (NHWC) under their NCHW shapes: set by an optimised inference
    /// session on an Add or Mul between channels-last values (a squeeze-and-excitation's scale, whose (N, C, 1, 1)
    /// shape is the same in either layout). False for a graph as stored.</summary>
    public bool ChannelsLast { get; set; }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        if (ChannelsLast) RunChannelsLast(inputs, outputs);
        else RunChannelsFirst(inputs, outputs);
    }

    /// <summary>Operands of one shape are element-wise in either layout; a (N, C, H, W) operand with a (N, C, 1, 1)
    /// one takes each pixel's channels against the image's values, one IEEE operation per element in the node's
    /// operand order, as the planar per-row path; any other broadcast through NCHW copies.</summary>
    private void RunChannelsLast(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0];
        if (a.Shape.AsSpan().SequenceEqual(y.Shape) && b.Shape.AsSpan().SequenceEqual(y.Shape))
        {
            RunChannelsFirst(inputs, outputs);
            return;
        }
        bool perChannelB = PerChannel(b, y) && a.Shape.AsSpan().SequenceEqual(y.Shape), perChannelA = PerChannel(a, y) && b.Shape.AsSpan().SequenceEqual(y.Shape);
        if (y.Type != DataType.Float || !a.IsFloating || !b.IsFloating || kind == BinaryOp.Pow || !(perChannelA || perChannelB))
        {
            ChannelsLastCopies.RunPlanar(RunChannelsFirst, inputs, [true, true], y, outputChannelsLast: true);
            return;
        }
        int channels = y.Shape[1], pixels = y.Shape[2] * y.Shape[3];
        float[] full = (perChannelB ? a : b).FloatBuffer!, scale = (perChannelB ? b : a).FloatBuffer!, yf = y.FloatBuffer!;
        var (op, epilogue) = (kind, Epilogue);
        int rows = y.Shape[0] * pixels, per = Math.Clamp(16_384 / Math.Max(channels, 1), 1, Math.Max(rows, 1)), runs = (rows + per - 1) / per;
        Parallelism.For(runs, (long)per * channels, run =>
        {
            int first = run * per, count = Math.Min(per, rows - first);
            for (int r = first; r < first + count; r++)
            {
                var row = full.AsSpan(r * channels, channels);
                var values = scale.AsSpan(r / pixels * channels, channels);
                var output = yf.AsSpan(r * channels, channels);
                if (perChannelB) ElementwiseKernels.SameShape(op, row, values, output);
                else ElementwiseKernels.SameShape(op, values, row, output);
            }
            if (!epilogue.IsNone) ActivationKernels.Apply(epilogue, yf.AsSpan(first * channels, count * channels));
        });
    }

    /// <summary>Whether t is (N, C, 1, 1) against the 4-D y.</summary>
    private static bool PerChannel(Tensor t, Tensor y) =>
        y.Rank == 4 && t.Rank == 4 && t.Shape[0] == y.Shape[0] && t.Shape[1] == y.Shape[1] && t.Shape[2] == 1 && t.Shape[3] == 1;

    private void RunChannelsFirst(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0];
        if (Opset < 7) b = b.View(AlignB(a.Shape, b.Shape));
        if (y.Type == DataType.Float && b.IsFloating && kind != BinaryOp.Pow && a.Length == y.Length && b.Length == y.Length)
        {
            var (af, bf, yf, op, epilogue) = (a.FloatBuffer!, b.FloatBuffer!, y.FloatBuffer!, kind, Epilogue);
            ParallelChunks.For(y.Length, (start, count) =>
            {
                var ys = yf.AsSpan(start, count);
                ElementwiseKernels.SameShape(op, af.AsSpan(start, count), bf.AsSpan(start, count), ys);
                if (!epilogue.IsNone) ActivationKernels.Apply(epilogue, ys);
            });
            return;
        }
        if (y.Type == DataType.Float && b.IsFloating && kind != BinaryOp.Pow && RunPerRow(a, b, y)) return;
        if (y.IsFloating)
        {
            if (!b.IsFloating) { RunMixedPow(a, b, y); return; }
            ElementwiseKernels.Binary(kind, a.Floats, a.Shape, b.Floats, b.Shape, y.Floats, y.Shape);
            if (y.Type != DataType.Float) RoundTo(y);
            else if (!Epilogue.IsNone) ActivationKernels.Apply(Epilogue, y.Floats);
        }
        else
        {
            var bl = b.IsFloating ? b.ToLongArray() : b.Longs.ToArray();
            ElementwiseKernels.BinaryLong(kind, a.Longs, a.Shape, bl, b.Shape, y.Longs, y.Shape);
            for (int i = 0; i < y.Length; i++) y.Longs[i] = y.Type.WrapInteger(y.Longs[i]);
        }
    }

    /// <summary>
    /// One operand holding a value per row of the other (a squeeze-excitation block's (N, C, 1, 1) scale times its
    /// (N, C, H, W) input): runs of rows over the cores, each row the kernel's own loop, then the epilogue.
    /// </summary>
    private bool RunPerRow(Tensor a, Tensor b, Tensor y)
    {
        int inner;
        bool scalarFirst;
        if (a.Length == y.Length && b.Length > 1 && ElementwiseKernels.PerRow(b.Shape, y.Shape, out inner)) scalarFirst = false;
        else if (b.Length == y.Length && a.Length > 1 && ElementwiseKernels.PerRow(a.Shape, y.Shape, out inner)) scalarFirst = true;
        else return false;
        float[] full = (scalarFirst ? b : a).FloatBuffer!, perRow = (scalarFirst ? a : b).FloatBuffer!, yf = y.FloatBuffer!;
        var (op, epilogue) = (kind, Epilogue);
        int rows = y.Length / Math.Max(inner, 1), per = Math.Clamp(16_384 / Math.Max(inner, 1), 1, Math.Max(rows, 1)), runs = (rows + per - 1) / per;
        Parallelism.For(runs, (long)per * inner, run =>
        {
            int first = run * per, count = Math.Min(per, rows - first);
            for (int r = first; r < first + count; r++)
                ElementwiseKernels.RowWithScalar(op, full.AsSpan(r * inner, inner), perRow[r], yf.AsSpan(r * inner, inner), scalarFirst);
            if (!epilogue.IsNone) ActivationKernels.Apply(epilogue, yf.AsSpan(first * inner, count * inner));
        });
        return true;
    }

    private static void RoundTo(Tensor y)
    {
        var f = y.Floats;
        for (int i = 0; i < f.Length; i++) f[i] = y.Type.RoundFloat(f[i]);
    }

    private void RunMixedPow(Tensor a, Tensor b, Tensor y)
    {
        var bf = new float[b.Length];
        for (int i = 0; i < bf.Length; i++) bf[i] = b.Longs[i];
        ElementwiseKernels.Binary(kind, a.Floats, a.Shape, bf, b.Shape, y.Floats, y.Shape);
    }
}
