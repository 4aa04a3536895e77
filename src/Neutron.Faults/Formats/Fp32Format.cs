// IEEE-754 binary32 as stored: mantissa bits 0–22, exponent 23–30, sign 31. Encode is the identity on bits.
namespace Neutron.Faults.Formats;

public sealed class Fp32Format : NumberFormat
{
    public override string Name => "fp32";
    public override int Width => 32;
    public override bool IsIdentity => true;
    public override uint Encode(float value) => BitConverter.SingleToUInt32Bits(value);
    public override float Decode(uint word) => BitConverter.UInt32BitsToSingle(word);
}
