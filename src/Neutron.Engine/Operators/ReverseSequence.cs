// ReverseSequence: for each batch entry b, reverses the first sequence_lens[b] steps along time_axis and keeps the
// rest. batch_axis and time_axis are 0 and 1 in either order. Any element type.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class ReverseSequence : Operator
{
    private readonly int batchAxis, timeAxis;
    private readonly MapBuffer map = new();

    public ReverseSequence(Node node, long opset) : base(node, opset)
    {
        batchAxis = (int)node.Attributes.Int("batch_axis", 1);
        timeAxis = (int)node.Attributes.Int("time_axis", 0);
        if (!(batchAxis is 0 or 1 && timeAxis is 0 or 1 && batchAxis != timeAxis))
            throw Error($"batch_axis {batchAxis} and time_axis {timeAxis} must be 0 and 1", ModelErrorCode.InvalidAttribute);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var lens = Required(inputs, 1);
        if (x.Shape.Length < 2 || lens.Shape.Length != 1 || lens.Shape[0] != x.Shape[batchAxis])
            throw Error($"sequence_lens {ShapeUtil.Format(lens.Shape)} must be [{(x.Shape.Length > 1 ? x.Shape[batchAxis] : 0)}] for input {ShapeUtil.Format(x.Shape)}");
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var lens = inputs[1]!.Longs;
        var y = outputs[0];
        var strides = ShapeUtil.Strides(x.Shape);
        var m = map.Get(y.Length);
        for (int i = 0; i < m.Length; i++)
        {
            int b = i / strides[batchAxis] % x.Shape[batchAxis], t = i / strides[timeAxis] % x.Shape[timeAxis];
            long len = Math.Clamp(lens[b], 0, x.Shape[timeAxis]);
            m[i] = t < len ? i + (int)(len - 1 - 2 * t) * strides[timeAxis] : i;
        }
        IndexMap.Copy(x, y, m);
    }
}
