// The Reduce* family: Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare over a set of axes
// (attribute 'axes' before opset 13, and for ReduceSum an input from 13), keepdims, noop_with_empty_axes.
// Floats accumulate in double; Max/Min/Sum/Prod also serve integer types. Max/Min propagate NaN.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Reduce : Operator
{
    private readonly string kind;
    private readonly bool keepDims;
    private bool[] reduced = [];
    private readonly MapBuffer startBuffer = new(), windowBuffer = new();
    // The input shape the two maps were walked for: a run over the same shape reuses them instead of rebuilding.
    private int[]? mappedShape;
    private readonly bool sumOrMean, mean;
    private int mappedOutputs, mappedCount;

    public Reduce(Node node, long opset) : base(node, opset)
    {
        kind = node.OpType["Reduce".Length..];
        sumOrMean = kind is "Sum" or "Mean";
        mean = kind == "Mean";
        keepDims = node.Attributes.Int("keepdims", 1) != 0;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        bool integerOk = kind is "Sum" or "Max" or "Min" or "Prod";
        if (!x.Type.IsFloating() && !integerOk) throw Error($"Reduce{kind} needs a floating input, got {x.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        int rank = x.Shape.Length;
        bool axesAsInput = kind == "Sum" && Opset >= 13;
        long[]? axes = axesAsInput
            ? inputs.Length > 1 && inputs[1] is not null ? ConstantInput(inputs, 1, "axes").ToLongArray() : null
            : Node.Attributes.Ints("axes");
        reduced = new bool[rank];
        mappedShape = null;
        if (axes is null || axes.Length == 0)
        {
            bool noop = Node.Attributes.Int("noop_with_empty_axes", 0) != 0;
            if (!noop) Array.Fill(reduced, true);
        }
        else
        {
            foreach (long a in axes)
            {
                long axis = a < 0 ? a + rank : a;
                if (axis < 0 || axis >= rank) throw Error($"axes [{string.Join(",", axes)}] are out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
                reduced[axis] = true;
            }
        }
        var shape = new List<int>();
        for (int d = 0; d < rank; d++)
            if (!reduced[d]) shape.Add(x.Shape[d]);
            else if (keepDims) shape.Add(1);
        return [new TensorType(x.Type, [.. shape])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        int rank = x.Rank;
        if (mappedShape is null || mappedOutputs != y.Length || !mappedShape.AsSpan().SequenceEqual(x.Shape))
        {
            var strides = ShapeUtil.Strides(x.Shape);
            // Kept axes walk the output; reduced axes walk each output element's window.
            var keptShape = new List<int>();
            var keptStrides = new List<int>();
            var redShape = new List<int>();
            var redStrides = new List<int>();
            for (int d = 0; d < rank; d++)
            {
                if (reduced[d]) { redShape.Add(x.Shape[d]); redStrides.Add(strides[d]); }
                else { keptShape.Add(x.Shape[d]); keptStrides.Add(strides[d]); }
            }
            mappedCount = ShapeUtil.Size(redShape.ToArray());
            IndexMap.Walk(keptShape.ToArray(), keptStrides.ToArray(), 0, startBuffer.Get(y.Length));
            IndexMap.Walk(redShape.ToArray(), redStrides.ToArray(), 0, windowBuffer.Get(mappedCount));
            mappedShape = (int[])x.Shape.Clone();
            mappedOutputs = y.Length;
        }
        var starts = startBuffer.Get(y.Length);
        var window = windowBuffer.Get(mappedCount);
        if (x.IsFloating)
        {
            var xs = x.Floats;
            var ys = y.Floats;
            for (int o = 0; o < ys.Length; o++) ys[o] = y.Type.RoundFloat((float)Float(xs, starts[o], window));
        }
        else
        {
            var xs = x.Longs;
            var ys = y.Longs;
            for (int o = 0; o < ys.Length; o++) ys[o] = y.Type.WrapInteger(Long(xs, starts[o], window));
        }
    }

    private double Float(ReadOnlySpan<float> x, int start, ReadOnlySpan<int> window)
    {
        if (sumOrMean)
        {
            // The common case (a mean over the spatial axes) without a string switch per output or per element.
            double total = 0;
            foreach (int w in window) total += x[start + w];
            return mean ? total / window.Length : total;
        }
        switch (kind)
        {
            case "Max":
            case "Min":
                {
                    bool max = kind == "Max";
                    double best = max ? double.NegativeInfinity : double.PositiveInfinity;
                    foreach (int w in window)
                    {
                        float v = x[start + w];
                        if (float.IsNaN(v)) return double.NaN;
                        if (max ? v > best : v < best) best = v;
                    }
                    return best;
                }
            case "Prod":
                {
                    double p = 1;
                    foreach (int w in window) p *= x[start + w];
                    return p;
                }
            case "LogSumExp":
                {
                    double m = double.NegativeInfinity;
                    foreach (int w in window) m = Math.Max(m, x[start + w]);
                    if (double.IsInfinity(m)) m = 0;
                    double s = 0;
                    foreach (int w in window) s += Math.Exp(x[start + w] - m);
                    return m + Math.Log(s);
                }
        }
        double sum = 0;
        foreach (int w in window)
        {
            double v = x[start + w];
            sum += kind switch { "L1" => Math.Abs(v), "L2" or "SumSquare" => v * v, _ => v };
        }
        return kind switch
        {
            "Mean" => sum / window.Length,
            "L2" => Math.Sqrt(sum),
            "LogSum" => Math.Log(sum),
            _ => sum,
        };
    }

    private long Long(ReadOnlySpan<long> x, int start, ReadOnlySpan<int> window)
    {
        long acc = kind switch { "Max" => long.MinValue, "Min" => long.MaxValue, "Prod" => 1, _ => 0 };
        foreach (int w in window)
        {
            long v = x[start + w];
            acc = kind switch { "Max" => Math.Max(acc, v), "Min" => Math.Min(acc, v), "Prod" => acc * v, _ => acc + v };
        }
        return acc;
    }
}
