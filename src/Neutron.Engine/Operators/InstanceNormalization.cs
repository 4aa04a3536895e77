// InstanceNormalization: each (image, channel) plane normalised by its own mean and variance, then per-channel
// scale and bias. MeanVarianceNormalization (the same without scale, over 'axes', default [0,2,3]) is its cousin below.
//   x: (N, C, ...)   scale, B: (C)   y: like x
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class InstanceNormalization : Operator
{
    private readonly float epsilon;

    public InstanceNormalization(Node node, long opset) : base(node, opset) => epsilon = node.Attributes.Float("epsilon", 1e-5f);

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        if (x.Shape.Length < 3) throw Error($"X must be at least 3-D, got {ShapeUtil.Format(x.Shape)}");
        for (int i = 1; i <= 2; i++)
            if (ShapeUtil.Size(Required(inputs, i).Shape) != x.Shape[1]) throw Error($"input {i} has shape {ShapeUtil.Format(inputs[i]!.Shape)}, expected [{x.Shape[1]}]");
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var scale = inputs[1]!.Floats;
        var bias = inputs[2]!.Floats;
        int c = x.Shape[1], planes = x.Shape[0] * c, size = ShapeUtil.Size(x.Shape.AsSpan(2));
        var xs = x.Floats;
        var ys = outputs[0].Floats;
        for (int p = 0; p < planes; p++)
        {
            var plane = xs.Slice(p * size, size);
            double mean = 0, square = 0;
            foreach (float v in plane) mean += v;
            mean /= size;
            foreach (float v in plane) square += (v - mean) * (v - mean);
            double a = scale[p % c] / Math.Sqrt(square / size + epsilon);
            for (int i = 0; i < size; i++) ys[p * size + i] = (float)((plane[i] - mean) * a + bias[p % c]);
        }
    }
}

public sealed class MeanVarianceNormalization : Operator
{
    private bool[] reduced = [];

    public MeanVarianceNormalization(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        int rank = x.Shape.Length;
        reduced = new bool[rank];
        foreach (long a in Node.Attributes.Ints("axes", [0, 2, 3]))
        {
            long axis = Axis(a, rank);
            reduced[axis] = true;
        }
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var strides = ShapeUtil.Strides(x.Shape);
        var kept = Enumerable.Range(0, x.Rank).Where(d => !reduced[d]).ToArray();
        var red = Enumerable.Range(0, x.Rank).Where(d => reduced[d]).ToArray();
        var starts = new int[ShapeUtil.Size(kept.Select(d => x.Shape[d]).ToArray())];
        IndexMap.Walk(kept.Select(d => x.Shape[d]).ToArray(), kept.Select(d => strides[d]).ToArray(), 0, starts);
        var window = new int[ShapeUtil.Size(red.Select(d => x.Shape[d]).ToArray())];
        IndexMap.Walk(red.Select(d => x.Shape[d]).ToArray(), red.Select(d => strides[d]).ToArray(), 0, window);
        var xs = x.Floats;
        var ys = outputs[0].Floats;
        foreach (int s in starts)
        {
            double mean = 0, square = 0;
            foreach (int w in window) { mean += xs[s + w]; square += (double)xs[s + w] * xs[s + w]; }
            mean /= window.Length;
            // The spec's function: (x − E[x]) / (sqrt(E[x²] − E[x]²) + 1e-9).
            double std = Math.Sqrt(Math.Max(square / window.Length - mean * mean, 0)) + 1e-9;
            foreach (int w in window) ys[s + w] = (float)((xs[s + w] - mean) / std);
        }
    }
}
