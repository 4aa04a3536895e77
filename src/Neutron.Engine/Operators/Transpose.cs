// Transpose: permutes axes (default: reverses them). Any element type; an index map, not a blocked kernel.
//   x: (d0, ..., dn-1)   y: (d[perm[0]], ..., d[perm[n-1]])
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Transpose : Operator
{
    private readonly long[]? perm;
    private readonly MapBuffer map = new();

    public Transpose(Node node, long opset) : base(node, opset) => perm = node.Attributes.Ints("perm");

    private int[] Perm(int rank)
    {
        if (perm is null) return Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Order().Select((p, i) => p == i).Any(ok => !ok))
            throw Error($"perm [{string.Join(",", perm)}] is not a permutation of the {rank} axes", ModelErrorCode.InvalidAttribute);
        return perm.Select(p => (int)p).ToArray();
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var p = Perm(x.Shape.Length);
        return [new TensorType(x.Type, p.Select(a => x.Shape[a]).ToArray())];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        var p = Perm(x.Rank);
        var inStrides = ShapeUtil.Strides(x.Shape);
        var strides = p.Select(a => inStrides[a]).ToArray();
        var m = map.Get(y.Length);
        IndexMap.Walk(y.Shape, strides, 0, m);
        IndexMap.Copy(x, y, m);
    }
}
