// Pad in constant, reflect and edge modes. Pads are an attribute before opset 11 and a load-time constant input
// from 11 (constant_value then an optional input). Negative pads crop. Any element type.
//   x: (d0..dn-1)   pads: [b0..bn-1, e0..en-1]   y: (d_i + b_i + e_i)
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Pad : Operator
{
    private readonly string mode;
    private readonly MapBuffer map = new();
    private long[] pads = [];
    private bool crops;

    public Pad(Node node, long opset) : base(node, opset)
    {
        mode = node.Attributes.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge"))
            throw Error($"mode '{mode}' is not one of constant, reflect, edge", ModelErrorCode.InvalidAttribute);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        int rank = x.Shape.Length;
        pads = Opset < 11
            ? Node.Attributes.Ints(Opset < 2 ? "paddings" : "pads") ?? throw Error("attribute pads is required", ModelErrorCode.InvalidAttribute)
            : ConstantInput(inputs, 1, "pads").ToLongArray();
        if (pads.Length != 2 * rank) throw Error($"pads has {pads.Length} values, expected {2 * rank} for {ShapeUtil.Format(x.Shape)}");
        crops = pads.Any(p => p < 0);
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long size = x.Shape[d] + pads[d] + pads[d + rank];
            if (size < 0) throw Error($"pads [{string.Join(",", pads)}] crop more than axis {d} of {ShapeUtil.Format(x.Shape)} holds");
            if (mode != "constant" && x.Shape[d] == 0 && size > 0) throw Error($"cannot {mode}-pad the empty axis {d}");
            shape[d] = (int)size;
        }
        return [new TensorType(x.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        double fill = Opset < 11 ? Node.Attributes.Float("value", 0f)
            : inputs.Length > 2 && inputs[2] is { Length: > 0 } v ? v.GetDouble(0) : 0;
        int rank = x.Rank;
        if (mode == "constant" && rank > 0 && !crops)
        {
            ConstantRows(x, y, fill);
            return;
        }
        var strides = ShapeUtil.Strides(x.Shape);
        var m = map.Get(y.Length);
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        for (int i = 0; i < m.Length; i++)
        {
            int offset = 0;
            for (int d = 0; d < rank && offset >= 0; d++)
            {
                int n = x.Shape[d];
                int s = index[d] - (int)pads[d];
                if ((uint)s >= (uint)n)
                {
                    if (mode == "constant") { offset = -1; break; }
                    s = mode == "edge" ? Math.Clamp(s, 0, n - 1) : Reflect(s, n);
                }
                offset += s * strides[d];
            }
            m[i] = offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < y.Shape[d]) break;
                index[d] = 0;
            }
        }
        IndexMap.Copy(x, y, m, fill);
    }

    /// <summary>
    /// Constant mode without cropping: y filled with the value, then each innermost row of x copied to its place (a
    /// padded image is mostly whole rows; the element-by-element map below is for cropping, edge and reflect).
    /// </summary>
    private void ConstantRows(Tensor x, Tensor y, double fill)
    {
        if (y.IsFloating) y.Floats.Fill((float)fill);
        else y.Longs.Fill((long)fill);
        int rank = x.Rank, inner = x.Shape[rank - 1];
        if (x.Length == 0) return;
        Span<int> yStrides = stackalloc int[rank];
        yStrides[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--) yStrides[d] = yStrides[d + 1] * y.Shape[d + 1];
        Span<int> index = stackalloc int[rank];
        index.Clear();
        for (int at = 0; at < x.Length; at += inner)
        {
            int to = (int)pads[rank - 1];
            for (int d = 0; d < rank - 1; d++) to += (index[d] + (int)pads[d]) * yStrides[d];
            IndexMap.CopyRange(x, at, y, to, inner);
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < x.Shape[d]) break;
                index[d] = 0;
            }
        }
    }

    private static int Reflect(int s, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        s %= period;
        if (s < 0) s += period;
        return s < n ? s : period - s;
    }
}
