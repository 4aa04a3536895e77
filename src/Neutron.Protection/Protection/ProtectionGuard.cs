// A ProtectionPlan as the bit-error-rate sampler's word guard: the flips of one stored word become one multi-bit
// flip fault, and ProtectionPlan.Decide says whether they are corrected, detected or (partly) run. So `neutron ber`'s
// design space and `neutron campaign --protect` share one protection model. Under a bit-error rate the replicas
// and check bits flip too; a word hit in two replicas, or in its check bits, is not modelled (O(p²) per word).
using System.Numerics;
using Neutron.Analysis.Ber;
using Neutron.Faults;
using Neutron.Faults.Models;

namespace Neutron.Protection.Protection;

public sealed class ProtectionGuard(ProtectionPlan plan) : IStoredWordGuard
{
    public ProtectionPlan Plan { get; } = plan;

    public GuardedWord Apply(string tensor, long element, uint flipped)
    {
        if (flipped == 0) return new(false, 0);
        int low = BitOperations.TrailingZeroCount(flipped);
        var decision = Plan.Decide(new Fault(FaultTarget.Weight, tensor, element, low, new FaultModel(FaultKind.Flip, flipped & ~(1u << low))));
        return decision.Verdict switch
        {
            ProtectionVerdict.Corrected => new(false, 0),
            ProtectionVerdict.Detected => new(true, 0),
            _ => new(false, decision.Run is { } run ? run.Model.Bits(run.Bit) : flipped),
        };
    }
}
