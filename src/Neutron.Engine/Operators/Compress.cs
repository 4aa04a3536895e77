// Compress: keeps the slices along 'axis' (or the elements of the flattened input when no axis is given) whose
// condition is true. The output length depends on the condition, so it must be known at load.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Compress : Operator
{
    private readonly MapBuffer map = new();

    public Compress(Node node, long opset) : base(node, opset) { }

    private int? Axis(int rank)
    {
        if (!Node.Attributes.Has("axis")) return null;
        long axis = Axis(Node.Attributes.Int("axis", 0), rank);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var condition = ConstantInput(inputs, 1, "condition");
        int? axis = Axis(x.Shape.Length);
        int dim = axis is { } a ? x.Shape[a] : ShapeUtil.Size(x.Shape);
        int kept = 0;
        for (int i = 0; i < Math.Min(condition.Length, dim); i++) if (condition.Longs[i] != 0) kept++;
        if (axis is not { } ax) return [new TensorType(x.Type, [kept])];
        var shape = (int[])x.Shape.Clone();
        shape[ax] = kept;
        return [new TensorType(x.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var condition = inputs[1]!.Longs;
        var y = outputs[0];
        int? axis = Axis(x.Rank);
        int dim = axis is { } a ? x.Shape[a] : x.Length;
        int outer = axis is { } b ? ShapeUtil.Size(x.Shape.AsSpan(0, b)) : 1;
        int inner = axis is { } c ? ShapeUtil.Size(x.Shape.AsSpan(c + 1)) : 1;
        var m = map.Get(y.Length);
        int k = 0;
        for (int o = 0; o < outer; o++)
        for (int d = 0; d < Math.Min(dim, condition.Length); d++)
        {
            if (condition[d] == 0) continue;
            for (int i = 0; i < inner; i++) m[k++] = (o * dim + d) * inner + i;
        }
        IndexMap.Copy(x, y, m);
    }
}
