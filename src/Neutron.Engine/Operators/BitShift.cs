// BitShift on unsigned integers with numpy broadcasting: direction LEFT or RIGHT; bits shifted past the type's
// width are lost (the result wraps to the type).
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class BitShift : Operator
{
    private readonly bool left;
    private readonly MapBuffer aMap = new(), bMap = new();

    public BitShift(Node node, long opset) : base(node, opset)
    {
        string direction = node.Attributes.String("direction", "");
        if (direction is not ("LEFT" or "RIGHT")) throw Error($"direction '{direction}' must be LEFT or RIGHT", ModelErrorCode.InvalidAttribute);
        left = direction == "LEFT";
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        if (a.Type is not (DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64) || b.Type != a.Type)
            throw Error($"inputs must share one unsigned integer type, got {a.Type.Name()} and {b.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape) ?? throw Error($"shapes {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)} do not broadcast");
        return [new TensorType(a.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        var ma = aMap.Get(y.Length);
        var mb = bMap.Get(y.Length);
        IndexMap.Broadcast(inputs[0]!.Shape, y.Shape, ma);
        IndexMap.Broadcast(inputs[1]!.Shape, y.Shape, mb);
        var a = inputs[0]!.Longs;
        var b = inputs[1]!.Longs;
        var ys = y.Longs;
        for (int i = 0; i < ys.Length; i++)
        {
            ulong x = (ulong)a[ma[i]], s = (ulong)b[mb[i]];
            ulong r = s >= 64 ? 0 : left ? x << (int)s : x >> (int)s;
            ys[i] = y.Type.WrapInteger((long)r);
        }
    }
}
