// Expand: broadcasts the input to a load-time constant shape (numpy rules in both directions) and Tile: repeats
// it along each axis. Any element type, by an index map.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Expand : Operator
{
    private readonly MapBuffer map = new();

    public Expand(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var dims = ConstantInput(inputs, 1, "shape").ToLongArray();
        if (dims.Any(d => d < 0 || d > int.MaxValue)) throw Error($"shape [{string.Join(",", dims)}] has a negative dimension");
        var shape = ShapeUtil.Broadcast(x.Shape, dims.Select(d => (int)d).ToArray())
            ?? throw Error($"input {ShapeUtil.Format(x.Shape)} does not broadcast to [{string.Join(",", dims)}]");
        return [new TensorType(x.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var m = map.Get(outputs[0].Length);
        IndexMap.Broadcast(inputs[0]!.Shape, outputs[0].Shape, m);
        IndexMap.Copy(inputs[0]!, outputs[0], m);
    }
}

public sealed class Tile : Operator
{
    private readonly MapBuffer map = new();

    public Tile(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var repeats = ConstantInput(inputs, 1, "repeats").ToLongArray();
        if (repeats.Length != x.Shape.Length || repeats.Any(r => r < 0))
            throw Error($"repeats [{string.Join(",", repeats)}] must give one non-negative count per axis of {ShapeUtil.Format(x.Shape)}");
        return [new TensorType(x.Type, x.Shape.Select((d, i) => checked(d * (int)repeats[i])).ToArray())];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        var m = map.Get(y.Length);
        var strides = ShapeUtil.Strides(x.Shape);
        int rank = y.Rank;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        for (int i = 0; i < m.Length; i++)
        {
            int offset = 0;
            for (int d = 0; d < rank; d++) offset += index[d] % x.Shape[d] * strides[d];
            m[i] = offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < y.Shape[d]) break;
                index[d] = 0;
            }
        }
        IndexMap.Copy(x, y, m);
    }
}
