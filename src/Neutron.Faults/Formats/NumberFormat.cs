// How a value is stored as a word of Width bits (DESIGN §4: bit 0 is the word's least significant bit).
// A fault changes the word; the engine computes with Decode(word). This is a codec for one tensor or one channel;
// formats that need the data to fix their parameters (int8's scale) derive one per tensor with ForTensor.
using System.Globalization;

namespace Neutron.Faults.Formats;

public abstract class NumberFormat
{
    /// <summary>The text form, as `--format` takes it ("fp32", "fp16", "bf16", "int8", "fxp8.6").</summary>
    public abstract string Name { get; }

    /// <summary>Bits in the stored word (1..32); faults address bits 0..Width-1.</summary>
    public abstract int Width { get; }

    /// <summary>The stored word for a value (rounded to nearest, saturating where the format saturates).</summary>
    public abstract uint Encode(float value);

    /// <summary>The value a word stands for; bits above Width are ignored.</summary>
    public abstract float Decode(uint word);

    /// <summary>What the engine computes with when x is stored: Decode(Encode(x)).</summary>
    public float Quantize(float value) => Decode(Encode(value));

    /// <summary>The word's used bits: (1 &lt;&lt; Width) - 1.</summary>
    public uint WordMask => Width == 32 ? uint.MaxValue : (1u << Width) - 1;

    /// <summary>True when storing float32 values in this format changes nothing (fp32), so no setup is needed.</summary>
    public virtual bool IsIdentity => false;

    /// <summary>
    /// The encoding of one stored tensor. Formats with fixed parameters use themselves for every element;
    /// int8 derives its scale from the data (see Int8Format).
    /// </summary>
    public virtual TensorEncoding ForTensor(ReadOnlySpan<float> values, int[] shape, bool perChannel) => new(this);

    public override string ToString() => Name;

    public static NumberFormat Fp32 { get; } = new Fp32Format();
    public static NumberFormat Fp16 { get; } = new Fp16Format();
    public static NumberFormat Bf16 { get; } = new Bf16Format();

    /// <summary>Parses "fp32", "fp16", "bf16", "int8" or "fxpW.F" (case-insensitive).</summary>
    public static NumberFormat Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "fp32" or "float32": return Fp32;
            case "fp16" or "float16": return Fp16;
            case "bf16" or "bfloat16": return Bf16;
            case "int8": return Int8Format.Calibrated;
        }
        if (t.StartsWith("fxp", StringComparison.Ordinal))
        {
            var parts = t[3..].Split('.');
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int f))
            {
                if (w < 2 || w > 32) throw new FaultException($"number format '{text}': the width W must be 2..32, got {w}");
                if (f > w) throw new FaultException($"number format '{text}': the fraction bits F must be 0..W ({w}), got {f}");
                return new FixedPointFormat(w, f);
            }
            throw new FaultException($"number format '{text}': fixed point is written fxpW.F, e.g. fxp8.6 (W-bit word, F fraction bits)");
        }
        throw new FaultException($"unknown number format '{text}'; use fp32, fp16, bf16, int8 or fxpW.F (e.g. fxp16.8)");
    }
}
