// Turns (fault space, plan spec, seed) into a fault list: a pure function, so the same inputs give the same list
// on any machine, thread count or shard split (DESIGN §4). Draws use the counter-based generator keyed by
// (seed, draw, stratum); sampling without replacement is Floyd's algorithm, so every k-subset of a stratum is
// equally likely and every (site, bit) equally likely overall. Fault lists read from CSV are in FaultListPlan.cs.
using Neutron.Analysis.Statistics;
using Neutron.Faults;
using Neutron.Faults.Random;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

public static class FaultPlanner
{
    // Stream numbers above those FaultModelSpec uses for multi-bit draws, so planning and bit draws stay independent.
    const ulong StreamBase = 0x7000_0000;

    /// <summary>The plan's flat indices into the space, ascending (faults of one site are consecutive).</summary>
    public static long[] Indices(FaultSpace space, PlanSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        switch (spec)
        {
            case ExhaustivePlan:
            {
                var all = new long[checked((int)space.Size)];
                for (int i = 0; i < all.Length; i++) all[i] = i;
                return all;
            }
            case RandomPlan r:
                return Sample(Strata.Of(space, Stratification.None), seed, _ => r.Count);
            case StratifiedPlan s:
                return Sample(Strata.Of(space, s.Per), seed, _ => s.Count);
            case StatisticalPlan st:
                return Sample(Strata.Of(space, st.Per), seed, stratum => SampleSize.Leveugle(stratum.Size, st.Margin, st.Confidence, st.P));
            case AdaptivePlan:
                throw new ArgumentException($"plan {spec} is open-ended: AdaptiveSampler draws it round by round", nameof(spec));
            case ImportancePlan:
                throw new ArgumentException($"plan {spec} needs the model's gradients: ImportanceScores.Plan draws it", nameof(spec));
            default:
                throw new ArgumentException($"plan {spec} is not one FaultPlanner draws; fault lists come from FaultListPlan", nameof(spec));
        }
    }

    /// <summary>How many faults the plan holds, per stratum, without drawing them (for `--dry-run` and messages). For an
    /// adaptive plan, the worst case: the normal-approximation size at rate ½ (t²/4e², no finite-population
    /// correction, as the Jeffreys interval has none), rounded up to whole rounds, at most the stratum.</summary>
    public static IReadOnlyList<(string Stratum, long Size, long Draws)> Sizes(FaultSpace space, PlanSpec spec) => spec switch
    {
        ExhaustivePlan => [("all", space.Size, space.Size)],
        RandomPlan r => [("all", space.Size, Math.Min(r.Count, space.Size))],
        StratifiedPlan s => Strata.Of(space, s.Per).Select(x => (x.Name, x.Size, Math.Min(s.Count, x.Size))).ToList(),
        StatisticalPlan st => Strata.Of(space, st.Per).Select(x => (x.Name, x.Size, SampleSize.Leveugle(x.Size, st.Margin, st.Confidence, st.P))).ToList(),
        AdaptivePlan a => Strata.Of(space, a.Per).Select(x => (x.Name, x.Size, AdaptiveWorstCase(x.Size, a))).ToList(),
        ImportancePlan i => [("all", space.Size, i.Count)],
        _ => throw new ArgumentException($"plan {spec} has no size here", nameof(spec)),
    };

    static long AdaptiveWorstCase(long size, AdaptivePlan a)
    {
        double t = Normal.CriticalValue(a.Level);
        long n = (long)Math.Ceiling(t * t / (4 * a.Margin * a.Margin));
        long rounds = (n + a.Batch - 1) / a.Batch;
        return Math.Min(size, rounds * a.Batch);
    }

    /// <summary>The plan as faults, each keyed by its position in the plan (the store's fault index).</summary>
    public static PlannedFault[] Plan(FaultSpace space, PlanSpec spec, ulong seed)
    {
        var indices = Indices(space, spec, seed);
        var faults = new PlannedFault[indices.Length];
        for (int i = 0; i < indices.Length; i++) faults[i] = new PlannedFault(i, space.FaultAt(indices[i], seed));
        return faults;
    }

    /// <summary>Shard k of n (1-based): the faults whose plan position is k−1 modulo n. Shards are disjoint and their
    /// union is the plan, so merged shards equal one run.</summary>
    public static IReadOnlyList<PlannedFault> Shard(IReadOnlyList<PlannedFault> plan, int k, int n)
    {
        if (n < 1 || k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"shard {k}/{n}: need 1 ≤ k ≤ N");
        if (n == 1) return plan;
        return plan.Where(f => f.Index % n == k - 1).ToList();
    }

    static long[] Sample(IReadOnlyList<Stratum> strata, ulong seed, Func<Stratum, long> count)
    {
        var result = new List<long>();
        for (int s = 0; s < strata.Count; s++)
        {
            var stratum = strata[s];
            long k = Math.Min(count(stratum), stratum.Size);
            if (k == stratum.Size)
            {
                for (long j = 0; j < k; j++) result.Add(stratum.ToFlat(j));
                continue;
            }
            foreach (long local in Floyd(stratum.Size, k, seed, StreamBase + (ulong)s)) result.Add(stratum.ToFlat(local));
        }
        var array = result.ToArray();
        Array.Sort(array);
        return array;
    }

    /// <summary>Floyd's algorithm: k distinct values of [0, n), every k-subset equally likely, k draws.</summary>
    internal static IEnumerable<long> Floyd(long n, long k, ulong seed, ulong stream)
    {
        var chosen = new HashSet<long>();
        for (long j = n - k; j < n; j++)
        {
            long t = (long)CounterRng.Below(seed, (ulong)j, stream, (ulong)j + 1);
            chosen.Add(chosen.Contains(t) ? j : t);
        }
        return chosen;
    }
}
