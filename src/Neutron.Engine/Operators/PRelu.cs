// PRelu: y = x where x ≥ 0, slope · x elsewhere, with slope broadcast to x (numpy rules; before opset 7 a slope of
// shape (C) or (C,1,1) meant per channel, which numpy broadcasting also gives for trailing-aligned shapes).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class PRelu : Operator
{
    private readonly MapBuffer map = new();

    public PRelu(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var slope = Required(inputs, 1);
        RequireFloat(x, "X");
        var shape = ShapeUtil.Broadcast(x.Shape, SlopeShape(slope.Shape, x.Shape));
        if (shape is null || !shape.AsSpan().SequenceEqual(x.Shape))
            throw Error($"slope {ShapeUtil.Format(slope.Shape)} does not broadcast to X {ShapeUtil.Format(x.Shape)}");
        return [new TensorType(x.Type, x.Shape)];
    }

    /// <summary>Before opset 7 a 1-D slope of C values applies per channel (axis 1), not along the last axis.</summary>
    private int[] SlopeShape(int[] slope, int[] x) =>
        Opset < 7 && slope.Length == 1 && x.Length > 2 && slope[0] == x[1] ? [slope[0], .. Enumerable.Repeat(1, x.Length - 2)] : slope;

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!.Floats;
        var slope = inputs[1]!;
        var y = outputs[0].Floats;
        var m = map.Get(y.Length);
        IndexMap.Broadcast(SlopeShape(slope.Shape, outputs[0].Shape), outputs[0].Shape, m);
        var s = slope.Floats;
        for (int i = 0; i < y.Length; i++) y[i] = x[i] < 0 ? x[i] * s[m[i]] : x[i];
    }
}
