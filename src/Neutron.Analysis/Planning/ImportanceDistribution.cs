// The proposal of an importance plan over a fault space: q(x) = α/|S| + γ·d(x)/Σd + (1 − α − γ)·s(x)/Σs, a mixture
// of the uniform distribution, a damage prior d (how far the fault moves its value, gradient-free) and a score s
// (first-order gradient sensitivity), all ≥ 0 per (site, element, bit); draws are pure functions of (seed, draw):
// thread count and shard split change nothing. Holds one cumulative sum per element and component (bits are scored
// again when a draw lands in an element), so its memory is 8 bytes per element and component, not per position.
// Weights come a whole element at a time (ElementWeights): scoring a position is a few arithmetic operations, and a
// per-position callback would spend its time locating the position instead (a ResNet-18 has 374 M of them).
// A component that sums to 0 gives its share to the uniform one; with both at 0 it is the uniform distribution.
// The scores are ImportanceScores'; the estimator that reads p/q is Statistics/ImportanceEstimate.cs.
using Neutron.Faults.Random;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

/// <summary>One drawn position with its probability under the target (uniform, p) and under the proposal (q).</summary>
public readonly record struct ImportanceDraw(long Position, double P, double Q);

/// <summary>Writes the weight of each position of one element of a site, its bits in range lowest first
/// (<paramref name="weights"/> is FaultSpace.BitsInRange(site) long).</summary>
public delegate void ElementWeights(int site, long element, Span<double> weights);

public sealed class ImportanceDistribution
{
    // Streams apart from FaultPlanner's, AdaptiveSampler's and FaultModelSpec's multi-bit draws.
    const ulong MixStream = 0x7200_0000, UniformStream = 0x7200_0001, ScoreStream = 0x7200_0002, DamageStream = 0x7200_0003;

    readonly FaultSpace _space;
    readonly long[] _siteElement; // first global element of each site
    readonly Component _score, _damage;

    /// <param name="score">s(x) ≥ 0 and finite for a flat position x of the space</param>
    public ImportanceDistribution(FaultSpace space, Func<long, double> score, double alpha)
        : this(space, score, null, alpha, 0) { }

    /// <param name="score">s(x) ≥ 0 and finite for a flat position x of the space</param>
    /// <param name="damage">d(x) ≥ 0 and finite; null with <paramref name="gamma"/> 0</param>
    /// <param name="alpha">the uniform share, in (0, 1]: it bounds every weight p/q by 1/α</param>
    /// <param name="gamma">the damage prior's share, in [0, 1 − α]</param>
    public ImportanceDistribution(FaultSpace space, Func<long, double> score, Func<long, double>? damage, double alpha, double gamma)
        : this(space, PerElement(space, score ?? throw new ArgumentNullException(nameof(score))), damage is null ? null : PerElement(space, damage), alpha, gamma) { }

    /// <param name="score">s(x) ≥ 0 and finite for each position of an element</param>
    /// <param name="damage">d(x) ≥ 0 and finite; null with <paramref name="gamma"/> 0</param>
    /// <param name="alpha">the uniform share, in (0, 1]: it bounds every weight p/q by 1/α</param>
    /// <param name="gamma">the damage prior's share, in [0, 1 − α]</param>
    public ImportanceDistribution(FaultSpace space, ElementWeights score, ElementWeights? damage, double alpha, double gamma)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(score);
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must lie in (0, 1]");
        if (!(gamma >= 0 && gamma <= 1 - alpha + 1e-12)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must lie in [0, 1 − α]");
        if (gamma > 0 && damage is null) throw new ArgumentNullException(nameof(damage), "a damage share needs a damage function");
        _space = space;
        _siteElement = new long[space.Sites.Count + 1];
        for (int s = 0; s < space.Sites.Count; s++)
            _siteElement[s + 1] = _siteElement[s] + (space.BitsInRange(s) > 0 ? space.Sites[s].Elements : 0);
        _score = new Component(this, score, "score");
        _damage = new Component(this, gamma > 0 ? damage : null, "damage");
        // A component with nothing to draw gives its share to the uniform one, and q says so.
        DamageShare = _damage.Total > 0 ? Math.Min(gamma, 1 - alpha) : 0;
        ScoreShare = _score.Total > 0 ? Math.Max(0, 1 - alpha - DamageShare) : 0;
        Alpha = 1 - DamageShare - ScoreShare;
    }

    /// <summary>The uniform share actually used (1 when every score and damage is 0).</summary>
    public double Alpha { get; }
    /// <summary>The damage prior's share actually used.</summary>
    public double DamageShare { get; }
    /// <summary>The gradient score's share actually used.</summary>
    public double ScoreShare { get; }
    public double Total => _score.Total;
    public long Size => _space.Size;

    public double Score(long position) => _score.At(position);
    public double Damage(long position) => _damage.At(position);

    /// <summary>The target probability of a position: uniform over the space.</summary>
    public double P => 1.0 / _space.Size;

    /// <summary>The proposal probability of a position.</summary>
    public double Q(long position) => Alpha / _space.Size
        + (DamageShare > 0 ? DamageShare * _damage.At(position) / _damage.Total : 0)
        + (ScoreShare > 0 ? ScoreShare * _score.At(position) / _score.Total : 0);

    /// <summary>The draw-th position of the plan keyed by seed, with its p and q.</summary>
    public ImportanceDraw Draw(ulong seed, long draw)
    {
        long x;
        double u = Alpha >= 1 ? 0 : CounterRng.Uniform(seed, (ulong)draw, MixStream);
        if (u < Alpha)
            x = (long)CounterRng.Below(seed, (ulong)draw, UniformStream, (ulong)_space.Size);
        else if (u < Alpha + DamageShare)
            x = _damage.Find(CounterRng.Uniform(seed, (ulong)draw, DamageStream) * _damage.Total);
        else
            x = _score.Find(CounterRng.Uniform(seed, (ulong)draw, ScoreStream) * _score.Total);
        return new ImportanceDraw(x, P, Q(x));
    }

    /// <summary>A per-position weight seen an element at a time.</summary>
    static ElementWeights PerElement(FaultSpace space, Func<long, double> weight) => (site, element, weights) =>
    {
        long first = space.Range(site).Start + element * weights.Length;
        for (int b = 0; b < weights.Length; b++) weights[b] = weight(first + b);
    };

    /// <summary>The first <paramref name="count"/> draws.</summary>
    public ImportanceDraw[] Draws(ulong seed, long count)
    {
        var draws = new ImportanceDraw[checked((int)count)];
        for (int i = 0; i < draws.Length; i++) draws[i] = Draw(seed, i);
        return draws;
    }

    /// <summary>One non-uniform part of the mixture: a weight per position and its cumulative sums per element.</summary>
    sealed class Component
    {
        readonly ImportanceDistribution _q;
        readonly ElementWeights? _weight;
        readonly string _name;
        readonly double[] _cumulative; // Σ weight over global elements [0, e]

        /// <param name="weight">null: an unused part (no memory, total 0)</param>
        public Component(ImportanceDistribution q, ElementWeights? weight, string name)
        {
            _q = q;
            _weight = weight;
            _name = name;
            var space = q._space;
            _cumulative = new double[weight is null ? 0 : checked((int)q._siteElement[^1])];
            if (weight is null) return;
            double total = 0;
            Span<double> w = stackalloc double[32];
            for (int s = 0; s < space.Sites.Count; s++)
            {
                int bits = space.BitsInRange(s);
                if (bits == 0) continue;
                long start = space.Range(s).Start;
                var row = w[..bits];
                for (long e = 0; e < space.Sites[s].Elements; e++)
                {
                    Weights(s, e, row);
                    // Added one position at a time, in order: the sums (and so the draws) are those of a scan
                    // position by position.
                    for (int b = 0; b < bits; b++) total += Checked(row[b], start + e * bits + b);
                    _cumulative[q._siteElement[s] + e] = total;
                }
            }
            Total = total;
        }

        public double Total { get; }

        public double At(long position)
        {
            if (_weight is null) return 0;
            var space = _q._space;
            int site = space.SiteOf(position);
            int bits = space.BitsInRange(site);
            long offset = position - space.Range(site).Start;
            Span<double> w = stackalloc double[32];
            Weights(site, offset / bits, w[..bits]);
            return Checked(w[(int)(offset % bits)], position);
        }

        void Weights(int site, long element, Span<double> row)
        {
            row.Clear();
            _weight!(site, element, row);
        }

        double Checked(double w, long position) =>
            w >= 0 && !double.IsInfinity(w) ? w : throw new InvalidOperationException($"{_name} {w} of position {position} is not a finite number ≥ 0");

        /// <summary>The position whose interval holds u ∈ [0, Total): the element by binary search over the
        /// cumulative sums, then its bits in order. Positions of weight 0 are never returned.</summary>
        public long Find(double u)
        {
            // The first element whose cumulative sum exceeds u (elements of weight 0 repeat the sum before them).
            int lo = 0, hi = _cumulative.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (_cumulative[mid] > u) hi = mid; else lo = mid + 1;
            }
            int e = lo;
            var elements = _q._siteElement;
            int site = Array.BinarySearch(elements, (long)e);
            site = site < 0 ? ~site - 1 : site;
            while (elements[site + 1] <= e) site++;
            var space = _q._space;
            int bits = space.BitsInRange(site);
            long first = space.Range(site).Start + (e - elements[site]) * bits;
            double rest = u - (e == 0 ? 0 : _cumulative[e - 1]);
            long last = first;
            Span<double> row = stackalloc double[32];
            row = row[..bits];
            Weights(site, e - elements[site], row);
            for (int b = 0; b < bits; b++)
            {
                double w = Checked(row[b], first + b);
                if (w > 0) last = first + b;
                if (rest < w) return first + b;
                rest -= w;
            }
            return last; // rounding left u a hair above the element's sum: its last positive bit
        }
    }
}
