// Gradient of a broadcast: sums dY over the axes an operand was broadcast along, back to the operand's shape.
// Same-shape is a plain add; a trailing-row operand (bias) sums rows; anything else walks broadcast strides.
using System.Numerics.Tensors;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

internal static class Broadcasting
{
    /// <summary>target (shape) += Σ over broadcast axes of scale · dy (yShape).</summary>
    public static void AddReduced(ReadOnlySpan<float> dy, int[] yShape, Span<float> target, int[] shape, float scale = 1f)
    {
        if (target.Length == dy.Length)
        {
            if (scale == 1f) TensorPrimitives.Add(target, dy, target);
            else TensorPrimitives.MultiplyAdd(dy, scale, target, target);
            return;
        }
        if (target.Length > 0 && dy.Length % target.Length == 0 && TrailingMatch(shape, yShape))
        {
            for (int r = 0; r < dy.Length; r += target.Length)
                TensorPrimitives.MultiplyAdd(dy.Slice(r, target.Length), scale, target, target);
            return;
        }
        var strides = ShapeUtil.BroadcastStrides(shape, yShape);
        int rank = yShape.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int at = 0;
        for (int i = 0; i < dy.Length; i++)
        {
            target[at] += scale * dy[i];
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                at += strides[d];
                if (index[d] < yShape[d]) break;
                at -= strides[d] * yShape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>True when shape, ignoring leading 1s, equals the trailing dimensions of yShape.</summary>
    private static bool TrailingMatch(int[] shape, int[] yShape)
    {
        int s = 0;
        while (s < shape.Length && shape[s] == 1) s++;
        int n = shape.Length - s;
        if (n > yShape.Length) return false;
        for (int i = 0; i < n; i++) if (shape[s + i] != yShape[yShape.Length - n + i]) return false;
        return true;
    }
}
