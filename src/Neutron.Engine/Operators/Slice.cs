// Slice: starts/ends/axes/steps as attributes (opset < 10) or load-time constant inputs (opset ≥ 10), with the
// spec's clamping of out-of-range bounds and negative steps. Any element type.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Slice : Operator
{
    private readonly MapBuffer map = new();

    public Slice(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var parameters = Opset < 10 ? null : new[] { 1, 2, 3, 4 }.Select(i => i < inputs.Length && inputs[i] is not null ? ConstantInput(inputs, i, "starts, ends, axes and steps").ToLongArray() : null).ToArray();
        return [new TensorType(x.Type, Resolve(x.Shape, parameters).Shape)];
    }

    /// <summary>First element and step per axis, and the output shape, for an input shape and the four inputs.</summary>
    private (int[] Start, int[] Step, int[] Shape) Resolve(int[] xShape, long[]?[]? parameters)
    {
        long[] starts, ends, axes, steps;
        if (parameters is null)
        {
            starts = Node.Attributes.Ints("starts") ?? throw Error("attribute starts is required", ModelErrorCode.InvalidAttribute);
            ends = Node.Attributes.Ints("ends") ?? throw Error("attribute ends is required", ModelErrorCode.InvalidAttribute);
            axes = Node.Attributes.Ints("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            starts = parameters[0] ?? throw Error("input starts is required", ModelErrorCode.MissingValue);
            ends = parameters[1] ?? throw Error("input ends is required", ModelErrorCode.MissingValue);
            axes = parameters[2] ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = parameters[3] ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw Error($"starts, ends, axes and steps have {starts.Length}, {ends.Length}, {axes.Length}, {steps.Length} values; they must agree");
        int rank = xShape.Length;
        var start = new int[rank];
        var step = Enumerable.Repeat(1, rank).ToArray();
        var shape = (int[])xShape.Clone();
        var seen = new HashSet<int>();
        for (int i = 0; i < starts.Length; i++)
        {
            long a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 0 || a >= rank || !seen.Add((int)a)) throw Error($"axes [{string.Join(",", axes)}] are out of range or repeat for rank {rank}");
            int axis = (int)a;
            long dim = xShape[axis], s = starts[i], e = ends[i], k = steps[i];
            if (k == 0) throw Error("a step is 0");
            if (s < 0) s += dim;
            if (e < 0) e += dim;
            if (k > 0)
            {
                s = Math.Clamp(s, 0, dim);
                e = Math.Clamp(e, 0, dim);
            }
            else
            {
                s = Math.Clamp(s, 0, dim - 1);
                e = Math.Clamp(e, -1, dim - 1);
            }
            long count = k > 0 ? (e - s + k - 1) / k : (s - e + (-k) - 1) / (-k);
            start[axis] = (int)s;
            step[axis] = (int)Math.Clamp(k, int.MinValue, int.MaxValue);
            shape[axis] = (int)Math.Max(count, 0);
        }
        return (start, step, shape);
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        var parameters = Opset < 10 ? null : new[] { 1, 2, 3, 4 }.Select(i => i < inputs.Length ? inputs[i]?.ToLongArray() : null).ToArray();
        var (start, step, _) = Resolve(x.Shape, parameters);
        var inStrides = ShapeUtil.Strides(x.Shape);
        int offset = 0;
        var strides = new int[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            offset += start[d] * inStrides[d];
            strides[d] = step[d] * inStrides[d];
        }
        // Trailing axes read contiguously (step 1, whole extent, then one more with step 1: ShuffleNet's channel
        // split keeps H, W whole and takes half the channels) copy as runs: the index map covers the outer axes only.
        int kept = x.Rank, inner = 1;
        while (kept > 0 && step[kept - 1] == 1)
        {
            inner *= y.Shape[--kept];
            if (y.Shape[kept] != x.Shape[kept]) break;
        }
        if (kept < x.Rank && inner > 1 && y.Length > 0)
        {
            var runs = map.Get(y.Length / inner);
            IndexMap.Walk(y.Shape[..kept], strides[..kept], offset, runs);
            for (int r = 0; r < runs.Length; r++) IndexMap.CopyRange(x, runs[r], y, r * inner, inner);
            return;
        }
        var m = map.Get(y.Length);
        IndexMap.Walk(y.Shape, strides, offset, m);
        IndexMap.Copy(x, y, m);
    }
}
