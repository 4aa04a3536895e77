// Broadcasting comparisons and logic with a bool result: Equal, Less, Greater, LessOrEqual, GreaterOrEqual,
// And, Or, Xor; plus Not, IsNaN and IsInf (one input) and Where (select by a bool condition, any type).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Comparison : Operator
{
    private readonly MapBuffer aMap = new(), bMap = new();

    public Comparison(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        bool logical = Node.OpType is "And" or "Or" or "Xor" or "Not";
        if (logical && a.Type != DataType.Bool) throw Error($"input must be bool, got {a.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        if (Node.OpType is "Not") return [new TensorType(DataType.Bool, a.Shape)];
        if (Node.OpType is "IsNaN" or "IsInf")
        {
            RequireFloat(a);
            return [new TensorType(DataType.Bool, a.Shape)];
        }
        var b = Required(inputs, 1);
        if (a.Type != b.Type) throw Error($"input types differ: {a.Type.Name()} and {b.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape) ?? throw Error($"shapes {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)} do not broadcast");
        return [new TensorType(DataType.Bool, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[0]!;
        var y = outputs[0].Longs;
        switch (Node.OpType)
        {
            case "Not":
                for (int i = 0; i < y.Length; i++) y[i] = a.Longs[i] == 0 ? 1 : 0;
                return;
            case "IsNaN":
                for (int i = 0; i < y.Length; i++) y[i] = float.IsNaN(a.Floats[i]) ? 1 : 0;
                return;
            case "IsInf":
                {
                    bool pos = Node.Attributes.Int("detect_positive", 1) != 0, neg = Node.Attributes.Int("detect_negative", 1) != 0;
                    for (int i = 0; i < y.Length; i++)
                    {
                        float v = a.Floats[i];
                        y[i] = (pos && float.IsPositiveInfinity(v)) || (neg && float.IsNegativeInfinity(v)) ? 1 : 0;
                    }
                    return;
                }
        }
        var b = inputs[1]!;
        var ma = aMap.Get(y.Length);
        var mb = bMap.Get(y.Length);
        IndexMap.Broadcast(a.Shape, outputs[0].Shape, ma);
        IndexMap.Broadcast(b.Shape, outputs[0].Shape, mb);
        string op = Node.OpType;
        if (a.IsFloating)
        {
            var x = a.Floats;
            var z = b.Floats;
            for (int i = 0; i < y.Length; i++) y[i] = Compare(op, x[ma[i]], z[mb[i]]) ? 1 : 0;
        }
        else
        {
            var x = a.Longs;
            var z = b.Longs;
            for (int i = 0; i < y.Length; i++) y[i] = Compare(op, x[ma[i]], z[mb[i]]) ? 1 : 0;
        }
    }

    private static bool Compare<T>(string op, T x, T z) where T : System.Numerics.INumber<T> => op switch
    {
        "Equal" => x == z,
        "Less" => x < z,
        "Greater" => x > z,
        "LessOrEqual" => x <= z,
        "GreaterOrEqual" => x >= z,
        "And" => x != T.Zero && z != T.Zero,
        "Or" => x != T.Zero || z != T.Zero,
        _ => (x != T.Zero) != (z != T.Zero),
    };
}

public sealed class Where : Operator
{
    private readonly MapBuffer cMap = new(), xMap = new(), yMap = new();

    public Where(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var c = Required(inputs, 0);
        var x = Required(inputs, 1);
        var y = Required(inputs, 2);
        if (c.Type != DataType.Bool) throw Error($"condition must be bool, got {c.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        if (x.Type != y.Type) throw Error($"X is {x.Type.Name()}, Y is {y.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var shape = ShapeUtil.Broadcast(c.Shape, x.Shape) is { } s ? ShapeUtil.Broadcast(s, y.Shape) : null;
        return [new TensorType(x.Type, shape ?? throw Error($"shapes {ShapeUtil.Format(c.Shape)}, {ShapeUtil.Format(x.Shape)}, {ShapeUtil.Format(y.Shape)} do not broadcast"))];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var output = outputs[0];
        int n = output.Length;
        var mc = cMap.Get(n);
        var mx = xMap.Get(n);
        var my = yMap.Get(n);
        IndexMap.Broadcast(inputs[0]!.Shape, output.Shape, mc);
        IndexMap.Broadcast(inputs[1]!.Shape, output.Shape, mx);
        IndexMap.Broadcast(inputs[2]!.Shape, output.Shape, my);
        var c = inputs[0]!.Longs;
        var x = inputs[1]!;
        var y = inputs[2]!;
        if (output.IsFloating)
        {
            var o = output.Floats;
            for (int i = 0; i < n; i++) o[i] = c[mc[i]] != 0 ? x.Floats[mx[i]] : y.Floats[my[i]];
        }
        else
        {
            var o = output.Longs;
            for (int i = 0; i < n; i++) o[i] = c[mc[i]] != 0 ? x.Longs[mx[i]] : y.Longs[my[i]];
        }
    }
}
