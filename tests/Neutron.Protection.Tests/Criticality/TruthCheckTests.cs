// Known answers for predictions checked against a truth campaign: a space of two tensors of 2 elements × 4 bits,
// a truth that holds some of its bits, a prediction of all of them, and the scores worked out by hand.
using Neutron.Faults;
using Neutron.Faults.Sites;
using Neutron.Protection.Criticality;

namespace Neutron.Protection.Tests.Criticality;

public class TruthCheckTests
{
    static readonly FaultSpace Space = new(
        [
            new FaultSite(FaultTarget.Weight, "a", "/a", "Conv", [2], 32),
            new FaultSite(FaultTarget.Weight, "b", "/b", "Gemm", [2], 32),
        ], minBit: 28, maxBit: 31); // 16 bits: a@0#28..31, a@1#28..31, b@0#28..31, b@1#28..31

    static Fault W(string tensor, long element, int bit) => new(FaultTarget.Weight, tensor, element, bit);

    [Fact]
    public void Scores_join_the_truth_bit_by_bit()
    {
        // Truth on tensor a (8 bits): bits 30 and 31 critical (drop 5 pp) in both elements, others 0.2 pp; plus an
        // activation fault and a bit outside the space, left out.
        var truth = new List<(Fault?, double)>();
        for (int e = 0; e < 2; e++)
            for (int bit = 28; bit < 32; bit++) truth.Add((W("a", e, bit), bit >= 30 ? 5 : 0.2));
        truth.Add((new Fault(FaultTarget.Activation, "x", 0, 30), 9));
        truth.Add((W("a", 0, 3), 9));
        var check = new TruthCheck(Space, truth, trained: [Space.IndexOf("a", 0, 31), Space.IndexOf("a", 1, 28)], tolerance: 1);
        Assert.Equal((8, 2L), (check.TruthBits, check.Outside));

        // Probabilities by space index; called critical at p ≥ 0.4. a@1#30 (critical) scores 0.3: missed;
        // a@0#29 (acceptable) scores 0.6: a false alarm, and ranks above a@1#30.
        double[] p = [0.1, 0.6, 0.9, 0.8, 0.2, 0.05, 0.3, 0.95, .. Enumerable.Repeat(0.99, 8)];
        for (int i = 0; i < p.Length; i++) check.Add(i, p[i], p[i] >= 0.4);

        var every = check.Scores()[0];
        Assert.Equal(("every bit", 8L, 4L, 1L), (every.Bits, every.Count, every.Critical, every.Missed));
        Assert.Equal(0.75, every.Recall);
        Assert.Equal(100.0 / 8, every.FalseAlarmPct);
        // Of the 16 (critical, acceptable) pairs one is out of order: 0.6 above 0.3.
        Assert.Equal(15.0 / 16, every.RocAuc, 12);

        // Never injected: a@0#31 (critical, 0.8) and a@1#28 (acceptable, 0.2) leave; 3 critical, 3 acceptable.
        var unseen = check.Scores()[1];
        Assert.Equal(("never injected", 6L, 3L, 1L), (unseen.Bits, unseen.Count, unseen.Critical, unseen.Missed));
        Assert.Equal(2.0 / 3, unseen.Recall, 12);
        Assert.Equal(100.0 / 6, unseen.FalseAlarmPct, 12);
        Assert.Equal(8.0 / 9, unseen.RocAuc, 12); // 0.9, 0.95 above all of 0.1, 0.6, 0.05; 0.3 above 0.1 and 0.05 only
    }

    [Fact]
    public void Bits_the_prediction_did_not_reach_are_left_out()
    {
        var check = new TruthCheck(Space, [(W("b", 1, 31), 5), (W("b", 1, 30), 0)], trained: [], tolerance: 1);
        check.Add(Space.IndexOf("b", 1, 31), 0.7, true);
        var s = check.Scores()[0];
        Assert.Equal((1L, 1L, 1.0), (s.Count, s.Critical, s.Recall));
        Assert.True(double.IsNaN(s.RocAuc));
    }
}
