// ScatterElements (and its opset-9/10 name Scatter): a copy of data where, for every element of indices, the
// position along 'axis' is replaced by the index and there the update is written (reduction none, add or mul).
//   data: (d…)   indices, updates: same shape, rank of data   y: like data
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class ScatterElements : Operator
{
    private readonly string reduction;

    public ScatterElements(Node node, long opset) : base(node, opset)
    {
        reduction = node.Attributes.String("reduction", "none");
        if (reduction is not ("none" or "add" or "mul")) throw Error($"reduction '{reduction}' is not supported (none, add, mul are)", ModelErrorCode.UnsupportedOperator);
    }

    private int Axis(int rank)
    {
        long axis = Axis(Node.Attributes.Int("axis", 0), rank);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var data = Required(inputs, 0);
        var indices = Required(inputs, 1);
        var updates = Required(inputs, 2);
        Axis(data.Shape.Length);
        if (!indices.Shape.AsSpan().SequenceEqual(updates.Shape) || indices.Shape.Length != data.Shape.Length)
            throw Error($"indices {ShapeUtil.Format(indices.Shape)} and updates {ShapeUtil.Format(updates.Shape)} must share one shape of data's rank {data.Shape.Length}");
        if (updates.Type != data.Type) throw Error($"updates are {updates.Type.Name()}, data is {data.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        return [new TensorType(data.Type, data.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!.Longs;
        var updates = inputs[2]!;
        var y = outputs[0];
        data.CopyTo(y);
        int axis = Axis(data.Rank), dim = data.Shape[axis];
        var strides = ShapeUtil.Strides(data.Shape);
        var positions = new int[indices.Length];
        IndexMap.Walk(updates.Shape, strides, 0, positions);
        var uStrides = ShapeUtil.Strides(updates.Shape);
        for (int i = 0; i < positions.Length; i++)
        {
            long raw = indices[i], index = raw < 0 ? raw + dim : raw;
            if (index < 0 || index >= dim) throw new ArgumentOutOfRangeException(nameof(inputs), $"{Node}: index {raw} is out of range for a dimension of {dim}");
            int along = i / uStrides[axis] % updates.Shape[axis];
            int at = positions[i] + ((int)index - along) * strides[axis];
            Scatter.Apply(reduction, updates, i, y, at);
        }
    }
}

/// <summary>One scattered write with its reduction, shared by ScatterElements and ScatterND.</summary>
internal static class Scatter
{
    public static void Apply(string reduction, Tensor updates, int from, Tensor y, int at)
    {
        if (y.IsFloating)
        {
            float u = updates.Floats[from];
            y.Floats[at] = reduction switch { "add" => y.Floats[at] + u, "mul" => y.Floats[at] * u, _ => u };
        }
        else
        {
            long u = updates.Longs[from];
            y.Longs[at] = y.Type.WrapInteger(reduction switch { "add" => y.Longs[at] + u, "mul" => y.Longs[at] * u, _ => u });
        }
    }
}
