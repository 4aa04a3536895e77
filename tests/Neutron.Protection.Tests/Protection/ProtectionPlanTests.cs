// The per-fault rules of a protection file: a single error in an ECC word is corrected, a double one detected under
// SEC-DED (and left to run under SEC), a TMR replica outvoted, a DMR one detected, a code over some bit positions
// corrects only those, and whatever the protection does not cover runs unchanged. Also the file's ranges and checks.
using Neutron.Protection.Protection;
using Neutron.Faults;
using Neutron.Faults.Models;

namespace Neutron.Protection.Tests.Protection;

public class ProtectionPlanTests
{
    static ProtectionPlan Plan(string code, ProtectedBits? bits = null) => new()
    {
        Scheme = "test", Code = code, ModelSha256 = "abc", Bits = bits,
        Protected = [new ProtectedTensor("conv1.weight", [[0, 3], [10, 10]]), new ProtectedTensor("fc1.bias", [[5, 7]])],
    };

    static Fault W(string tensor, long index, int bit, FaultModel model = default) => new(FaultTarget.Weight, tensor, index, bit, model);

    [Fact]
    public void A_single_flip_in_an_ecc_word_is_corrected()
    {
        foreach (var code in new[] { ProtectionPlan.Sec, ProtectionPlan.SecDed })
        {
            var plan = Plan(code);
            Assert.Equal(ProtectionVerdict.Corrected, plan.Decide(W("conv1.weight", 2, 30)).Verdict);
            Assert.Equal(ProtectionVerdict.Corrected, plan.Decide(W("conv1.weight", 10, 0, FaultModel.Stuck1)).Verdict);
            Assert.Equal(ProtectionVerdict.Corrected, plan.Decide(W("fc1.bias", 7, 31)).Verdict);
        }
    }

    [Fact]
    public void A_double_error_is_detected_by_sec_ded_and_runs_under_sec()
    {
        var twoBits = W("conv1.weight", 0, 30, FaultModel.Parse("flip+29"));
        Assert.Equal(ProtectionVerdict.Detected, Plan(ProtectionPlan.SecDed).Decide(twoBits).Verdict);
        var sec = Plan(ProtectionPlan.Sec).Decide(twoBits);
        Assert.Equal((ProtectionVerdict.Runs, twoBits), (sec.Verdict, sec.Run));
        var threeBits = W("conv1.weight", 0, 30, FaultModel.Parse("flip+28+29"));
        Assert.Equal((ProtectionVerdict.Runs, threeBits), (Plan(ProtectionPlan.SecDed).Decide(threeBits).Verdict, Plan(ProtectionPlan.SecDed).Decide(threeBits).Run));
    }

    [Fact]
    public void A_fault_in_a_tmr_layer_is_outvoted_and_in_a_dmr_layer_detected()
    {
        var f = W("conv1.weight", 3, 12, FaultModel.Parse("flip+13+14"));
        Assert.Equal(ProtectionVerdict.Corrected, Plan(ProtectionPlan.Tmr).Decide(f).Verdict);
        Assert.Equal(ProtectionVerdict.Detected, Plan(ProtectionPlan.Dmr).Decide(f).Verdict);
    }

    [Fact]
    public void What_the_protection_does_not_cover_runs_unchanged()
    {
        foreach (var code in new[] { ProtectionPlan.Sec, ProtectionPlan.SecDed, ProtectionPlan.Tmr, ProtectionPlan.Dmr })
        {
            var plan = Plan(code);
            foreach (var f in new[] { W("conv1.weight", 4, 30), W("conv1.weight", 9, 30), W("conv1.weight", 11, 30), W("fc1.bias", 4, 30), W("fc2.weight", 0, 30),
                new Fault(FaultTarget.Activation, "conv1.weight", 2, 30) })
            {
                var d = plan.Decide(f);
                Assert.Equal((ProtectionVerdict.Runs, f), (d.Verdict, d.Run));
            }
        }
    }

    [Fact]
    public void A_code_over_some_bits_corrects_only_those()
    {
        var plan = Plan(ProtectionPlan.Sec, new ProtectedBits(30, 23));
        Assert.Equal(ProtectionVerdict.Corrected, plan.Decide(W("conv1.weight", 1, 30)).Verdict);
        Assert.Equal(ProtectionVerdict.Corrected, plan.Decide(W("conv1.weight", 1, 23)).Verdict);
        var low = W("conv1.weight", 1, 22);
        Assert.Equal((ProtectionVerdict.Runs, low), (plan.Decide(low).Verdict, plan.Decide(low).Run));
        var sign = W("conv1.weight", 1, 31);
        Assert.Equal(ProtectionVerdict.Runs, plan.Decide(sign).Verdict);
        // Bits 30 and 31 hit: 30 is corrected, 31 runs alone.
        var both = plan.Decide(W("conv1.weight", 1, 30, FaultModel.Parse("flip+31")));
        Assert.Equal((ProtectionVerdict.Runs, W("conv1.weight", 1, 31)), (both.Verdict, both.Run));
        // Two bits inside the code: SEC-DED detects them.
        var secDed = Plan(ProtectionPlan.SecDed, new ProtectedBits(30, 23));
        Assert.Equal(ProtectionVerdict.Detected, secDed.Decide(W("conv1.weight", 1, 30, FaultModel.Parse("flip+24"))).Verdict);
    }

    [Fact]
    public void Ranges_compress_indices_and_the_file_round_trips()
    {
        Assert.Equal(new long[][] { [0, 2], [5, 5], [7, 8] }, ProtectionPlan.Ranges([8, 1, 0, 2, 5, 7, 2]));
        var plan = Plan(ProtectionPlan.SecDed, new ProtectedBits(30, 30)) with { MemoryOverheadPct = 7.5 };
        var back = ProtectionPlan.Parse(plan.ToJson());
        Assert.Equal(plan.ToJson(), back.ToJson());
        Assert.Contains("\"memory_overhead_pct\": 7.5", plan.ToJson());
        Assert.True(back.Covers("fc1.bias", 6));
        Assert.False(back.Covers("fc1.bias", 8));
    }

    [Theory]
    [InlineData("{", "not a protection file")]
    [InlineData("""{"scheme":"x","code":"parity","model_sha256":"a","protected":[]}""", "code 'parity'")]
    [InlineData("""{"scheme":"x","code":"sec","model_sha256":"a","protected":[{"tensor":"t","ranges":[[3,1]]}]}""", "a range is not")]
    [InlineData("""{"scheme":"x","code":"sec","model_sha256":"a","bits":{"high":3,"low":5},"protected":[]}""", "bits 3-5")]
    public void Bad_files_are_refused(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => ProtectionPlan.Parse(json));
        Assert.Contains(message, e.Message);
    }
}
