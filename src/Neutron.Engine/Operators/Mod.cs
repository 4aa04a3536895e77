// Mod with numpy broadcasting. fmod=0 (integers only): the remainder takes the divisor's sign, as Python's %;
// fmod=1: the dividend's sign, as C's fmod. An integer division by zero yields 0 rather than a crash.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Mod : Operator
{
    private readonly bool fmod;
    private readonly MapBuffer aMap = new(), bMap = new();

    public Mod(Node node, long opset) : base(node, opset) => fmod = node.Attributes.Int("fmod", 0) != 0;

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        if (a.Type != b.Type) throw Error($"input types differ: {a.Type.Name()} and {b.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        if (a.Type.IsFloating() && !fmod) throw Error("floating inputs need fmod=1", ModelErrorCode.InvalidAttribute);
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
        if (y.IsFloating)
        {
            var a = inputs[0]!.Floats;
            var b = inputs[1]!.Floats;
            var ys = y.Floats;
            for (int i = 0; i < ys.Length; i++) ys[i] = y.Type.RoundFloat(a[ma[i]] % b[mb[i]]);
        }
        else
        {
            var a = inputs[0]!.Longs;
            var b = inputs[1]!.Longs;
            var ys = y.Longs;
            for (int i = 0; i < ys.Length; i++)
            {
                long x = a[ma[i]], z = b[mb[i]];
                long r = z == 0 ? 0 : x % z;
                if (!fmod && r != 0 && (r < 0) != (z < 0)) r += z;
                ys[i] = y.Type.WrapInteger(r);
            }
        }
    }
}
