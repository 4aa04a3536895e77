// Data movement by index maps: an operator that only moves elements (Transpose, Slice, Pad, Gather, Expand, Tile,
// Concat...) computes, for every output element, the flat input position it reads (-1 for a fill value), then one
// copy loop serves every element type. The maps are plain row-major walks; the scratch buffer is reused across runs.
namespace Neutron.Engine.Tensors;

public static class IndexMap
{
    /// <summary>map[i] = position in a tensor of <paramref name="shape"/> read by element i of a numpy broadcast to <paramref name="target"/>.</summary>
    public static void Broadcast(ReadOnlySpan<int> shape, ReadOnlySpan<int> target, Span<int> map)
    {
        var strides = ShapeUtil.BroadcastStrides(shape, target);
        Walk(target, strides, 0, map);
    }

    /// <summary>map[i] = start + Σ index[d]·strides[d] for element i of <paramref name="shape"/> walked in row-major order.</summary>
    public static void Walk(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int start, Span<int> map)
    {
        int rank = shape.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int offset = start;
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d]) break;
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>dst[i] = src[map[i]], or <paramref name="fill"/> where map[i] is negative; any element type.</summary>
    public static void Copy(Tensor src, Tensor dst, ReadOnlySpan<int> map, double fill = 0)
    {
        if (dst.IsFloating)
        {
            var s = src.Floats;
            var d = dst.Floats;
            float f = (float)fill;
            for (int i = 0; i < map.Length; i++) d[i] = map[i] >= 0 ? s[map[i]] : f;
        }
        else
        {
            var s = src.Longs;
            var d = dst.Longs;
            long f = (long)fill;
            for (int i = 0; i < map.Length; i++) d[i] = map[i] >= 0 ? s[map[i]] : f;
        }
    }

    /// <summary>Copies a contiguous run of elements between tensors of the same storage.</summary>
    public static void CopyRange(Tensor src, int srcStart, Tensor dst, int dstStart, int count)
    {
        if (dst.IsFloating) src.Floats.Slice(srcStart, count).CopyTo(dst.Floats.Slice(dstStart, count));
        else src.Longs.Slice(srcStart, count).CopyTo(dst.Longs.Slice(dstStart, count));
    }
}

/// <summary>A reusable int buffer for index maps, grown when a bigger plan needs more.</summary>
public sealed class MapBuffer
{
    private int[] buffer = [];

    public Span<int> Get(int length)
    {
        if (buffer.Length < length) buffer = new int[length];
        return buffer.AsSpan(0, length);
    }
}
