// MatMul with numpy semantics: N-d batched, batch dimensions broadcast, a 1-D operand promoted to a matrix and
// its axis removed afterwards. Each batch matrix goes through Gemm32.Multiply (the SIMD kernel lives there).
//   A: (..., M, K)   B: (..., K, N)   Y: (broadcast(...), M, N)
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class MatMul : Operator
{
    private readonly MapBuffer aBatch = new(), bBatch = new();

    public MatMul(Node node, long opset) : base(node, opset) { }

    private static (int[] A, int[] B) Promote(int[] a, int[] b) =>
        (a.Length == 1 ? [1, a[0]] : a, b.Length == 1 ? [b[0], 1] : b);

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        RequireFloat(a, "A");
        if (a.Type != b.Type) throw Error($"A is {a.Type.Name()}, B is {b.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        if (a.Shape.Length == 0 || b.Shape.Length == 0) throw Error("A and B must have at least one dimension");
        var (pa, pb) = Promote(a.Shape, b.Shape);
        if (pa[^1] != pb[^2]) throw Error($"inner dimensions differ: A {ShapeUtil.Format(a.Shape)}, B {ShapeUtil.Format(b.Shape)}");
        var batch = ShapeUtil.Broadcast(pa[..^2], pb[..^2])
            ?? throw Error($"batch dimensions of A {ShapeUtil.Format(a.Shape)} and B {ShapeUtil.Format(b.Shape)} do not broadcast");
        var shape = new List<int>(batch);
        if (a.Shape.Length > 1) shape.Add(pa[^2]);
        if (b.Shape.Length > 1) shape.Add(pb[^1]);
        return [new TensorType(a.Type, [.. shape])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0];
        var (pa, pb) = Promote(a.Shape, b.Shape);
        int m = pa[^2], k = pa[^1], n = pb[^1];
        var batch = ShapeUtil.Broadcast(pa[..^2], pb[..^2])!;
        int count = ShapeUtil.Size(batch);
        var ia = aBatch.Get(count);
        var ib = bBatch.Get(count);
        IndexMap.Broadcast(pa[..^2], batch, ia);
        IndexMap.Broadcast(pb[..^2], batch, ib);
        var af = a.Floats;
        var bf = b.Floats;
        var yf = y.Floats;
        for (int i = 0; i < count; i++)
            Gemm32.Multiply(false, false, m, n, k, 1f, af.Slice(ia[i] * m * k, m * k), bf.Slice(ib[i] * k * n, k * n), 0f, yf.Slice(i * m * n, m * n));
        if (y.Type != DataType.Float) for (int i = 0; i < yf.Length; i++) yf[i] = y.Type.RoundFloat(yf[i]);
    }
}
