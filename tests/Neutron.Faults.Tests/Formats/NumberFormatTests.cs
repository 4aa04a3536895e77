// Every number format: round trip within one quantum, flip twice = identity, saturation, and DESIGN §4's bit
// numbering checked on known bit patterns.
using Neutron.Faults.Formats;
using Neutron.Faults.Models;

namespace Neutron.Faults.Tests.Formats;

public class NumberFormatTests
{
    public static TheoryData<string> AllFormats => ["fp32", "fp16", "bf16", "int8", "fxp8.6", "fxp16.8", "fxp32.16", "fxp4.0"];

    private static float[] Samples()
    {
        var r = new System.Random(1234);
        var xs = new float[2000];
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)((r.NextDouble() * 2 - 1) * Math.Pow(2, r.Next(-6, 3)));
        return xs;
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Decode_of_encode_is_within_one_quantum(string name)
    {
        var format = NumberFormat.Parse(name);
        foreach (float x in Samples())
        {
            float y = format.Quantize(x);
            double quantum = format switch
            {
                Fp32Format => 0,
                Fp16Format => Math.Max(Math.Abs(x) * Math.Pow(2, -10), Math.Pow(2, -24)),
                Bf16Format => Math.Abs(x) * Math.Pow(2, -7),
                Int8Format i => i.Scale,
                FixedPointFormat f => f.Quantum,
                _ => throw new InvalidOperationException(),
            };
            if (format is FixedPointFormat fx && (x > fx.MaxValue || x < fx.MinValue)) continue; // saturation, tested below
            if (format is Int8Format && Math.Abs(x) > 127) continue;
            Assert.True(Math.Abs(y - x) <= quantum, $"{name}: {x} → {y}, quantum {quantum}");
            // Stored values are fixed points of the round trip.
            Assert.Equal(y, format.Quantize(y));
        }
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Flipping_a_bit_twice_restores_the_word(string name)
    {
        var format = NumberFormat.Parse(name);
        foreach (float x in Samples().Take(200))
        {
            uint word = format.Encode(x);
            Assert.Equal(word, word & format.WordMask);
            for (int bit = 0; bit < format.Width; bit++)
            {
                var mask = FaultModel.Flip.Mask(bit);
                uint flipped = mask.Apply(word);
                Assert.NotEqual(word, flipped);
                Assert.Equal(word, mask.Apply(flipped));
                // The value changes with the word, except NaN payloads, which stay NaN.
                float v = format.Decode(flipped);
                Assert.True(float.IsNaN(v) || v != format.Decode(word) || format is Fp32Format or Fp16Format or Bf16Format && v == 0,
                    $"{name}: flipping bit {bit} of {word:X} leaves {v}");
            }
        }
    }

    [Fact]
    public void Fixed_point_saturates_and_rounds_half_to_even()
    {
        var f = (FixedPointFormat)NumberFormat.Parse("fxp8.6");
        Assert.Equal(127 / 64f, f.MaxValue);
        Assert.Equal(-2f, f.MinValue);
        Assert.Equal(f.MaxValue, f.Quantize(100f));
        Assert.Equal(f.MinValue, f.Quantize(-100f));
        Assert.Equal(f.MaxValue, f.Quantize(float.PositiveInfinity));
        Assert.Equal(0f, f.Quantize(float.NaN));
        Assert.Equal(0f, f.Quantize(0.5f / 64));      // half a quantum → even (0)
        Assert.Equal(2 / 64f, f.Quantize(1.5f / 64)); // 1.5 quanta → even (2)
        Assert.Equal(0x7Fu, f.Encode(100f));
        Assert.Equal(0x80u, f.Encode(-100f));
        Assert.Equal(-1 / 64f, f.Decode(0xFF));
    }

    [Fact]
    public void Int8_saturates_and_uses_zero_point()
    {
        var f = new Int8Format(0.5f, 10);
        Assert.Equal((127 - 10) * 0.5f, f.Quantize(1000f));
        Assert.Equal((-128 - 10) * 0.5f, f.Quantize(-1000f));
        Assert.Equal(0f, f.Quantize(0f));
        Assert.Equal(10u, f.Encode(0f));
        Assert.Equal(0x80u, f.Encode(-1000f));
    }

    [Fact]
    public void Bit_numbering_follows_design()
    {
        // FP32: bit 31 sign, 23–30 exponent, 0–22 mantissa.
        var fp32 = NumberFormat.Fp32;
        Assert.Equal(-1f, fp32.Decode(FaultModel.Flip.Mask(31).Apply(fp32.Encode(1f))));
        Assert.Equal(4f, fp32.Decode(FaultModel.Flip.Mask(23).Apply(fp32.Encode(2f))));
        Assert.Equal(float.PositiveInfinity, fp32.Decode(FaultModel.Flip.Mask(30).Apply(fp32.Encode(1f))));
        Assert.Equal(1f + MathF.Pow(2, -23), fp32.Decode(FaultModel.Flip.Mask(0).Apply(fp32.Encode(1f))));
        Assert.Equal(1f + 0.5f, fp32.Decode(FaultModel.Flip.Mask(22).Apply(fp32.Encode(1f))));
        // FP16: 15 sign, 10–14 exponent, 0–9 mantissa.
        var fp16 = NumberFormat.Fp16;
        Assert.Equal(0x3C00u, fp16.Encode(1f));
        Assert.Equal(-1f, fp16.Decode(fp16.Encode(1f) ^ (1u << 15)));
        Assert.Equal(4f, fp16.Decode(fp16.Encode(2f) ^ (1u << 10)));
        Assert.Equal(float.PositiveInfinity, fp16.Decode(fp16.Encode(1f) ^ (1u << 14)));
        Assert.Equal(1.5f, fp16.Decode(fp16.Encode(1f) ^ (1u << 9)));
        // BF16: 15 sign, 7–14 exponent, 0–6 mantissa.
        var bf16 = NumberFormat.Bf16;
        Assert.Equal(0x3F80u, bf16.Encode(1f));
        Assert.Equal(-1f, bf16.Decode(bf16.Encode(1f) ^ (1u << 15)));
        Assert.Equal(4f, bf16.Decode(bf16.Encode(2f) ^ (1u << 7)));
        Assert.Equal(float.PositiveInfinity, bf16.Decode(bf16.Encode(1f) ^ (1u << 14)));
        Assert.Equal(1.5f, bf16.Decode(bf16.Encode(1f) ^ (1u << 6)));
        // INT8: two's complement, bit 7 the sign.
        var int8 = new Int8Format(1f);
        Assert.Equal(0x05u, int8.Encode(5f));
        Assert.Equal(5f - 128f, int8.Decode(int8.Encode(5f) ^ 0x80u));
        Assert.Equal(-1f, int8.Decode(0xFF));
        // fxp8.6: bit 7 sign, bit 6 the units bit.
        var fxp = NumberFormat.Parse("fxp8.6");
        Assert.Equal(1f, fxp.Decode(1u << 6));
        Assert.Equal(-2f, fxp.Decode(1u << 7));
    }

    [Fact]
    public void Per_channel_int8_takes_each_channels_scale()
    {
        float[] w = [1f, -0.5f, 0.25f, 100f, -50f, 25f];
        var enc = NumberFormat.Parse("int8").ForTensor(w, [2, 3], perChannel: true);
        Assert.True(enc.PerChannel);
        Assert.Equal(1f / 127, ((Int8Format)enc.At(0)).Scale);
        Assert.Equal(100f / 127, ((Int8Format)enc.At(3)).Scale);
        Assert.Equal(127u, enc.Encode(0, 1f));
        Assert.Equal(127u, enc.Encode(3, 100f));
        Assert.Equal(1f, enc.Decode(0, 127), 6);
        var perTensor = NumberFormat.Parse("int8").ForTensor(w, [2, 3], perChannel: false);
        Assert.False(perTensor.PerChannel);
        Assert.Equal(0u, perTensor.Encode(2, 0.25f));
    }

    [Theory]
    [InlineData("fp64", "unknown number format 'fp64'")]
    [InlineData("fxp40.3", "width W must be 2..32, got 40")]
    [InlineData("fxp8.9", "fraction bits F must be 0..W (8), got 9")]
    [InlineData("fxp8", "fixed point is written fxpW.F")]
    public void Parse_names_the_bad_text(string text, string message)
    {
        var e = Assert.Throws<FaultException>(() => NumberFormat.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.Contains(text, e.Message);
    }

    [Theory]
    [InlineData("FP16", 16)]
    [InlineData("bf16", 16)]
    [InlineData("int8", 8)]
    [InlineData("fxp12.4", 12)]
    public void Parse_gives_the_width(string text, int width) => Assert.Equal(width, NumberFormat.Parse(text).Width);
}
