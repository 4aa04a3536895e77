// What a fault does to the bits it hits: flip (XOR), stuck at 0, stuck at 1, on the fault's bit plus optional
// extra bits of the same word (multi-bit faults). Text: "flip", "stuck0", "stuck1", with "+B" per extra bit,
// e.g. "flip+13+14". Random and adjacent multi-bit faults are drawn into this form by FaultModelSpec.
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Neutron.Faults.Models;

public enum FaultKind
{
    Flip,
    Stuck0,
    Stuck1,
}

public readonly record struct FaultModel(FaultKind Kind, uint ExtraBits = 0)
{
    public static FaultModel Flip => new(FaultKind.Flip);
    public static FaultModel Stuck0 => new(FaultKind.Stuck0);
    public static FaultModel Stuck1 => new(FaultKind.Stuck1);

    /// <summary>All bits hit when the fault's own bit is <paramref name="bit"/>.</summary>
    public uint Bits(int bit) => ExtraBits | (1u << bit);

    /// <summary>Number of bits hit (1 for single-bit faults).</summary>
    public int BitCount(int bit) => BitOperations.PopCount(Bits(bit));

    /// <summary>The highest bit hit, for validation against a format's width.</summary>
    public int HighestBit(int bit) => 31 - BitOperations.LeadingZeroCount(Bits(bit));

    public BitMask Mask(int bit)
    {
        uint bits = Bits(bit);
        return Kind switch
        {
            FaultKind.Flip => new BitMask(uint.MaxValue, 0, bits),
            FaultKind.Stuck0 => new BitMask(~bits, 0, 0),
            FaultKind.Stuck1 => new BitMask(uint.MaxValue, bits, 0),
            _ => throw new InvalidOperationException($"unknown fault kind {Kind}"),
        };
    }

    public string KindName => Kind switch { FaultKind.Stuck0 => "stuck0", FaultKind.Stuck1 => "stuck1", _ => "flip" };

    /// <summary>The text form without the fault's own bit, e.g. "flip" or "stuck1+5+9".</summary>
    public override string ToString()
    {
        if (ExtraBits == 0) return KindName;
        var sb = new StringBuilder(KindName);
        for (int b = 0; b < 32; b++) if ((ExtraBits & (1u << b)) != 0) sb.Append('+').Append(b.ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>Parses "flip", "stuck0", "stuck1", optionally followed by "+B" extra bits.</summary>
    public static FaultModel Parse(string text)
    {
        var parts = text.Split('+');
        FaultKind kind = parts[0].Trim().ToLowerInvariant() switch
        {
            "flip" => FaultKind.Flip,
            "stuck0" => FaultKind.Stuck0,
            "stuck1" => FaultKind.Stuck1,
            _ => throw new FaultException($"unknown fault model '{parts[0]}' in '{text}'; use flip, stuck0 or stuck1 (extra bits as +B, e.g. flip+13)"),
        };
        uint extra = 0;
        for (int i = 1; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b > 31)
                throw new FaultException($"fault model '{text}': extra bit '{parts[i]}' is not a bit number 0..31");
            extra |= 1u << b;
        }
        return new FaultModel(kind, extra);
    }
}
