// The failure probability at one bit-error rate as a Bayesian estimate: P(fail) = P(a sampled faulty model's accuracy
// drop exceeds τ), with a Jeffreys posterior and its equal-tailed credible interval, sampled in rounds until the
// interval's half-width is at most `precision` × the posterior mean (or a budget ends). Three samplers:
// - plain: models as BitErrorRateMonteCarlo draws them (most have no flipped bit at a low BER and cost nothing);
// - conditioned: every model has at least one flip (FlipPositionsAtLeastOne), and P(fail) = π·θ with π = P(K ≥ 1) =
//   1 − (1 − p)^T known exactly and θ = P(fail | K ≥ 1) estimated: importance sampling over the number of flips K,
//   reweighted by the exact binomial (the proposal is the binomial truncated to K ≥ 1, the weight π);
// - tilted: as conditioned for K, and then the positions: one lead flip drawn from q(g) = α/T + (1 − α)·β(bit of g)/E
//   (β the BitDamage of each bit position, normalised; E words of W bits, T = E·W) and the other K − 1 uniformly
//   among the remaining bits. A set S then has proposal probability Σ_{g∈S} q(g) / C(T − 1, K − 1) against the
//   target 1 / C(T, K), so its weight is (K / T) / Σ_{g∈S} q(g), at most 1/α. At K = 1 this is plain importance
//   sampling of the flipped bit; as K grows the weights tend to 1 by themselves.
// Posterior for weighted samples: the Jeffreys posterior at the effective sample size, Beta(θ̂n* + ½, (1 − θ̂)n* + ½)
// with θ̂ = Σ w f / n and n* = θ̂(1 − θ̂) / Var(θ̂) (Kish's n of the weights when no model failed). With every weight 1
// this is exactly Beta(x + ½, n − x + ½); for weighted samples it is an approximation whose coverage is measured
// (docs/campaigns.md).
using Neutron.Analysis.Statistics;
using Neutron.Faults.Random;

namespace Neutron.Analysis.Ber;

public enum BerSampler { Plain, Conditioned, Tilted }

public sealed record BayesianBerOptions
{
    public double Level { get; init; } = 0.95;
    /// <summary>Stop once the credible interval's half-width ≤ Precision × the posterior mean.</summary>
    public double Precision { get; init; } = 0.2;
    public int Batch { get; init; } = 50;
    public int MaxModels { get; init; } = 2000;
    public BerSampler Sampler { get; init; } = BerSampler.Tilted;
    /// <summary>Share of uniform positions in the tilted sampler's lead flip (bounds every weight by 1/α).</summary>
    public double Alpha { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
}

/// <param name="Models">faulty models drawn</param>
/// <param name="Inferences">models that ran the network (one without flips left after the protection, or detected, does not)</param>
/// <param name="Failures">models whose drop exceeded τ (unweighted count)</param>
/// <param name="Detected">models the protection detected (unweighted count)</param>
/// <param name="Scale">π = P(K ≥ 1) for the conditioned and tilted samplers, 1 for plain</param>
/// <param name="Estimate">the unbiased estimate of P(fail): π·Σ w f / n</param>
/// <param name="StandardError">its standard error</param>
/// <param name="EffectiveSize">n* of the posterior</param>
/// <param name="Mean">the posterior mean of P(fail)</param>
/// <param name="DetectedShare">the unbiased estimate of P(detected)</param>
/// <param name="RelativeError">the credible interval's half-width over the posterior mean (the stopping rule's figure)</param>
public sealed record BayesianBerPoint(double Rate, string Sampler, int Models, int Inferences, int Failures, int Detected,
    double Scale, double Estimate, double StandardError, double EffectiveSize, double Mean, Interval Credible,
    double DetectedShare, double RelativeError, bool Converged)
{
    /// <summary>Standard error over the estimate: the figure two samplers are compared by at equal inferences.</summary>
    public double RelativeStandardError => Estimate > 0 ? StandardError / Estimate : double.PositiveInfinity;
}

public static class BayesianBer
{
    public static BayesianBerPoint Estimate(BitErrorRateMonteCarlo mc, double rate, double tolerance, BayesianBerOptions? options = null, IStoredWordGuard? guard = null)
    {
        ArgumentNullException.ThrowIfNull(mc);
        options ??= new BayesianBerOptions();
        if (!(rate > 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "the bit-error rate must lie in (0, 1)");
        if (options.Batch < 1 || options.MaxModels < 1) throw new ArgumentOutOfRangeException(nameof(options), "Batch and MaxModels must be ≥ 1");
        if (!(options.Precision > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.Precision, "Precision must be > 0");
        if (!(options.Level > 0 && options.Level < 1)) throw new ArgumentOutOfRangeException(nameof(options), options.Level, "Level must lie in (0, 1)");
        if (!(options.Alpha > 0 && options.Alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(options), options.Alpha, "Alpha must lie in (0, 1]");
        double scale = options.Sampler == BerSampler.Plain ? 1 : -double.ExpM1(mc.TotalBits * double.LogP1(-rate));
        var tilt = options.Sampler == BerSampler.Tilted ? Tilt.Of(mc, options.Alpha) : null;
        var tally = new Tally();
        int models = 0;
        while (true)
        {
            int end = Math.Min(options.MaxModels, models + options.Batch);
            for (; models < end; models++)
            {
                var (flips, weight) = options.Sampler switch
                {
                    BerSampler.Plain => (BitErrorRateMonteCarlo.FlipPositions(options.Seed, rate, models, mc.TotalBits), 1.0),
                    BerSampler.Conditioned => (BitErrorRateMonteCarlo.FlipPositionsAtLeastOne(options.Seed, rate, models, mc.TotalBits), 1.0),
                    _ => tilt!.Draw(options.Seed, rate, models),
                };
                var (accuracy, detected, ran) = mc.Evaluate(flips, guard);
                bool failed = !detected && BitErrorRateMonteCarlo.Critical(mc.GoldenAccuracy, accuracy, tolerance);
                tally.Add(weight, failed, detected, ran);
            }
            var point = Point(rate, options, tally, scale);
            if (point.Converged || models >= options.MaxModels) return point;
        }
    }

    sealed class Tally
    {
        public int N, Inferences, Failures, Detected;
        public double Sum, SumSq, Weights, WeightsSq, DetectedSum;

        public void Add(double w, bool failed, bool detected, bool ran)
        {
            N++;
            if (ran) Inferences++;
            Weights += w;
            WeightsSq += w * w;
            if (failed) { Failures++; Sum += w; SumSq += w * w; }
            if (detected) { Detected++; DetectedSum += w; }
        }
    }

    static BayesianBerPoint Point(double rate, BayesianBerOptions o, Tally t, double scale)
    {
        double theta = t.Sum / t.N;
        double variance = Math.Max(0, t.SumSq / t.N - theta * theta) / t.N;
        double p = Math.Clamp(theta, 0, 1);
        double effective = variance > 0 && p > 0 && p < 1 ? p * (1 - p) / variance : t.Weights * t.Weights / t.WeightsSq;
        var posterior = new BetaDistribution(p * effective + 0.5, (1 - p) * effective + 0.5);
        double tail = (1 - o.Level) / 2;
        var interval = new Interval(scale * posterior.Quantile(tail), scale * posterior.Quantile(1 - tail));
        double mean = scale * posterior.Mean;
        double relative = interval.HalfWidth / mean;
        string sampler = o.Sampler switch { BerSampler.Plain => "plain", BerSampler.Conditioned => "conditioned", _ => "tilted" };
        return new BayesianBerPoint(rate, sampler, t.N, t.Inferences, t.Failures, t.Detected, scale, scale * theta,
            scale * Math.Sqrt(variance), effective, mean, interval, scale * t.DetectedSum / t.N, relative, relative <= o.Precision);
    }

    /// <summary>The tilted sampler's proposal over flip positions (see the file's opening).</summary>
    public sealed class Tilt
    {
        readonly long total, words;
        readonly int width;
        readonly double alpha;
        readonly double[] share, cumulative;

        /// <param name="damage">per bit position of the word, any scale (BitErrorRateMonteCarlo.BitDamage)</param>
        public Tilt(long total, int width, double[] damage, double alpha)
        {
            if (width < 1 || total < width || total % width != 0 || damage.Length != width) throw new ArgumentException($"{total} bits are not whole words of {width} bits with {width} damage values");
            this.total = total;
            this.width = width;
            this.alpha = alpha;
            words = total / width;
            double sum = damage.Sum();
            share = sum > 0 ? damage.Select(d => d / sum).ToArray() : Enumerable.Repeat(1.0 / width, width).ToArray();
            cumulative = new double[width];
            double acc = 0;
            for (int b = 0; b < width; b++) cumulative[b] = acc += share[b];
        }

        public static Tilt Of(BitErrorRateMonteCarlo mc, double alpha) => new(mc.TotalBits, mc.WordBits, mc.BitDamage(), alpha);

        /// <summary>q(g) of one position.</summary>
        public double Proposal(long g) => alpha / total + (1 - alpha) * share[(int)(g % width)] / words;

        /// <summary>The flips of model <paramref name="model"/>, ascending, and their weight p/q; a pure function of
        /// (seed, rate, model).</summary>
        public (List<long> Flips, double Weight) Draw(ulong seed, double rate, int model)
        {
            int k = BitErrorRateMonteCarlo.FlipPositionsAtLeastOne(seed, rate, model, total).Count;
            ulong key = unchecked(BitConverter.DoubleToUInt64Bits(rate) * 0x9E3779B97F4A7C15UL + (ulong)model) ^ 0x7117_0000_0000_0002UL;
            ulong draw = 0;
            long lead;
            if (CounterRng.Uniform(seed, key, draw++) < alpha) lead = (long)CounterRng.Below(seed, key, draw++, (ulong)total);
            else
            {
                double u = CounterRng.Uniform(seed, key, draw++);
                int bit = Array.FindIndex(cumulative, c => u < c);
                if (bit < 0) bit = width - 1;
                lead = (long)CounterRng.Below(seed, key, draw++, (ulong)words) * width + bit;
            }
            var set = new HashSet<long> { lead };
            while (set.Count < k) set.Add((long)CounterRng.Below(seed, key, draw++, (ulong)total));
            double q = 0;
            foreach (long g in set) q += Proposal(g);
            var flips = set.ToList();
            flips.Sort();
            return (flips, (double)k / total / q);
        }
    }
}
