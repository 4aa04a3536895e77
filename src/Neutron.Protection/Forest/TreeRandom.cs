// The random draws of one tree: a counter over CounterRng keyed by (seed, tree index), so a tree's bootstrap and
// feature subsets are the same whichever thread builds it and whatever the number of trees built at once.
using Neutron.Faults.Random;

namespace Neutron.Protection.Forest;

internal struct TreeRandom(ulong seed, ulong tree)
{
    private ulong counter;

    public ulong Next() => CounterRng.Next(seed, tree, counter++);

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's method; a rejected draw takes the next counter).</summary>
    public int Below(int bound)
    {
        ulong b = (ulong)bound, threshold = (0 - b) % b;
        while (true)
        {
            ulong high = Math.BigMul(Next(), b, out ulong low);
            if (low >= threshold) return (int)high;
        }
    }
}
