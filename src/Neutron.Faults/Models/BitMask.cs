// The fault model's action on a stored word (DESIGN §4): word' = ((word & And) | Or) ^ Xor.
// A flip is its own inverse; a stuck-at is not, so injectors save the word and restore it.
namespace Neutron.Faults.Models;

public readonly record struct BitMask(uint And, uint Or, uint Xor)
{
    public static BitMask Identity => new(uint.MaxValue, 0, 0);

    public uint Apply(uint word) => ((word & And) | Or) ^ Xor;

    public override string ToString() => $"and=0x{And:X8} or=0x{Or:X8} xor=0x{Xor:X8}";
}
