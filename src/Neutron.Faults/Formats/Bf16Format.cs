// bfloat16: the high half of a float32 (mantissa bits 0–6, exponent 7–14, sign 15), rounded to nearest even.
// Shares the engine's conversion (Neutron.Engine.Tensors.BFloat16) so stored and computed values agree.
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Formats;

public sealed class Bf16Format : NumberFormat
{
    public override string Name => "bf16";
    public override int Width => 16;
    public override uint Encode(float value) => BFloat16.FromFloat(value);
    public override float Decode(uint word) => BFloat16.ToFloat((ushort)word);
}
