// TopK: the k largest (largest=1) or smallest values along an axis with their int64 indices, sorted; equal
// values keep the lower index first. k is an input known at load (opset ≥ 10) or attribute (opset 1).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class TopK : Operator
{
    private readonly bool largest;

    public TopK(Node node, long opset) : base(node, opset)
    {
        largest = node.Attributes.Int("largest", 1) != 0;
        if (node.Attributes.Int("sorted", 1) == 0)
            throw Error("sorted=0 is not supported (its order is unspecified)", ModelErrorCode.UnsupportedOperator);
    }

    private int Axis(int rank)
    {
        long a = Node.Attributes.Int("axis", -1), axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) throw Error($"axis {a} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        int axis = Axis(x.Shape.Length);
        long k = Opset < 10 ? Node.Attributes.Int("k") : ConstantInput(inputs, 1, "K").ToLongArray().Single();
        if (k < 0 || k > x.Shape[axis]) throw Error($"k = {k} is outside [0, {x.Shape[axis]}]");
        var shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        return [new TensorType(x.Type, shape), new TensorType(DataType.Int64, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var values = outputs[0];
        var indices = outputs[1].Longs;
        int axis = Axis(x.Rank), dim = x.Shape[axis], k = values.Shape[axis];
        int outer = ShapeUtil.Size(x.Shape.AsSpan(0, axis)), inner = ShapeUtil.Size(x.Shape.AsSpan(axis + 1));
        var order = new int[dim];
        var keys = new double[dim];
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            for (int d = 0; d < dim; d++) { order[d] = d; keys[d] = x.GetDouble((o * dim + d) * inner + i); }
            // Stable by index: compare values, then positions.
            Array.Sort(order, (p, q) =>
            {
                int c = largest ? keys[q].CompareTo(keys[p]) : keys[p].CompareTo(keys[q]);
                return c != 0 ? c : p.CompareTo(q);
            });
            for (int j = 0; j < k; j++)
            {
                int at = (o * k + j) * inner + i, from = (o * dim + order[j]) * inner + i;
                indices[at] = order[j];
                if (values.IsFloating) values.Floats[at] = x.Floats[from];
                else values.Longs[at] = x.Longs[from];
            }
        }
    }
}
