// What a memory protection does with the flips that land in one stored word, as the bit-error-rate sampler needs it:
// the word's flips are corrected (residual 0), detected (the whole faulty model counts as a detected error, not run),
// or some of them reach the network (the residual mask). Implemented by Neutron.Protection over its one protection
// model (ProtectionPlan.Decide); Analysis only calls it, so the per-fault rules live in one place.
namespace Neutron.Analysis.Ber;

public readonly record struct GuardedWord(bool Detected, uint Residual);

public interface IStoredWordGuard
{
    /// <summary>What reaches the network when the bits <paramref name="flipped"/> of the stored word (tensor, element) flip.</summary>
    GuardedWord Apply(string tensor, long element, uint flipped);
}
