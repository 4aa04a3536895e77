// Element-wise binary operators with numpy broadcasting: Add, Sub, Mul, Div, Pow (float and integer).
// Same-shape and scalar cases go through span kernels; the general case walks broadcast strides.
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public enum BinaryOp { Add, Sub, Mul, Div, Pow }

public sealed class Binary : Operator
{
    private readonly BinaryOp kind;

    public Binary(Node node, long opset, BinaryOp kind) : base(node, opset)
    {
        this.kind = kind;
        // Opset < 7 used explicit broadcast/axis attributes; we accept them when they agree with numpy rules.
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        if (kind != BinaryOp.Pow && a.Type != b.Type)
            throw Error($"input types differ: {a.Type.Name()} and {b.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape)
            ?? throw Error($"shapes {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)} do not broadcast");
        return [new TensorType(a.Type, shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0];
        if (y.IsFloating)
        {
            if (!b.IsFloating) { RunMixedPow(a, b, y); return; }
            ElementwiseKernels.Binary(kind, a.Floats, a.Shape, b.Floats, b.Shape, y.Floats, y.Shape);
            if (y.Type != DataType.Float) RoundTo(y);
        }
        else
        {
            var bl = b.IsFloating ? b.ToLongArray() : b.Longs.ToArray();
            ElementwiseKernels.BinaryLong(kind, a.Longs, a.Shape, bl, b.Shape, y.Longs, y.Shape);
            for (int i = 0; i < y.Length; i++) y.Longs[i] = y.Type.WrapInteger(y.Longs[i]);
        }
    }

    private static void RoundTo(Tensor y)
    {
        var f = y.Floats;
        for (int i = 0; i < f.Length; i++) f[i] = y.Type.RoundFloat(f[i]);
    }

    private void RunMixedPow(Tensor a, Tensor b, Tensor y)
    {
        var bf = new float[b.Length];
        for (int i = 0; i < bf.Length; i++) bf[i] = b.Longs[i];
        ElementwiseKernels.Binary(kind, a.Floats, a.Shape, bf, b.Shape, y.Floats, y.Shape);
    }
}
