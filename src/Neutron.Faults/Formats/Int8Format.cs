// int8 affine: value = (q - zeroPoint) · scale with q an 8-bit two's complement integer (bit 7 = sign), encoded by
// rounding half to even and saturating to [-128, 127] as ONNX QuantizeLinear does.
// `--format int8` derives the parameters from the data, SYMMETRIC (zero point 0, scale = max|x| / 127):
// weights per output channel (axis 0) when the tensor has rank ≥ 2, otherwise per tensor; activations per tensor.
// QDQ models keep their own scale and zero point (the runner reads them from the DequantizeLinear node).
namespace Neutron.Faults.Formats;

public sealed class Int8Format : NumberFormat
{
    public Int8Format(float scale, int zeroPoint = 0)
    {
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "int8 scale must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfLessThan(zeroPoint, -128);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(zeroPoint, 127);
        Scale = scale;
        ZeroPoint = zeroPoint;
    }

    /// <summary>The parsed `int8`: scale 1 and zero point 0 until ForTensor derives them from a tensor.</summary>
    public static Int8Format Calibrated { get; } = new(1f);

    public float Scale { get; }
    public int ZeroPoint { get; }
    public override string Name => "int8";
    public override int Width => 8;

    public override uint Encode(float value)
    {
        if (float.IsNaN(value)) return (uint)(byte)(sbyte)Math.Clamp(ZeroPoint, -128, 127);
        double q = Math.Round((double)value / Scale, MidpointRounding.ToEven) + ZeroPoint;
        int n = q <= -128 ? -128 : q >= 127 ? 127 : (int)q;
        return (byte)(sbyte)n;
    }

    public override float Decode(uint word) => ((sbyte)(byte)word - ZeroPoint) * Scale;

    /// <summary>The symmetric scale for data whose largest magnitude is maxAbs (1 when all zero).</summary>
    public static Int8Format Symmetric(float maxAbs) => new(maxAbs > 0 && float.IsFinite(maxAbs) ? maxAbs / 127f : 1f);

    public override TensorEncoding ForTensor(ReadOnlySpan<float> values, int[] shape, bool perChannel)
    {
        if (!perChannel || shape.Length < 2 || shape[0] <= 1) return new TensorEncoding(Symmetric(MaxAbs(values)));
        int channels = shape[0], size = values.Length / channels;
        var formats = new NumberFormat[channels];
        for (int c = 0; c < channels; c++) formats[c] = Symmetric(MaxAbs(values.Slice(c * size, size)));
        return new TensorEncoding(this, formats, size);
    }

    internal static float MaxAbs(ReadOnlySpan<float> values)
    {
        float m = 0;
        foreach (float v in values) if (float.IsFinite(v)) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
