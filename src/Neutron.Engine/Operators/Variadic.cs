// Element-wise operators over any number of inputs with numpy broadcasting: Sum, Mean, Max, Min.
// Max/Min also serve integer types and propagate NaN (numpy's maximum/minimum). Pairwise in input order.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Variadic : Operator
{
    private readonly MapBuffer map = new();

    public Variadic(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        if (inputs.Length == 0) throw Error("needs at least one input", ModelErrorCode.MissingValue);
        var first = Required(inputs, 0);
        if (Node.OpType is "Sum" or "Mean") RequireFloat(first);
        int[] shape = first.Shape;
        for (int i = 1; i < inputs.Length; i++)
        {
            var t = Required(inputs, i);
            if (t.Type != first.Type) throw Error($"input {i} is {t.Type.Name()}, input 0 is {first.Type.Name()}", ModelErrorCode.UnsupportedDataType);
            if (Opset < 8 && !t.Shape.AsSpan().SequenceEqual(first.Shape)) throw Error($"before opset 8 inputs must share one shape: {ShapeUtil.Format(t.Shape)} vs {ShapeUtil.Format(first.Shape)}");
            shape = ShapeUtil.Broadcast(shape, t.Shape) ?? throw Error($"input {i} {ShapeUtil.Format(t.Shape)} does not broadcast with {ShapeUtil.Format(shape)}");
        }
        return [new TensorType(first.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        var m = map.Get(y.Length);
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i]!;
            IndexMap.Broadcast(x.Shape, y.Shape, m);
            if (y.IsFloating)
            {
                var xs = x.Floats;
                var ys = y.Floats;
                if (i == 0) for (int j = 0; j < ys.Length; j++) ys[j] = xs[m[j]];
                else for (int j = 0; j < ys.Length; j++) ys[j] = Combine(ys[j], xs[m[j]]);
            }
            else
            {
                var xs = x.Longs;
                var ys = y.Longs;
                bool max = Node.OpType == "Max";
                if (i == 0) for (int j = 0; j < ys.Length; j++) ys[j] = xs[m[j]];
                else for (int j = 0; j < ys.Length; j++) ys[j] = max ? Math.Max(ys[j], xs[m[j]]) : Math.Min(ys[j], xs[m[j]]);
            }
        }
        if (y.IsFloating)
        {
            var ys = y.Floats;
            if (Node.OpType == "Mean") for (int j = 0; j < ys.Length; j++) ys[j] /= inputs.Length;
            if (y.Type != DataType.Float) for (int j = 0; j < ys.Length; j++) ys[j] = y.Type.RoundFloat(ys[j]);
        }
    }

    private float Combine(float acc, float v) => Node.OpType switch
    {
        "Max" => float.IsNaN(acc) || float.IsNaN(v) ? float.NaN : Math.Max(acc, v),
        "Min" => float.IsNaN(acc) || float.IsNaN(v) ? float.NaN : Math.Min(acc, v),
        _ => acc + v,
    };
}
