// Known answers for ECC costs: Hamming check bits, and Table III of Traiola, Kritikakou and Sentieys (DATE 2023):
// ECC on all parameters 18.75 / 31.25 / 50 % for 32 / 16 / 8-bit words, signature 3.125 / 6.25 / 12.5 %, LeNet-5
// FP32 ECC-CP 9.926 % + signature, a 30.4 % saving. Also reading Critical Parameters from predictions and outcomes.
using Neutron.Protection.Protection;
using Neutron.Faults;

namespace Neutron.Protection.Tests.Protection;

public class EccProtectionTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 3)]
    [InlineData(8, 4)]
    [InlineData(11, 4)]
    [InlineData(16, 5)]
    [InlineData(26, 5)]
    [InlineData(32, 6)]
    [InlineData(57, 6)]
    [InlineData(64, 7)]
    public void Hamming_check_bits_are_the_smallest_r_with_2_to_the_r_at_least_k_plus_r_plus_1(int k, int r)
    {
        Assert.Equal(r, HammingCode.CheckBits(k));
        Assert.Equal(r + 1, HammingCode.CheckBits(k, EccCode.SecDed));
    }

    [Theory]
    [InlineData(32, 18.75, 3.125)]
    [InlineData(16, 31.25, 6.25)]
    [InlineData(8, 50.0, 12.5)]
    public void Ecc_on_all_parameters_and_the_signature_match_table_III(int width, double all, double signature)
    {
        var a = EccProtection.All(1000, width);
        Assert.Equal(all, a.MemoryOverheadPct, 12);
        Assert.Equal((0.0, 0.0, 0.0), (a.SignaturePct, a.GainVsEccAllPct, a.ComputeOverheadPct));
        var none = EccProtection.Critical(1000, width, 0);
        Assert.Equal(signature, none.SignaturePct, 12);
        Assert.Equal(signature, none.MemoryOverheadPct, 12);
        Assert.Equal(100 * (all - signature) / all, none.GainVsEccAllPct, 12);
        var every = EccProtection.Critical(1000, width, 1000);
        Assert.Equal(all + signature, every.MemoryOverheadPct, 12); // coding everything and flagging it costs more than ecc-all
    }

    [Fact]
    public void LeNet5_fp32_ecc_on_critical_parameters_saves_30_4_percent()
    {
        // Table III: ECC-CP 9.926 % (52.94 % of the parameters critical: 9.926 / 18.75) + signature 3.125 %.
        var c = EccProtection.Critical(1_000_000, 32, 529_387);
        Assert.Equal(9.926, Math.Round(c.EccPct, 3));
        Assert.Equal(13.051, Math.Round(c.MemoryOverheadPct, 3));
        Assert.Equal(30.4, Math.Round(c.GainVsEccAllPct, 1));
        Assert.Equal("Hamming (38,32) SEC", c.Code);
        var d = EccProtection.Critical(1_000_000, 32, 529_387, EccCode.SecDed);
        Assert.Equal("extended Hamming (39,32) SEC-DED", d.Code);
        Assert.Equal(21.875, d.EccAllPct, 12);
    }

    [Fact]
    public void Ecc_on_some_bit_positions_codes_only_those()
    {
        var top = EccProtection.Bits(500, 32, 30, 30); // one data bit, two check bits
        Assert.Equal((6.25, 2), (top.MemoryOverheadPct, top.CheckBitsPerWord));
        Assert.Equal(100 * (18.75 - 6.25) / 18.75, top.GainVsEccAllPct, 12);
        var exponent = EccProtection.Bits(500, 32, 30, 23); // (12,8)
        Assert.Equal((12.5, "Hamming (12,8) SEC"), (exponent.MemoryOverheadPct, exponent.Code));
        Assert.Equal(50.0, EccProtection.Bits(10, 8, 7, 0).MemoryOverheadPct, 12); // every bit: ecc-all
        Assert.Throws<ArgumentOutOfRangeException>(() => EccProtection.Bits(10, 16, 16, 10));
    }

    [Fact]
    public void Critical_parameters_come_from_predictions_or_measured_drops()
    {
        var csv = new StringReader("fault,probability,critical\nweight:a@0#30,0.9,1\nweight:a@0#31,0.7,1\nweight:a@1#30,0.2,0\nweight:b.w@5#2,0.51,1\n");
        var set = CriticalParameters.FromPredictions(csv, out long rows);
        Assert.Equal(4, rows);
        Assert.Equal(new HashSet<(string, long)> { ("a", 0), ("b.w", 5) }, set);
        var bad = Assert.Throws<FormatException>(() => CriticalParameters.FromPredictions(new StringReader("fault,probability,critical\nweight:a@0#30,0.9,yes\n"), out _));
        Assert.Contains("line 2", bad.Message);
        Assert.Throws<FormatException>(() => CriticalParameters.FromPredictions(new StringReader("fault,p\n"), out _));

        var measured = CriticalParameters.FromOutcomes(
        [
            (Fault.Parse("weight:a@3#30"), 2.0), (Fault.Parse("weight:a@3#29"), 5.0), (Fault.Parse("weight:a@4#30"), 1.0),
            (Fault.Parse("weight:a@5#30:stuck1"), 9.0), (Fault.Parse("act:x@5#30"), 9.0), (null, 9.0),
        ], tolerance: 1.0);
        Assert.Equal(new HashSet<(string, long)> { ("a", 3) }, measured);
    }
}
