// The fault model a campaign asks for (`--model`): flip, stuck0, stuck1, and multi-bit variants with k bits in one
// word, adjacent ("flip:adj3": the fault's bit and the k-1 bits above it) or random ("flip:rand3": the fault's bit
// plus k-1 other bits drawn from (seed, fault index) by the counter-based generator). Draw turns it into the
// concrete FaultModel a Fault carries, so a fault's text form is self-contained and replayable.
using System.Globalization;
using Neutron.Faults.Random;

namespace Neutron.Faults.Models;

public enum MultiBit
{
    None,
    Adjacent,
    Random,
}

public sealed record FaultModelSpec(FaultKind Kind, int Bits = 1, MultiBit Layout = MultiBit.None)
{
    public static FaultModelSpec Flip { get; } = new(FaultKind.Flip);

    /// <summary>How many of a word's bit positions can be the fault's own bit: adjacent k bits need k-1 above it.</summary>
    public int StartBits(int width) => Layout == MultiBit.Adjacent ? Math.Max(0, width - Bits + 1) : width;

    /// <summary>The concrete model for a fault at <paramref name="bit"/> of a width-bit word, index-th in a plan.</summary>
    public FaultModel Draw(int bit, int width, ulong seed, long index)
    {
        if (Bits > width) throw new ArgumentException($"{this} hits {Bits} bits, more than the {width}-bit word");
        uint extra = 0;
        if (Layout == MultiBit.Adjacent)
        {
            for (int b = bit + 1; b < bit + Bits; b++) extra |= 1u << b;
        }
        else if (Layout == MultiBit.Random)
        {
            // Draw k-1 distinct other bits: stream 1 of (seed, index), j-th draw over the bits not yet taken.
            uint taken = 1u << bit;
            for (int j = 1; j < Bits; j++)
            {
                int pick = (int)CounterRng.Below(seed, (ulong)index, (ulong)(1 + j), (ulong)(width - j));
                for (int b = 0; b < width; b++)
                {
                    if ((taken & (1u << b)) != 0) continue;
                    if (pick-- == 0) { taken |= 1u << b; extra |= 1u << b; break; }
                }
            }
        }
        return new FaultModel(Kind, extra);
    }

    public override string ToString()
    {
        string kind = Kind switch { FaultKind.Stuck0 => "stuck0", FaultKind.Stuck1 => "stuck1", _ => "flip" };
        return Layout switch
        {
            MultiBit.Adjacent => $"{kind}:adj{Bits}",
            MultiBit.Random => $"{kind}:rand{Bits}",
            _ => kind,
        };
    }

    /// <summary>Parses "flip", "stuck0", "stuck1", optionally ":adjK" or ":randK" (K ≥ 2).</summary>
    public static FaultModelSpec Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split(':');
        var kind = parts[0] switch
        {
            "flip" => FaultKind.Flip,
            "stuck0" => FaultKind.Stuck0,
            "stuck1" => FaultKind.Stuck1,
            _ => throw new FaultException($"unknown fault model '{text}'; use flip, stuck0 or stuck1, optionally :adjK or :randK (K bits in one word)"),
        };
        if (parts.Length == 1) return new FaultModelSpec(kind);
        if (parts.Length == 2)
        {
            var p = parts[1];
            var layout = p.StartsWith("adj", StringComparison.Ordinal) ? MultiBit.Adjacent : p.StartsWith("rand", StringComparison.Ordinal) ? MultiBit.Random : MultiBit.None;
            string count = layout == MultiBit.Adjacent ? p[3..] : layout == MultiBit.Random ? p[4..] : "";
            if (layout != MultiBit.None && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= 32)
                return k == 1 ? new FaultModelSpec(kind) : new FaultModelSpec(kind, k, layout);
        }
        throw new FaultException($"fault model '{text}': multi-bit models are written MODEL:adjK or MODEL:randK, e.g. flip:adj2, with K in 1..32");
    }
}
