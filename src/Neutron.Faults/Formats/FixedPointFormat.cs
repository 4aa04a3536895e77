// fxpW.F: W-bit two's complement integer q standing for q / 2^F. Encode rounds to nearest (ties to even) and
// saturates to [-2^(W-1), 2^(W-1)-1]; NaN stores as 0. Bit W-1 is the sign.
namespace Neutron.Faults.Formats;

public sealed class FixedPointFormat : NumberFormat
{
    private readonly double scale, inverse;
    private readonly long min, max;

    public FixedPointFormat(int width, int fractionBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 32);
        ArgumentOutOfRangeException.ThrowIfNegative(fractionBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fractionBits, width);
        Width = width;
        FractionBits = fractionBits;
        scale = Math.ScaleB(1.0, fractionBits);
        inverse = 1.0 / scale;
        min = -(1L << (width - 1));
        max = (1L << (width - 1)) - 1;
    }

    public int FractionBits { get; }
    public override int Width { get; }
    public override string Name => $"fxp{Width}.{FractionBits}";

    /// <summary>The step between neighbouring values, 2^-F.</summary>
    public double Quantum => inverse;
    public float MinValue => (float)(min * inverse);
    public float MaxValue => (float)(max * inverse);

    public override uint Encode(float value)
    {
        if (float.IsNaN(value)) return 0;
        double q = Math.Round(value * scale, MidpointRounding.ToEven);
        long n = q <= min ? min : q >= max ? max : (long)q;
        return (uint)n & WordMask;
    }

    public override float Decode(uint word)
    {
        int shift = 32 - Width;
        long n = (int)((word & WordMask) << shift) >> shift; // sign-extend bit W-1
        return (float)(n * inverse);
    }
}
