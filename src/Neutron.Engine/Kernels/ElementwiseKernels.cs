// Broadcasting element-wise kernels. Fast paths (same shape, scalar operand, one value per row as in
// squeeze-excitation's (N, C, H, W) · (N, C, 1, 1), a repeated block as in bias adds) run TensorPrimitives span
// loops: each output is the same single operation as in BinaryReference, so the bits are the same. The general
// path walks strides; BinaryReference is the scalar twin the fast paths are tested against.
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
        if (op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div)
        {
            if (a.Length == y.Length && PerRow(bShape, yShape, out int inner))
            {
                for (int r = 0; r < b.Length; r++) RowWithScalar(op, a.Slice(r * inner, inner), b[r], y.Slice(r * inner, inner), scalarFirst: false);
                return;
            }
            if (b.Length == y.Length && PerRow(aShape, yShape, out inner))
            {
                for (int r = 0; r < a.Length; r++) RowWithScalar(op, b.Slice(r * inner, inner), a[r], y.Slice(r * inner, inner), scalarFirst: true);
                return;
            }
            if (a.Length == y.Length && b.Length > 0 && Repeated(bShape, yShape))
            {
                for (int at = 0; at < y.Length; at += b.Length) SameShape(op, a.Slice(at, b.Length), b, y.Slice(at, b.Length));
                return;
            }
        }
        BinaryReference(op, a, aShape, b, bShape, y, yShape);
    }

    /// <summary>
    /// Whether the small operand holds one value per row of y: aligned to y's rank, its dims equal y's up to its last
    /// dim other than 1, and are 1 after it. inner = the row length (the product of y's trailing dims).
    /// </summary>
    internal static bool PerRow(int[] small, int[] yShape, out int inner)
    {
        inner = 1;
        int offset = yShape.Length - small.Length;
        if (offset < 0) return false;
        int last = -1;
        for (int d = 0; d < small.Length; d++)
            if (small[d] != 1) last = d + offset;
        for (int d = 0; d < yShape.Length; d++)
        {
            int s = d < offset ? 1 : small[d - offset];
            if (d <= last ? s != yShape[d] : s != 1) return false;
            if (d > last) inner *= yShape[d];
        }
        return inner > 1;
    }

    /// <summary>Whether the small operand is y's trailing block, repeated: its dims, aligned to y's, are 1 then y's own.</summary>
    private static bool Repeated(int[] small, int[] yShape)
    {
        int offset = yShape.Length - small.Length;
        if (offset < 0) return false;
        int first = small.Length;
        for (int d = small.Length - 1; d >= 0 && small[d] == yShape[d + offset]; d--) first = d;
        for (int d = 0; d < first; d++)
            if (small[d] != 1) return false;
        return true;
    }

    /// <summary>y = a op b element by element (Add, Sub, Mul, Div), all three of one length.</summary>
    public static void SameShape(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    /// <summary>y = row op s, or s op row when the scalar is the left operand (it matters for Sub and Div).</summary>
    internal static void RowWithScalar(BinaryOp op, ReadOnlySpan<float> row, float s, Span<float> y, bool scalarFirst)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(row, s, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(row, s, y); break;
            case BinaryOp.Sub:
                if (scalarFirst) TensorPrimitives.Subtract(s, row, y);
                else TensorPrimitives.Subtract(row, s, y);
                break;
            default:
                if (scalarFirst) TensorPrimitives.Divide(s, row, y);
                else TensorPrimitives.Divide(row, s, y);
                break;
        }
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
