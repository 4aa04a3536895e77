// MatMulInteger (int32 products of zero-point-shifted 8-bit matrices) and QLinearMatMul (the same, rescaled and
// requantised to the output's 8-bit type). Batched and broadcast like MatMul.cs; plain integer loops.
//   a: (..., M, K)  b: (..., K, N)   zero points: scalar, or per row of a (M) / per column of b (N)
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class QuantizedMatMul : Operator
{
    private readonly bool linear;
    private readonly MapBuffer aBatch = new(), bBatch = new();

    public QuantizedMatMul(Node node, long opset) : base(node, opset) => linear = node.OpType == "QLinearMatMul";

    // Input positions: MatMulInteger (a, b, a_zp, b_zp); QLinearMatMul (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp).
    private static int A => 0;
    private int B => linear ? 3 : 1;
    private static int AZeroPoint => 2;
    private int BZeroPoint => linear ? 5 : 3;

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, A);
        var b = Required(inputs, B);
        foreach (var t in new[] { a, b })
            if (t.Type is not (DataType.UInt8 or DataType.Int8)) throw Error($"a and b must be uint8 or int8, got {t.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        if (a.Shape.Length < 2 || b.Shape.Length < 2) throw Error($"a {ShapeUtil.Format(a.Shape)} and b {ShapeUtil.Format(b.Shape)} must be at least 2-D", ModelErrorCode.UnsupportedOperator);
        if (a.Shape[^1] != b.Shape[^2]) throw Error($"inner dimensions differ: a {ShapeUtil.Format(a.Shape)}, b {ShapeUtil.Format(b.Shape)}");
        var batch = ShapeUtil.Broadcast(a.Shape[..^2], b.Shape[..^2]) ?? throw Error($"batch dimensions of a and b do not broadcast");
        var type = linear ? Required(inputs, 7).Type : DataType.Int32;
        return [new TensorType(type, [.. batch, a.Shape[^2], b.Shape[^1]])];
    }

    private static long ZeroPoint(Tensor? zp, int i) => zp is null ? 0 : zp.Length == 1 ? zp.Longs[0] : zp.Longs[i];

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[A]!;
        var b = inputs[B]!;
        Tensor? azp = inputs.Length > AZeroPoint ? inputs[AZeroPoint] : null, bzp = inputs.Length > BZeroPoint ? inputs[BZeroPoint] : null;
        var y = outputs[0];
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1];
        var batch = y.Shape[..^2];
        int count = ShapeUtil.Size(batch);
        var ia = aBatch.Get(count);
        var ib = bBatch.Get(count);
        IndexMap.Broadcast(a.Shape[..^2], batch, ia);
        IndexMap.Broadcast(b.Shape[..^2], batch, ib);
        double rescale = linear ? inputs[1]!.Floats[0] * (double)inputs[4]!.Floats[0] / inputs[6]!.Floats[0] : 1;
        long yzp = linear ? inputs[7]!.Longs[0] : 0;
        long lo = y.Type == DataType.Int8 ? -128 : 0, hi = y.Type == DataType.Int8 ? 127 : 255;
        var av = a.Longs;
        var bv = b.Longs;
        var yv = y.Longs;
        for (int t = 0; t < count; t++)
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            long sum = 0;
            for (int p = 0; p < k; p++)
                sum += (av[(ia[t] * m + i) * k + p] - ZeroPoint(azp, i)) * (bv[(ib[t] * k + p) * n + j] - ZeroPoint(bzp, j));
            yv[(t * m + i) * n + j] = linear ? (long)Math.Clamp(Math.Round(sum * rescale, MidpointRounding.ToEven) + yzp, lo, hi) : sum;
        }
    }
}
