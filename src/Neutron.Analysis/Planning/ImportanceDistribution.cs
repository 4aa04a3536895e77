// The proposal of an importance plan over a fault space: q(x) = α/|S| + (1 − α)·s(x)/Σs, s ≥ 0 a score per
// (site, element, bit), and draws from it that are pure functions of (seed, draw): thread count and shard split
// change nothing. Holds one cumulative score per element (bits are scored again when a draw lands in an element),
// so its memory is 8 bytes per element, not per position. With every score 0 it is the uniform distribution.
// The scores are ImportanceScores'; the estimator that reads p/q is Statistics/ImportanceEstimate.cs.
using Neutron.Faults.Random;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

/// <summary>One drawn position with its probability under the target (uniform, p) and under the proposal (q).</summary>
public readonly record struct ImportanceDraw(long Position, double P, double Q);

public sealed class ImportanceDistribution
{
    // Streams apart from FaultPlanner's, AdaptiveSampler's and FaultModelSpec's multi-bit draws.
    const ulong MixStream = 0x7200_0000, UniformStream = 0x7200_0001, ScoreStream = 0x7200_0002;

    readonly FaultSpace _space;
    readonly Func<long, double> _score;
    readonly long[] _siteElement; // first global element of each site
    readonly double[] _cumulative; // Σ score over global elements [0, e]

    /// <param name="score">s(x) ≥ 0 and finite for a flat position x of the space</param>
    public ImportanceDistribution(FaultSpace space, Func<long, double> score, double alpha)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(score);
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must lie in (0, 1]");
        _space = space;
        _score = score;
        _siteElement = new long[space.Sites.Count + 1];
        for (int s = 0; s < space.Sites.Count; s++)
            _siteElement[s + 1] = _siteElement[s] + (space.BitsInRange(s) > 0 ? space.Sites[s].Elements : 0);
        _cumulative = new double[checked((int)_siteElement[^1])];
        double total = 0;
        for (int s = 0; s < space.Sites.Count; s++)
        {
            int bits = space.BitsInRange(s);
            if (bits == 0) continue;
            long start = space.Range(s).Start;
            for (long e = 0; e < space.Sites[s].Elements; e++)
            {
                for (int b = 0; b < bits; b++) total += Score(start + e * bits + b);
                _cumulative[_siteElement[s] + e] = total;
            }
        }
        Total = total;
        // Nothing scored: every draw is uniform, and q = p says so.
        Alpha = total > 0 ? alpha : 1;
    }

    /// <summary>The uniform share actually used (1 when every score is 0).</summary>
    public double Alpha { get; }
    public double Total { get; }
    public long Size => _space.Size;

    public double Score(long position)
    {
        double s = _score(position);
        if (!(s >= 0) || double.IsInfinity(s)) throw new InvalidOperationException($"score {s} of position {position} is not a finite number ≥ 0");
        return s;
    }

    /// <summary>The target probability of a position: uniform over the space.</summary>
    public double P => 1.0 / _space.Size;

    /// <summary>The proposal probability of a position.</summary>
    public double Q(long position) => Alpha / _space.Size + (Alpha < 1 ? (1 - Alpha) * Score(position) / Total : 0);

    /// <summary>The draw-th position of the plan keyed by seed, with its p and q.</summary>
    public ImportanceDraw Draw(ulong seed, long draw)
    {
        long x;
        if (Alpha >= 1 || CounterRng.Uniform(seed, (ulong)draw, MixStream) < Alpha)
            x = (long)CounterRng.Below(seed, (ulong)draw, UniformStream, (ulong)_space.Size);
        else
            x = FromScore(CounterRng.Uniform(seed, (ulong)draw, ScoreStream) * Total);
        return new ImportanceDraw(x, P, Q(x));
    }

    /// <summary>The first <paramref name="count"/> draws.</summary>
    public ImportanceDraw[] Draws(ulong seed, long count)
    {
        var draws = new ImportanceDraw[checked((int)count)];
        for (int i = 0; i < draws.Length; i++) draws[i] = Draw(seed, i);
        return draws;
    }

    /// <summary>The position whose score interval holds u ∈ [0, Total): the element by binary search over the
    /// cumulative sums, then its bits in order. Positions of score 0 are never returned.</summary>
    long FromScore(double u)
    {
        // The first element whose cumulative sum exceeds u (elements of score 0 repeat the sum before them).
        int lo = 0, hi = _cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (_cumulative[mid] > u) hi = mid; else lo = mid + 1;
        }
        int e = lo;
        int site = Array.BinarySearch(_siteElement, (long)e);
        site = site < 0 ? ~site - 1 : site;
        while (_siteElement[site + 1] <= e) site++;
        int bits = _space.BitsInRange(site);
        long first = _space.Range(site).Start + (e - _siteElement[site]) * bits;
        double rest = u - (e == 0 ? 0 : _cumulative[e - 1]);
        long last = first;
        for (int b = 0; b < bits; b++)
        {
            double s = Score(first + b);
            if (s > 0) last = first + b;
            if (rest < s) return first + b;
            rest -= s;
        }
        return last; // rounding left u a hair above the element's sum: its last scored bit
    }
}
