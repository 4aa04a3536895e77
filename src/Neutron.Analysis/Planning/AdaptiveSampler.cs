// Draws an adaptive plan (`adaptive:margin=…,level=…`) round by round: each open stratum gets its next Batch
// positions of a seeded random permutation (lazy Fisher–Yates, so uniform without replacement, one counter-based
// draw per position), and closes once the Jeffreys credible interval of its critical-fault rate is narrow enough
// or it is exhausted. A pure function of (space, spec, seed, outcomes so far): replaying the recorded outcomes
// reproduces every round, which is how a killed campaign resumes. Fixed-size plans are FaultPlanner's.
using Neutron.Analysis.Statistics;
using Neutron.Faults.Random;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

public sealed class AdaptiveSampler
{
    // Streams apart from FaultPlanner's (0x7000_0000 + stratum) and FaultModelSpec's multi-bit draws.
    const ulong StreamBase = 0x7100_0000;

    readonly FaultSpace _space;
    readonly ulong _seed;
    readonly StratumState[] _strata;
    readonly Dictionary<long, int> _pending = []; // fault index of the round in flight → stratum
    long _next; // the next fault index

    public AdaptiveSampler(FaultSpace space, AdaptivePlan spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(spec);
        _space = space;
        Spec = spec;
        _seed = seed;
        _strata = Planning.Strata.Of(space, spec.Per).Select((s, i) => new StratumState(s, i)).ToArray();
    }

    public AdaptivePlan Spec { get; }

    /// <summary>A sampler at round 0 of the same plan: replaying the stored outcomes into it catches up with rounds
    /// that other processes drew and ran.</summary>
    public AdaptiveSampler Restarted() => new(_space, Spec, _seed);

    /// <summary>Rounds handed out so far.</summary>
    public int Rounds { get; private set; }

    /// <summary>Faults handed out so far (over all rounds).</summary>
    public long Drawn => _next;

    /// <summary>Every stratum's state after the outcomes recorded so far.</summary>
    public IReadOnlyList<AdaptiveStratum> Strata => _strata.Select(s => s.Snapshot(Spec.Level)).ToList();

    /// <summary>Whether the stopping rule holds for <paramref name="critical"/> of <paramref name="trials"/>: the
    /// equal-tailed Jeffreys interval at <paramref name="level"/> has a half-width ≤ <paramref name="margin"/>.</summary>
    public static bool Reached(long critical, long trials, double margin, double level) =>
        trials > 0 && Intervals.Jeffreys(critical, trials, level).HalfWidth <= margin;

    /// <summary>The next round: the next Batch positions of every open stratum, keyed by consecutive fault indices
    /// and ordered by flat index (one site's faults together). Empty when every stratum is closed. Every fault of
    /// the previous round must have been recorded first.</summary>
    public IReadOnlyList<PlannedFault> NextRound()
    {
        if (_pending.Count > 0)
            throw new InvalidOperationException($"{_pending.Count} faults of round {Rounds} have no recorded outcome yet; record them before drawing the next round");
        var flat = new List<(long Flat, int Stratum)>();
        foreach (var s in _strata)
        {
            if (s.Closed(Spec)) continue;
            long take = Math.Min(Spec.Batch, s.Stratum.Size - s.Drawn);
            for (long j = 0; j < take; j++) flat.Add((s.Stratum.ToFlat(s.Draw(_seed)), s.Index));
        }
        if (flat.Count == 0) return [];
        flat.Sort((a, b) => a.Flat.CompareTo(b.Flat));
        var round = new PlannedFault[flat.Count];
        for (int i = 0; i < round.Length; i++)
        {
            long index = _next++;
            round[i] = new PlannedFault(index, _space.FaultAt(flat[i].Flat, _seed));
            _pending.Add(index, flat[i].Stratum);
        }
        Rounds++;
        return round;
    }

    /// <summary>Records whether a fault of the round in flight was critical (drop > τ). Each once.</summary>
    public void Record(long faultIndex, bool critical)
    {
        if (!_pending.Remove(faultIndex, out int stratum))
            throw new ArgumentException($"fault {faultIndex} is not in the round in flight, or was recorded already", nameof(faultIndex));
        _strata[stratum].Observed++;
        if (critical) _strata[stratum].Critical++;
    }

    /// <summary>Records a fault's accuracy drop in percentage points: critical when above the plan's τ.</summary>
    public void RecordDrop(long faultIndex, double dropPp) => Record(faultIndex, dropPp > Spec.Tolerance);

    sealed class StratumState(Stratum stratum, int index)
    {
        // Lazy Fisher–Yates: position j of the permutation swaps with a uniform draw in [j, n); only moved entries
        // are kept, so memory grows with the draws, not with the stratum.
        readonly Dictionary<long, long> _moved = [];

        public Stratum Stratum { get; } = stratum;
        public int Index { get; } = index;
        public long Drawn { get; private set; }
        public long Observed { get; set; }
        public long Critical { get; set; }

        public bool Closed(AdaptivePlan spec) =>
            Drawn >= Stratum.Size || (Observed == Drawn && Reached(Critical, Observed, spec.Margin, spec.Level));

        public long Draw(ulong seed)
        {
            long j = Drawn++, n = Stratum.Size;
            long r = j + (long)CounterRng.Below(seed, (ulong)j, StreamBase + (ulong)Index, (ulong)(n - j));
            long value = _moved.TryGetValue(r, out long v) ? v : r;
            _moved[r] = _moved.TryGetValue(j, out long w) ? w : j;
            _moved.Remove(j); // position j is never read again
            return value;
        }

        public AdaptiveStratum Snapshot(double level) => new(Stratum.Name, Stratum.Size, Observed, Critical,
            Observed == 0 ? new Interval(0, 1) : Intervals.Jeffreys(Critical, Observed, level));
    }
}

/// <summary>One stratum of an adaptive plan: its size, the faults observed and critical so far, and the Jeffreys
/// credible interval of its critical rate.</summary>
public sealed record AdaptiveStratum(string Name, long Size, long Observed, long Critical, Interval Interval)
{
    public bool Exhausted => Observed >= Size;
}
