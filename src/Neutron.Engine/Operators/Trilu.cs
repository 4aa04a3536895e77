// Trilu: keeps the upper (upper=1: column − row ≥ k) or lower (column − row ≤ k) triangle of the last two axes,
// zeroing the rest; k is an optional scalar input (default 0). Any element type.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Trilu : Operator
{
    private readonly bool upper;

    public Trilu(Node node, long opset) : base(node, opset) => upper = node.Attributes.Int("upper", 1) != 0;

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        if (x.Shape.Length < 2) throw Error($"input must be at least 2-D, got {ShapeUtil.Format(x.Shape)}");
        if (inputs.Length > 1 && inputs[1] is { } k && ShapeUtil.Size(k.Shape) != 1) throw Error($"k must be a scalar, got {k}");
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        long k = inputs.Length > 1 && inputs[1] is { } kt ? kt.Longs[0] : 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        x.CopyTo(y);
        for (int i = 0; i < y.Length; i++)
        {
            long r = i / cols % rows, c = i % cols;
            bool keep = upper ? c - r >= k : c - r <= k;
            if (keep) continue;
            if (y.IsFloating) y.Floats[i] = 0;
            else y.Longs[i] = 0;
        }
    }
}
