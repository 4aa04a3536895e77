// The stratified estimator of a population proportion (Cochran, Sampling Techniques, 3rd ed. 1977, §5.3 and §5A.2):
// p̂ = Σ W_h p̂_h with W_h = N_h / N, and Var(p̂) = Σ W_h² (1 − n_h/N_h) p̂_h (1 − p̂_h) / (n_h − 1), the
// finite-population correction making a fully sampled stratum exact. The interval is Wilson's score interval at
// the effective sample size n* = p̃(1 − p̃)/Var(p̃) (Kish's design effect; Korn & Graubard 1998 do the same with
// Clopper–Pearson), p̃ the same sums over smoothed stratum rates: the plain normal interval p̂ ± t·√Var under-covers
// at small rates (92.7 % for a nominal 95 % in the coverage test) and collapses when a stratum saw no success. For plans whose strata are sampled at different rates; a uniform sample needs Intervals.cs.
namespace Neutron.Analysis.Statistics;

/// <summary>One stratum: its population size, how many of it were sampled, and how many of those were successes.</summary>
public readonly record struct StratumCount(long Size, long Sampled, long Successes);

public readonly record struct StratifiedResult(double Estimate, double StandardError, Interval Interval);

public static class StratifiedEstimate
{
    /// <summary>Estimate and interval over the strata that were sampled; unsampled strata are an error (their rate
    /// is unknown, so no honest population estimate exists).</summary>
    public static StratifiedResult Of(IReadOnlyList<StratumCount> strata, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(strata);
        if (strata.Count == 0) throw new ArgumentException("no strata", nameof(strata));
        double population = 0;
        foreach (var s in strata)
        {
            if (s.Size <= 0 || s.Sampled <= 0 || s.Sampled > s.Size || s.Successes < 0 || s.Successes > s.Sampled)
                throw new ArgumentOutOfRangeException(nameof(strata), s, "each stratum needs 0 < sampled ≤ size and 0 ≤ successes ≤ sampled");
            population += s.Size;
        }
        double estimate = 0, variance = 0, smoothed = 0, smoothedVariance = 0;
        foreach (var s in strata)
        {
            double w = s.Size / population, p = (double)s.Successes / s.Sampled;
            // The plug-in variance is 0 for a stratum with no success (or no failure), however few faults it had:
            // the effective size uses the Jeffreys posterior mean (x + ½)/(n + 1) instead, so 0 of 40 still counts
            // as 40 faults' worth of evidence, not as certainty.
            double q = (s.Successes + 0.5) / (s.Sampled + 1);
            estimate += w * p;
            smoothed += w * q;
            if (s.Sampled < s.Size)
            {
                double fpc = w * w * (1 - (double)s.Sampled / s.Size) / Math.Max(1, s.Sampled - 1);
                variance += fpc * p * (1 - p);
                smoothedVariance += fpc * q * (1 - q);
            }
        }
        if (smoothedVariance == 0) return new StratifiedResult(estimate, 0, new Interval(estimate, estimate)); // a census
        double n = smoothed * (1 - smoothed) / smoothedVariance;
        return new StratifiedResult(estimate, Math.Sqrt(variance), WilsonAt(estimate, n, Normal.CriticalValue(confidence)));
    }

    /// <summary>Wilson's score interval for a rate p observed on a (possibly fractional) sample size n.</summary>
    static Interval WilsonAt(double p, double n, double z)
    {
        double z2 = z * z, centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
