// Transpose: permutes axes (default: reverses them). Any element type; an index map, not a blocked kernel (over
// runs of trailing axes the permutation keeps, when it keeps some).
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
        // Trailing axes the permutation leaves in place (ShuffleNet's channel shuffle keeps H, W) move as whole
        // contiguous runs: the index map then covers the outer axes only, one entry per run.
        int kept = x.Rank, inner = 1;
        while (kept > 0 && p[kept - 1] == kept - 1) inner *= x.Shape[--kept];
        if (kept < x.Rank && inner > 1 && y.Length > 0)
        {
            var runs = map.Get(y.Length / inner);
            IndexMap.Walk(y.Shape[..kept], strides[..kept], 0, runs);
            for (int r = 0; r < runs.Length; r++) IndexMap.CopyRange(x, runs[r], y, r * inner, inner);
            return;
        }
        var m = map.Get(y.Length);
        IndexMap.Walk(y.Shape, strides, 0, m);
        IndexMap.Copy(x, y, m);
    }
}
