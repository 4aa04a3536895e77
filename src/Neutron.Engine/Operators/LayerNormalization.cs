// LayerNormalization (opset 17): normalises over the axes from 'axis' to the end, then scale and bias broadcast
// over those axes. Optional outputs Mean and InvStdDev keep the reduced axes as 1. Statistics in double.
//   x: (d0..dn-1)   scale, B: broadcastable to d[axis..]   y: like x   mean, invStdDev: d[..axis] + 1s
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class LayerNormalization : Operator
{
    private readonly float epsilon;
    private readonly MapBuffer scaleMap = new(), biasMap = new();

    public LayerNormalization(Node node, long opset) : base(node, opset) => epsilon = node.Attributes.Float("epsilon", 1e-5f);

    private int Axis(int rank)
    {
        long a = Node.Attributes.Int("axis", -1);
        long axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) throw Error($"axis {a} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        int axis = Axis(x.Shape.Length);
        var normalized = x.Shape[axis..];
        for (int i = 1; i < Math.Min(inputs.Length, 3); i++)
            if (inputs[i] is { } p && !(ShapeUtil.Broadcast(normalized, p.Shape)?.AsSpan().SequenceEqual(normalized) ?? false))
                throw Error($"input {i} {ShapeUtil.Format(p.Shape)} does not broadcast to the normalised shape {ShapeUtil.Format(normalized)}");
        int[] stats = [.. x.Shape[..axis], .. Enumerable.Repeat(1, x.Shape.Length - axis)];
        return [new TensorType(x.Type, x.Shape), new TensorType(DataType.Float, stats), new TensorType(DataType.Float, stats)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        int axis = Axis(x.Rank);
        var normalized = x.Shape[axis..];
        int inner = ShapeUtil.Size(normalized), outer = ShapeUtil.Size(x.Shape.AsSpan(0, axis));
        var sm = scaleMap.Get(inner);
        IndexMap.Broadcast(inputs[1]!.Shape, normalized, sm);
        var bias = inputs.Length > 2 ? inputs[2] : null;
        var bm = biasMap.Get(inner);
        if (bias is not null) IndexMap.Broadcast(bias.Shape, normalized, bm);
        var xs = x.Floats;
        var scale = inputs[1]!.Floats;
        var ys = outputs[0].Floats;
        for (int o = 0; o < outer; o++)
        {
            var row = xs.Slice(o * inner, inner);
            double mean = 0, square = 0;
            foreach (float v in row) mean += v;
            mean /= inner;
            foreach (float v in row) square += (v - mean) * (v - mean);
            double invStd = 1 / Math.Sqrt(square / inner + epsilon);
            for (int i = 0; i < inner; i++)
                ys[o * inner + i] = outputs[0].Type.RoundFloat((float)((row[i] - mean) * invStd * scale[sm[i]] + (bias is null ? 0 : bias.Floats[bm[i]])));
            if (outputs.Length > 1) outputs[1].Floats[o] = (float)mean;
            if (outputs.Length > 2) outputs[2].Floats[o] = (float)invStd;
        }
    }
}
