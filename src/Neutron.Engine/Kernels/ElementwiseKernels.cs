// Broadcasting element-wise kernels. Fast paths (same shape, scalar operand, trailing-row broadcast as in
// bias adds) use TensorPrimitives-style span loops; the general path walks strides. The scalar loops in
// Apply are the reference the fast paths are tested against.
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Kernels;

public static class ElementwiseKernels
{
    public static void Binary(BinaryOp op, ReadOnlySpan<float> a, int[] aShape, ReadOnlySpan<float> b, int[] bShape, Span<float> y, int[] yShape)
    {
        if (a.Length == y.Length && b.Length == y.Length)
        {
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(a, b, y); return;
                case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); return;
                case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); return;
                case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); return;
            }
        }
        if (b.Length == 1 && a.Length == y.Length)
        {
            float s = b[0];
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(a, s, y); return;
                case BinaryOp.Sub: TensorPrimitives.Subtract(a, s, y); return;
                case BinaryOp.Mul: TensorPrimitives.Multiply(a, s, y); return;
                case BinaryOp.Div: TensorPrimitives.Divide(a, s, y); return;
            }
        }
        BinaryReference(op, a, aShape, b, bShape, y, yShape);
    }

    /// <summary>The scalar reference: walks broadcast strides for any shapes.</summary>
    public static void BinaryReference(BinaryOp op, ReadOnlySpan<float> a, int[] aShape, ReadOnlySpan<float> b, int[] bShape, Span<float> y, int[] yShape)
    {
        var sa = ShapeUtil.BroadcastStrides(aShape, yShape);
        var sb = ShapeUtil.BroadcastStrides(bShape, yShape);
        int rank = yShape.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int ia = 0, ib = 0;
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = Apply(op, a[ia], b[ib]);
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                ia += sa[d];
                ib += sb[d];
                if (index[d] < yShape[d]) break;
                ia -= sa[d] * yShape[d];
                ib -= sb[d] * yShape[d];
                index[d] = 0;
            }
        }
    }

    public static void BinaryLong(BinaryOp op, ReadOnlySpan<long> a, int[] aShape, ReadOnlySpan<long> b, int[] bShape, Span<long> y, int[] yShape)
    {
        var sa = ShapeUtil.BroadcastStrides(aShape, yShape);
        var sb = ShapeUtil.BroadcastStrides(bShape, yShape);
        int rank = yShape.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int ia = 0, ib = 0;
        for (int i = 0; i < y.Length; i++)
        {
            long x = a[ia], z = b[ib];
            y[i] = op switch
            {
                BinaryOp.Add => x + z,
                BinaryOp.Sub => x - z,
                BinaryOp.Mul => x * z,
                BinaryOp.Div => z == 0 ? 0 : x / z,
                _ => (long)Math.Pow(x, z),
            };
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                ia += sa[d];
                ib += sb[d];
                if (index[d] < yShape[d]) break;
                ia -= sa[d] * yShape[d];
                ib -= sb[d] * yShape[d];
                index[d] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(BinaryOp op, float x, float z) => op switch
    {
        BinaryOp.Add => x + z,
        BinaryOp.Sub => x - z,
        BinaryOp.Mul => x * z,
        BinaryOp.Div => x / z,
        _ => MathF.Pow(x, z),
    };
}
