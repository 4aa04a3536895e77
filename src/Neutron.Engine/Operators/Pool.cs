// MaxPool and AveragePool over 1-D and 2-D windows (1-D runs as height 1), plus GlobalAveragePool and
// GlobalMaxPool. A max-pool window holding a NaN yields NaN (PyTorch's behaviour); padding never wins a max.
//   x: (N, C, H, W)   y: (N, C, oH, oW)
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Operators;

public sealed class Pool : Operator
{
    private readonly bool max, global, ceilMode, countIncludePad;
    private Conv2D? cached;

    public Pool(Node node, long opset) : base(node, opset)
    {
        max = node.OpType is "MaxPool" or "GlobalMaxPool";
        global = node.OpType.StartsWith("Global", StringComparison.Ordinal);
        ceilMode = node.Attributes.Int("ceil_mode", 0) != 0;
        countIncludePad = node.Attributes.Int("count_include_pad", 0) != 0;
        if (max && node.Attributes.Int("storage_order", 0) != 0)
            throw Error("storage_order=1 (column-major indices) is not supported", ModelErrorCode.UnsupportedOperator);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        if (global)
        {
            if (x.Shape.Length < 3) throw Error($"X must be at least 3-D, got {ShapeUtil.Format(x.Shape)}");
            return [new TensorType(x.Type, [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Shape.Length - 2)])];
        }
        if (x.Shape.Length is not (3 or 4))
            throw Error($"only 1-D and 2-D pooling is supported; X is {ShapeUtil.Format(x.Shape)}", ModelErrorCode.UnsupportedOperator);
        var g = Geometry(x.Shape);
        int[] spatial = x.Shape.Length == 3 ? [g.OutW] : [g.OutH, g.OutW];
        var result = new List<TensorType> { new(x.Type, [x.Shape[0], x.Shape[1], .. spatial]) };
        // Indices only when the node asks for them: computing them rules out the fast 2×2 kernel.
        if (max && Node.Outputs.Length > 1 && Node.Outputs[1].Length > 0)
            result.Add(new TensorType(DataType.Int64, [x.Shape[0], x.Shape[1], .. spatial]));
        return [.. result];
    }

    /// <summary>The window geometry of a non-global pool over input shape xShape (2-D; 1-D as height 1).</summary>
    public Conv2D Geometry(int[] xShape)
    {
        if (cached is { } c && c.N == xShape[0] && c.C == xShape[1] && c.W == xShape[^1] && c.H == (xShape.Length == 3 ? 1 : xShape[2])) return c;
        var kernelAttr = Node.Attributes.Ints("kernel_shape") ?? throw Error("attribute kernel_shape is required", ModelErrorCode.InvalidAttribute);
        int[] kernel = kernelAttr.Select(k => checked((int)k)).ToArray();
        int[] input = xShape[2..];
        if (kernel.Length != input.Length) throw Error($"kernel_shape has {kernel.Length} values for {input.Length} spatial dimensions");
        var g = ConvGeometry.Resolve(Node.Attributes, kernel, input, ceilMode, m => Error(m));
        int[] wShape = [xShape[1], 1, .. kernel];
        cached = Conv2D.From(g, xShape, wShape, xShape[1]);
        return cached;
    }

    /// <summary>X and Y stored channels last (NHWC) under their NCHW shapes: set by an optimised inference session
    /// on a MaxPool between channels-last values, or on a GlobalAveragePool reading one (its (N, C, 1, 1) output is
    /// the same in either layout; GraphOptimizer.ChannelsLast). False for a graph as stored.</summary>
    public bool ChannelsLast { get; set; }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        if (!ChannelsLast)
        {
            RunChannelsFirst(inputs, outputs);
            return;
        }
        var x = inputs[0]!;
        var variant = KernelSet.Active;
        if (global && !max && x.Shape.Length == 4)
        {
            GlobalAverageChannelsLast(x, outputs[0]);
            return;
        }
        if (!max || global || outputs.Length > 1 || x.Shape.Length != 4 || variant == KernelVariant.Scalar || !KernelSet.IsSupported(variant))
        {
            ChannelsLastCopies.RunPlanar(RunChannelsFirst, inputs, [true], outputs[0], outputChannelsLast: true);
            return;
        }
        var g = Geometry(x.Shape);
        var (xf, yf) = (x.FloatBuffer!, outputs[0].FloatBuffer!);
        int perImage = g.C * g.H * g.W, outPerImage = g.C * g.OutSpatial;
        long rowWork = Math.Max(1L, (long)g.OutW * g.C * g.KH * g.KW);
        int rows = (int)Math.Clamp(32_768 / rowWork, 1, g.OutH), parts = (g.OutH + rows - 1) / rows;
        Parallelism.For(g.N * parts, rows * rowWork, task =>
        {
            int n = task / parts, first = task % parts * rows, count = Math.Min(rows, g.OutH - first);
            PoolKernels.MaxChannelsLast(variant, g, first, count, xf.AsSpan(n * perImage, perImage), yf.AsSpan(n * outPerImage, outPerImage));
        });
    }

    /// <summary>GlobalAveragePool of channels-last images, one task per image: each channel's sum over the pixels in
    /// order from zero, then / size, as PoolKernels.Global sums each plane; the (N, C, 1, 1) output is the same in
    /// either layout.</summary>
    private static void GlobalAverageChannelsLast(Tensor x, Tensor y)
    {
        int channels = x.Shape[1], size = x.Shape[2] * x.Shape[3];
        var (xf, yf) = (x.FloatBuffer!, y.FloatBuffer!);
        Parallelism.For(x.Shape[0], (long)channels * size, n =>
            PoolKernels.GlobalAverageChannelsLast(xf.AsSpan(n * channels * size, channels * size), yf.AsSpan(n * channels, channels), channels, size));
    }

    private void RunChannelsFirst(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        if (global)
        {
            int planes = x.Shape[0] * x.Shape[1];
            int size = x.Length / Math.Max(planes, 1);
            // Runs of planes per task; each plane's sum keeps its order, so the bits do not depend on the split.
            var xg = x.FloatBuffer!;
            var yg = y.FloatBuffer!;
            int per = Math.Clamp((32_768 / Math.Max(size, 1) + 7) / 8 * 8, 1, Math.Max(planes, 1)), runs = (planes + per - 1) / per; // whole groups of eight lanes
            Parallelism.For(runs, (long)per * size, run =>
            {
                int first = run * per, count = Math.Min(per, planes - first);
                PoolKernels.Global(max, xg.AsSpan(first * size, count * size), yg.AsSpan(first, count), count, size);
            });
            return;
        }
        var g = Geometry(x.Shape);
        var xf = x.FloatBuffer!;
        var yf = y.FloatBuffer!;
        var indices = outputs.Length > 1 ? outputs[1].LongBuffer : null;
        int inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        // Max2x2 runs rows of four outputs or more in vectors (LeNet's 5-wide pool2 there beat MaxLanes, 0.12 against
        // 0.18 ms/run); narrower rows (GoogLeNet's 6×6 → 3×3) go to MaxLanes.
        bool max2x2 = max && indices is null && PoolKernels.IsMax2x2(g) && (g.OutW >= 4 || KernelSet.Active == KernelVariant.Scalar);
        if (max && indices is null && !max2x2 && KernelSet.Active != KernelVariant.Scalar && Avx.IsSupported)
        {
            // Runs of planes per task, enough comparisons to outweigh a work item (small late planes go many to a
            // task); planes narrower than a vector go sixteen at a time as the lanes of one (MaxLanes), rows of a
            // Vector512 or more through the separable passes (MaxRows).
            bool lanes = PoolKernels.PaysMaxLanes(g), rows = !lanes && KernelSet.Active == KernelVariant.Avx512 && PoolKernels.HasMaxRows(g);
            long work = Math.Max(1L, (long)outPlane * g.KH * g.KW);
            int planes = g.N * g.C, per = (int)Math.Clamp(32_768 / work, 1, planes);
            if (lanes) per = (per + 15) / 16 * 16;
            int runs = (planes + per - 1) / per;
            Parallelism.For(runs, per * work, run =>
            {
                int start = run * per, count = Math.Min(per, planes - start);
                if (lanes) PoolKernels.MaxLanes(KernelSet.Active, g, xf, yf, start, count);
                else if (rows) PoolKernels.MaxRows(g, xf, yf, start, count);
                else PoolKernels.MaxWindows(g, xf, yf, start, count);
            });
            return;
        }
        // Runs of planes per task: LeNet's 14×14 and 5×5 planes are far smaller than a work item's overhead.
        long planeWork = Math.Max(1L, (long)outPlane * g.KH * g.KW);
        int all = g.N * g.C, perTask = (int)Math.Clamp(32_768 / planeWork, 1, Math.Max(all, 1)), tasks = (all + perTask - 1) / perTask;
        Parallelism.For(tasks, perTask * planeWork, task =>
        {
            for (int plane = task * perTask, end = Math.Min(all, plane + perTask); plane < end; plane++)
            {
                var xs = xf.AsSpan(plane * inPlane, inPlane);
                var ys = yf.AsSpan(plane * outPlane, outPlane);
                if (max2x2) PoolKernels.Max2x2(g, xs, ys);
                else if (max) PoolKernels.MaxPlane(g, xs, ys, indices is null ? default : indices.AsSpan(plane * outPlane, outPlane), plane * inPlane);
                else PoolKernels.AveragePlane(g, xs, ys, countIncludePad);
            }
        });
    }
}
