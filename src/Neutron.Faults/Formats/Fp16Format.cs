// IEEE-754 binary16: mantissa bits 0–9, exponent 10–14, sign 15. Encode rounds to nearest even and overflows to
// ±Inf as the hardware does (no saturation).
namespace Neutron.Faults.Formats;

public sealed class Fp16Format : NumberFormat
{
    public override string Name => "fp16";
    public override int Width => 16;
    public override uint Encode(float value) => BitConverter.HalfToUInt16Bits((Half)value);
    public override float Decode(uint word) => (float)BitConverter.UInt16BitsToHalf((ushort)word);
}
