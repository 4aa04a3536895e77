// A dense row-major tensor. Float-like types (float32/64, float16, bfloat16) live in a float[] buffer,
// integer-like types and bool in a long[] buffer. The buffer may be longer than the tensor (buffers are reused
// across batch sizes), so always go through Floats/Longs, which are sliced to Length.
namespace Neutron.Engine.Tensors;

public sealed class Tensor
{
    private readonly float[]? floatBuffer;
    private readonly long[]? longBuffer;

    public DataType Type { get; }
    public int[] Shape { get; }
    public int Length { get; }
    public int Rank => Shape.Length;

    private Tensor(DataType type, int[] shape, float[]? floats, long[]? longs)
    {
        Type = type;
        Shape = shape;
        Length = ShapeUtil.Size(shape);
        floatBuffer = floats;
        longBuffer = longs;
    }

    public static Tensor Zeros(DataType type, params int[] shape) =>
        type.IsFloating()
            ? new Tensor(type, shape, new float[ShapeUtil.Size(shape)], null)
            : new Tensor(type, shape, null, new long[ShapeUtil.Size(shape)]);

    /// <summary>Zeros whose float buffer starts a cache line when it can (AlignedFloats): the buffers the kernels
    /// read in whole vectors.</summary>
    public static Tensor AlignedZeros(DataType type, params int[] shape) =>
        type.IsFloating() ? new Tensor(type, shape, AlignedFloats.Allocate(ShapeUtil.Size(shape)), null) : Zeros(type, shape);

    public static Tensor FromFloats(float[] data, params int[] shape) => FromFloats(DataType.Float, data, shape);

    public static Tensor FromFloats(DataType type, float[] data, params int[] shape)
    {
        if (!type.IsFloating()) throw new ArgumentException($"{type.Name()} is not a floating type", nameof(type));
        if (data.Length < ShapeUtil.Size(shape))
            throw new ArgumentException($"buffer of {data.Length} elements is too small for shape {ShapeUtil.Format(shape)}", nameof(data));
        return new Tensor(type, shape, data, null);
    }

    public static Tensor FromLongs(DataType type, long[] data, params int[] shape)
    {
        if (type.IsFloating()) throw new ArgumentException($"{type.Name()} is a floating type", nameof(type));
        if (data.Length < ShapeUtil.Size(shape))
            throw new ArgumentException($"buffer of {data.Length} elements is too small for shape {ShapeUtil.Format(shape)}", nameof(data));
        return new Tensor(type, shape, null, data);
    }

    public static Tensor Scalar(float value) => FromFloats([value]);
    public static Tensor ScalarLong(long value) => FromLongs(DataType.Int64, [value]);

    public bool IsFloating => floatBuffer is not null;

    public Span<float> Floats => floatBuffer is { } f
        ? f.AsSpan(0, Length)
        : throw new InvalidOperationException($"tensor of {Type.Name()} holds integers, not floats");

    public Span<long> Longs => longBuffer is { } l
        ? l.AsSpan(0, Length)
        : throw new InvalidOperationException($"tensor of {Type.Name()} holds floats, not integers");

    /// <summary>The whole underlying float buffer (may exceed Length); for kernels that reuse it.</summary>
    internal float[]? FloatBuffer => floatBuffer;
    internal long[]? LongBuffer => longBuffer;

    /// <summary>A tensor of another shape over the same buffer (no copy), as Reshape and Flatten need.</summary>
    public Tensor View(int[] shape)
    {
        if (ShapeUtil.Size(shape) > (floatBuffer?.Length ?? longBuffer!.Length))
            throw new ArgumentException($"shape {ShapeUtil.Format(shape)} does not fit the buffer", nameof(shape));
        return new Tensor(Type, shape, floatBuffer, longBuffer);
    }

    /// <summary>A tensor of the given shape over this tensor's buffer, or a new buffer when it is too small.</summary>
    public Tensor Reuse(DataType type, int[] shape)
    {
        int size = ShapeUtil.Size(shape);
        if (type.IsFloating() && floatBuffer is { } f && f.Length >= size) return new Tensor(type, shape, f, null);
        if (!type.IsFloating() && longBuffer is { } l && l.Length >= size) return new Tensor(type, shape, null, l);
        return AlignedZeros(type, shape);
    }

    public Tensor Clone() => floatBuffer is not null
        ? new Tensor(Type, (int[])Shape.Clone(), Floats.ToArray(), null)
        : new Tensor(Type, (int[])Shape.Clone(), null, Longs.ToArray());

    public void CopyTo(Tensor destination)
    {
        if (floatBuffer is not null) Floats.CopyTo(destination.Floats);
        else Longs.CopyTo(destination.Longs);
    }

    /// <summary>Value i as a double, whatever the storage (for comparisons and printing).</summary>
    public double GetDouble(int i) => floatBuffer is not null ? Floats[i] : Longs[i];

    public long[] ToLongArray()
    {
        if (longBuffer is not null) return Longs.ToArray();
        var result = new long[Length];
        var f = Floats;
        for (int i = 0; i < result.Length; i++) result[i] = (long)f[i];
        return result;
    }

    public override string ToString() => $"{Type.Name()}{ShapeUtil.Format(Shape)}";
}
