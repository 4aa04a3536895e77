// Conv for 1-D and 2-D inputs (1-D runs as 2-D with height 1): groups, depthwise, dilations, strides, pads, auto_pad.
//   x: (N, C, H, W)   w: (M, C/group, kH, kW)   b: (M)   y: (N, M, oH, oW)
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Conv : Operator
{
    private readonly int group;
    private Conv2D? cached;

    public Conv(Node node, long opset) : base(node, opset) => group = checked((int)node.Attributes.Int("group", 1));

    /// <summary>An activation applied to each output block right after its bias, while it is in cache: set by
    /// GraphOptimizer when it fuses the activation node that read this output. None for a graph as stored.</summary>
    public Activation Epilogue { get; set; }

    /// <summary>Set by GraphOptimizer when it fuses the Add that read this output: a fourth input added to the output
    /// after the bias and before the epilogue. Null for a graph as stored.</summary>
    public ResidualAdd? Residual { get; set; }

    /// <summary>Packed filters kept between runs: set by an optimised inference session when W is a stored tensor,
    /// which nothing changes there. Null for a graph as stored (a campaign may change weights in place).</summary>
    public PackedFilters? KeptFilters { get; set; }

    /// <summary>X is stored channels last (NHWC) under its NCHW shape: set by an optimised inference session when the
    /// producer writes it so and every reader reads it so (GraphOptimizer.ChannelsLast). False for a graph as stored.</summary>
    public bool InputChannelsLast { get; set; }

    /// <summary>Y, and a fused residual Add's other input, stored channels last (NHWC) under their NCHW shapes.</summary>
    public bool OutputChannelsLast { get; set; }

    /// <summary>Y is channels [offset, offset + M) of a wider channels-last tensor, its channel Concat's output, which
    /// the plan hands this node as its output: set by an optimised inference session (GraphOptimizer.ConcatsInPlace).</summary>
    public int? OutputChannelOffset { get; set; }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var w = Required(inputs, 1);
        RequireFloat(x, "X");
        if (x.Shape.Length is not (3 or 4))
            throw Error($"only 1-D and 2-D convolutions are supported; X is {ShapeUtil.Format(x.Shape)}", ModelErrorCode.UnsupportedOperator);
        if (w.Shape.Length != x.Shape.Length)
            throw Error($"W {ShapeUtil.Format(w.Shape)} and X {ShapeUtil.Format(x.Shape)} differ in rank");
        if (group < 1 || x.Shape[1] % group != 0 || w.Shape[0] % group != 0 || w.Shape[1] * group != x.Shape[1])
            throw Error($"X has {x.Shape[1]} channels, W {ShapeUtil.Format(w.Shape)}, group {group}: need C = W[1]·group and M divisible by group");
        if (inputs.Length > 2 && inputs[2] is { } b && (b.Shape.Length != 1 || b.Shape[0] != w.Shape[0]))
            throw Error($"B {ShapeUtil.Format(b.Shape)} must be [{w.Shape[0]}]");
        var g = Geometry(x.Shape, w.Shape);
        int[] shape = [x.Shape[0], w.Shape[0], .. (x.Shape.Length == 3 ? [g.OutW] : new[] { g.OutH, g.OutW })];
        if (Residual is not null)
        {
            var skip = Required(inputs, 3);
            RequireFloat(skip, "the fused Add's other input");
            shape = ShapeUtil.Broadcast(shape, skip.Shape)
                ?? throw Error($"the fused Add's inputs {ShapeUtil.Format(shape)} and {ShapeUtil.Format(skip.Shape)} do not broadcast");
        }
        return [new TensorType(x.Type, shape)];
    }

    /// <summary>The resolved convolution for these input and weight shapes (what Run computes with).</summary>
    public Conv2D Geometry(int[] xShape, int[] wShape)
    {
        if (cached is { } c && c.Matches(xShape, wShape)) return c;
        bool oneD = xShape.Length == 3;
        int[] kernel = oneD ? [wShape[2]] : [wShape[2], wShape[3]];
        int[] input = oneD ? [xShape[2]] : [xShape[2], xShape[3]];
        var kernelAttr = Node.Attributes.Ints("kernel_shape");
        if (kernelAttr is not null && !kernelAttr.Select(k => (int)k).SequenceEqual(kernel))
            throw Error($"kernel_shape [{string.Join(",", kernelAttr)}] disagrees with W {ShapeUtil.Format(wShape)}");
        var g = ConvGeometry.Resolve(Node.Attributes, kernel, input, false, m => Error(m));
        cached = Conv2D.From(g, xShape, wShape, group);
        return cached;
    }

    /// <summary>Multiply-adds per depthwise task: enough to outweigh a work item and the task's scratch set-up
    /// (a bordered plane cleared once per task), so late layers' small planes go many channels to a task.</summary>
    private const int DepthwiseWork = 131_072;

    /// <summary>Depthwise layers as (image, run of channels) tasks, each writing its own output planes.</summary>
    private static void Depthwise(Conv2D g, float[] xf, float[] wf, float[]? bf, float[] yf, Activation epilogue)
    {
        int perImage = g.C * g.H * g.W, outPerImage = g.M * g.OutSpatial;
        long work = Math.Max(1L, (long)g.OutSpatial * g.KH * g.KW);
        int channels = (int)Math.Clamp(DepthwiseWork / work, 1, g.C);
        int runs = (g.C + channels - 1) / channels;
        channels = (g.C + runs - 1) / runs; // runs of even length: 960 channels as 480 + 480, not 594 + 366
        runs = (g.C + channels - 1) / channels;
        Parallelism.For(g.N * runs, channels * work, task =>
        {
            int n = task / runs, first = task % runs * channels, count = Math.Min(channels, g.C - first);
            var y = yf.AsSpan(n * outPerImage, outPerImage);
            DepthwiseConv.Channels(KernelSet.Active, g, first, count, xf.AsSpan(n * perImage, perImage), wf, bf, y, epilogue);
        });
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        if (InputChannelsLast || OutputChannelsLast) RunChannelsLast(inputs, outputs);
        else RunChannelsFirst(inputs, outputs);
    }

    /// <summary>Run with NHWC input or output: the ungrouped layers through ConvDirect and depthwise ones with
    /// channels in the lanes, which read and write that layout directly; anything else (the scalar kernel set, a
    /// broadcasting residual, a layout the kernels do not pair) through NCHW copies. The same bits every way.</summary>
    private void RunChannelsLast(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Length > 2 ? inputs[2] : null;
        var skip = Residual is null ? null : inputs[3];
        var g = Geometry(x.Shape, w.Shape);
        var y = outputs[0];
        var variant = KernelSet.Active;
        // A fused residual that broadcasts (either operand) runs through the copies below.
        bool sameShapes = skip is null || (skip.Shape.AsSpan().SequenceEqual(y.Shape) && y.Shape.AsSpan().SequenceEqual([g.N, g.M, g.OutH, g.OutW]));
        if (sameShapes && x.Shape.Length == 4 && !g.IsDepthwise && ConvDirect.Supports(variant, g))
        {
            var shortcut = skip is null ? (Shortcut?)null : new Shortcut(skip.FloatBuffer!, Residual!.Value.ConvFirst);
            var rows = OutputChannelOffset is int offset ? new PixelRows(y.Shape[1], offset) : (PixelRows?)null;
            ConvDirect.Run(variant, g, x.FloatBuffer!, w.FloatBuffer!, b?.FloatBuffer, y.FloatBuffer!, Epilogue, Parallelism.For, shortcut: shortcut,
                keep: KeptFilters, inputChannelsLast: InputChannelsLast, outputChannelsLast: OutputChannelsLast, outputRows: rows);
            return;
        }
        if (OutputChannelOffset is not null)
            throw new InvalidOperationException($"{Node}: only ConvDirect writes into a Concat's output, and it does not run {g} under {variant}");
        if (skip is null && g.IsDepthwise && InputChannelsLast && OutputChannelsLast && x.Shape.Length == 4 && variant != KernelVariant.Scalar
            && KernelSet.IsSupported(variant))
        {
            DepthwiseChannelsLast(variant, g, x.FloatBuffer!, w.FloatBuffer!, b?.FloatBuffer, y.FloatBuffer!, Epilogue, KeptFilters);
            return;
        }
        bool[] relaid = [InputChannelsLast, false, false, OutputChannelsLast];
        ChannelsLastCopies.RunPlanar(RunChannelsFirst, inputs, relaid[..inputs.Length], y, OutputChannelsLast);
    }

    /// <summary>A channels-last depthwise layer as (image, run of output rows) tasks of about DepthwiseWork
    /// multiply-adds each; keep, when given, holds the taps packed as [kH·kW][C] between runs.</summary>
    private static void DepthwiseChannelsLast(KernelVariant variant, Conv2D g, float[] xf, float[] wf, float[]? bf, float[] yf, Activation epilogue,
        PackedFilters? keep)
    {
        int size = g.C * g.KH * g.KW;
        var taps = keep?.Get(wf, new(false, g.C, g.KH * g.KW, KernelVariant.Scalar), size, packed => DepthwiseConv.PackTaps(g, wf, packed))
            ?? ScratchPool.Rent(size);
        if (keep is null) DepthwiseConv.PackTaps(g, wf, taps);
        int perImage = g.C * g.H * g.W, outPerImage = g.C * g.OutSpatial;
        long rowWork = Math.Max(1L, (long)g.OutW * g.C * g.KH * g.KW);
        int rows = (int)Math.Clamp(DepthwiseWork / rowWork, 1, g.OutH);
        int parts = (g.OutH + rows - 1) / rows;
        rows = (g.OutH + parts - 1) / parts; // parts of even length
        parts = (g.OutH + rows - 1) / rows;
        Parallelism.For(g.N * parts, rows * rowWork, task =>
        {
            int n = task / parts, first = task % parts * rows, count = Math.Min(rows, g.OutH - first);
            DepthwiseConv.ChannelsLastRows(variant, g, first, count, xf.AsSpan(n * perImage, perImage), taps, bf is null ? [] : bf.AsSpan(0, g.C),
                yf.AsSpan(n * outPerImage, outPerImage), epilogue);
        });
        if (keep is null) ScratchPool.Return(taps);
    }

    private void RunChannelsFirst(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Length > 2 ? inputs[2] : null;
        var g = Geometry(x.Shape, w.Shape);
        var y = outputs[0];
        var (xf, wf, bf) = (x.FloatBuffer!, w.FloatBuffer!, b?.FloatBuffer);
        if (Residual is not { } residual)
        {
            Compute(g, xf, wf, bf, y.FloatBuffer!, Epilogue, null, KeptFilters);
            return;
        }
        var skip = inputs[3]!;
        int[] convShape = [g.N, g.M, .. (x.Shape.Length == 3 ? [g.OutW] : new[] { g.OutH, g.OutW })];
        if (skip.Shape.AsSpan().SequenceEqual(y.Shape) && convShape.AsSpan().SequenceEqual(y.Shape))
        {
            Compute(g, xf, wf, bf, y.FloatBuffer!, Epilogue, new Shortcut(skip.FloatBuffer!, residual.ConvFirst), KeptFilters);
            return;
        }
        // The Add broadcasts: the convolution apart, then the Add's own kernel, in its operand order.
        var conv = new float[g.N * g.M * g.OutSpatial];
        Compute(g, xf, wf, bf, conv, Activation.None, null, KeptFilters);
        if (residual.ConvFirst) ElementwiseKernels.Binary(BinaryOp.Add, conv, convShape, skip.Floats, skip.Shape, y.Floats, y.Shape);
        else ElementwiseKernels.Binary(BinaryOp.Add, skip.Floats, skip.Shape, conv, convShape, y.Floats, y.Shape);
        if (!Epilogue.IsNone) ActivationKernels.Apply(Epilogue, y.Floats);
    }

    /// <summary>yf = epilogue(conv(xf, wf) + bf + shortcut) for the layer g.</summary>
    private static void Compute(Conv2D g, float[] xf, float[] wf, float[]? bf, float[] yf, Activation epilogue, Shortcut? shortcut, PackedFilters? keep)
    {
        // Ungrouped layers: pixels as rows, output channels in the lanes (same bits as the im2col paths below); the
        // shortcut is added in the kernel's copy out. Other paths add it in a pass of their own.
        if (!g.IsDepthwise && ConvDirect.Supports(KernelSet.Active, g))
        {
            ConvDirect.Run(KernelSet.Active, g, xf, wf, bf, yf, epilogue, Parallelism.For, shortcut: shortcut, keep: keep);
            return;
        }
        if (shortcut is not { } added)
        {
            ComputeOther(g, xf, wf, bf, yf, epilogue);
            return;
        }
        ComputeOther(g, xf, wf, bf, yf, Activation.None);
        ParallelChunks.For(g.N * g.M * g.OutSpatial, (start, count) =>
        {
            var ys = yf.AsSpan(start, count);
            var skip = added.Values.AsSpan(start, count);
            if (added.ConvFirst) ElementwiseKernels.SameShape(BinaryOp.Add, ys, skip, ys);
            else ElementwiseKernels.SameShape(BinaryOp.Add, skip, ys, ys);
            if (!epilogue.IsNone) ActivationKernels.Apply(epilogue, ys);
        });
    }

    /// <summary>The depthwise, im2col and scalar paths.</summary>
    private static void ComputeOther(Conv2D g, float[] xf, float[] wf, float[]? bf, float[] yf, Activation epilogue)
    {
        int group = g.Group;
        int perImage = g.C * g.H * g.W, outPerImage = g.M * g.OutH * g.OutW;
        int tasks = g.N * group;
        int block = g.MPerGroup * g.OutSpatial;
        if (g.IsDepthwise && KernelSet.Active != KernelVariant.Scalar)
        {
            Depthwise(g, xf, wf, bf, yf, epilogue);
            return;
        }
        // Many (image, group) tasks: one task per worker call, each writing its own output block. Few tasks (batch 1
        // to a few images, few groups): run them in turn and let every core share each GEMM instead.
        if (tasks >= 2 * Parallelism.MaxThreads || g.IsDepthwise || KernelSet.Active == KernelVariant.Scalar)
        {
            Parallelism.For(tasks, (long)g.MPerGroup * g.OutSpatial * g.PatchSize, task =>
            {
                int n = task / group, gi = task % group;
                ConvKernels.Forward(g, gi, xf.AsSpan(n * perImage, perImage), wf, bf, yf.AsSpan(n * outPerImage, outPerImage));
                if (!epilogue.IsNone) ActivationKernels.Apply(epilogue, yf.AsSpan(n * outPerImage + gi * block, block));
            });
            return;
        }
        int k = g.PatchSize, cols = g.OutSpatial, mpg = g.MPerGroup;
        for (int task = 0; task < tasks; task++)
        {
            int n = task / group, gi = task % group;
            int yAt = n * outPerImage + gi * mpg * cols;
            if (g.IsPointwise)
                ParallelGemm.Multiply(false, false, mpg, cols, k, 1f, wf, gi * mpg * k, k, xf, n * perImage + gi * g.CPerGroup * cols, cols, 0f, yf, yAt, cols);
            else
            {
                var lowered = ConvKernels.RentColumns(k * cols);
                ConvKernels.Im2Col(g, gi, xf.AsSpan(n * perImage, perImage), lowered);
                ParallelGemm.Multiply(false, false, mpg, cols, k, 1f, wf, gi * mpg * k, k, lowered, 0, cols, 0f, yf, yAt, cols);
                ConvKernels.ReturnColumns(lowered);
            }
            ConvKernels.AddBias(bf, gi * mpg, mpg, cols, yf.AsSpan(yAt, mpg * cols));
            if (!epilogue.IsNone) ActivationKernels.Apply(epilogue, yf.AsSpan(yAt, mpg * cols));
        }
    }
}
