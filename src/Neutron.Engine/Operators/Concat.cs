// Concat: joins tensors of one type along an axis; the other dimensions must agree. Any element type.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Operators;

public sealed class Concat : Operator
{
    private readonly long axisAttribute;

    public Concat(Node node, long opset) : base(node, opset) =>
        axisAttribute = opset < 4 ? node.Attributes.Int("axis", 1) : node.Attributes.Int("axis");

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var first = Required(inputs, 0);
        int rank = first.Shape.Length;
        int axis = Axis(rank);
        var shape = (int[])first.Shape.Clone();
        shape[axis] = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = Required(inputs, i);
            if (t.Type != first.Type) throw Error($"input {i} is {t.Type.Name()}, input 0 is {first.Type.Name()}", ModelErrorCode.UnsupportedDataType);
            bool ok = t.Shape.Length == rank;
            for (int d = 0; ok && d < rank; d++) ok = d == axis || t.Shape[d] == first.Shape[d];
            if (!ok) throw Error($"input {i} {ShapeUtil.Format(t.Shape)} does not match input 0 {ShapeUtil.Format(first.Shape)} outside axis {axis}");
            shape[axis] += t.Shape[axis];
        }
        return [new TensorType(first.Type, shape)];
    }

    private int Axis(int rank)
    {
        long a = axisAttribute < 0 ? axisAttribute + rank : axisAttribute;
        if (a < 0 || a >= rank) throw Error($"axis {axisAttribute} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        return (int)a;
    }

    /// <summary>Inputs and output stored channels last (NHWC) under their NCHW shapes: set by an optimised inference
    /// session on a Concat along the channels between channels-last values. False for a graph as stored.</summary>
    public bool ChannelsLast { get; set; }

    /// <summary>Its inputs' producers wrote them into their channels of its output (an optimised session's
    /// convolutions joined by this channels-last Concat, over one buffer): nothing is left to copy.</summary>
    public bool Assembled { get; set; }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        if (Assembled) return;
        var y = outputs[0];
        if (!ChannelsLast)
        {
            RunChannelsFirst(inputs, y);
            return;
        }
        if (y.Rank != 4 || Axis(4) != 1 || !y.IsFloating)
        {
            ChannelsLastCopies.RunPlanar((i, o) => RunChannelsFirst(i, o[0]), inputs, [.. inputs.Select(_ => true)], y, outputChannelsLast: true);
            return;
        }
        // Channels last, the channel axis is the innermost: each pixel's output row is its inputs' rows in turn.
        int pixels = y.Shape[0] * y.Shape[2] * y.Shape[3], channels = y.Shape[1];
        int perTask = Math.Max(1, 16_384 / Math.Max(channels, 1)), tasks = (pixels + perTask - 1) / perTask;
        var yf = y.FloatBuffer!;
        var parts = inputs.Select(t => (t!.FloatBuffer!, t.Shape[1])).ToArray();
        Parallelism.For(tasks, (long)perTask * channels, task =>
        {
            int first = task * perTask, end = Math.Min(pixels, first + perTask);
            CopyRows(parts, yf, channels, first, end);
        });
    }

    /// <summary>Each pixel p in [first, end): its output row (yRow floats) is the parts' rows (c floats at p·c) in
    /// turn, written front to back in vectors inline (a call to CopyTo per row cost more than the copy). Vector256:
    /// the arrays are not 64-byte aligned, and Vector512 stores that cross cache lines cost more.</summary>
    private static unsafe void CopyRows((float[] X, int C)[] parts, float[] y, int yRow, int first, int end)
    {
        fixed (float* yp = y)
            for (int p = first; p < end; p++)
            {
                float* d = yp + (long)p * yRow;
                foreach (var (x, c) in parts)
                    fixed (float* xp = x)
                    {
                        float* s = xp + (long)p * c;
                        int i = 0;
                        for (; i + 8 <= c; i += 8) Vector256.Load(s + i).Store(d + i);
                        for (; i < c; i++) d[i] = s[i];
                        d += c;
                    }
            }
    }

    private void RunChannelsFirst(Tensor?[] inputs, Tensor y)
    {
        int axis = Axis(y.Rank);
        int outer = ShapeUtil.Size(y.Shape.AsSpan(0, axis));
        int inner = ShapeUtil.Size(y.Shape.AsSpan(axis + 1));
        int rowOut = y.Shape[axis] * inner;
        // Rows (o, input) are disjoint copies: the cores share them when they are many or long (SqueezeNet's fire
        // modules, a batch of images each).
        Parallelism.For(outer * inputs.Length, rowOut / Math.Max(inputs.Length, 1), task =>
        {
            int o = task / inputs.Length, i = task % inputs.Length, offset = 0;
            for (int j = 0; j < i; j++) offset += inputs[j]!.Shape[axis] * inner;
            int row = inputs[i]!.Shape[axis] * inner;
            IndexMap.CopyRange(inputs[i]!, o * row, y, o * rowOut + offset, row);
        });
    }
}
