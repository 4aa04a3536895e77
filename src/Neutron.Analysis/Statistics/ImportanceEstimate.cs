// Estimates of a rate from an importance sample: n draws x_i from a proposal q, each with the weight w_i = p(x_i)/q(x_i)
// (p the target: uniform over the fault space) and an outcome f_i ∈ {0, 1}.
// - Unbiased (Horvitz–Thompson with replacement): μ̂ = Σ w_i f_i / n, variance s²(w f)/n.
// - Self-normalised (Hesterberg 1995): μ̃ = Σ w_i f_i / Σ w_i, delta-method variance Σ w_i² (f_i − μ̃)² / (Σ w_i)²;
//   consistent, slightly biased, and the only choice for a subgroup whose share of p is not known.
// Interval: Wilson's score interval at the effective sample size n* = μ(1 − μ)/Var (Kish's design effect, as
// StratifiedEstimate does), not the plain normal interval μ ± z·√Var, which collapses to a point when no draw
// succeeded and under-covers at small rates. With no success (or no failure) Var is 0 and n* is Kish's effective
// sample size of the weights, (Σw)²/Σw², so 0 critical of 500 heavily weighted draws is not read as certainty.
namespace Neutron.Analysis.Statistics;

/// <summary>An estimate, its standard error, its interval and Kish's effective sample size of the weights.</summary>
public readonly record struct ImportanceResult(double Estimate, double StandardError, Interval Interval, double EffectiveSize);

public static class ImportanceEstimate
{
    /// <summary>The unbiased estimate μ̂ = Σ w f / n.</summary>
    public static ImportanceResult Unbiased(ReadOnlySpan<double> weights, ReadOnlySpan<bool> success, double confidence = 0.95)
    {
        int n = Check(weights, success);
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double y = success[i] ? weights[i] : 0;
            sum += y;
            sumSq += y * y;
        }
        double mean = sum / n;
        double variance = n < 2 ? 0 : Math.Max(0, (sumSq - n * mean * mean) / (n - 1)) / n;
        return Result(mean, variance, Kish(weights), confidence);
    }

    /// <summary>The self-normalised estimate μ̃ = Σ w f / Σ w.</summary>
    public static ImportanceResult SelfNormalised(ReadOnlySpan<double> weights, ReadOnlySpan<bool> success, double confidence = 0.95)
    {
        int n = Check(weights, success);
        double total = 0, hits = 0;
        for (int i = 0; i < n; i++)
        {
            total += weights[i];
            if (success[i]) hits += weights[i];
        }
        double mean = hits / total, spread = 0;
        for (int i = 0; i < n; i++)
        {
            double d = (success[i] ? 1 : 0) - mean;
            spread += weights[i] * weights[i] * d * d;
        }
        return Result(mean, spread / (total * total), Kish(weights), confidence);
    }

    /// <summary>Kish's effective sample size (Σw)²/Σw²: n for equal weights, less the more unequal they are.</summary>
    public static double Kish(ReadOnlySpan<double> weights)
    {
        double sum = 0, sumSq = 0;
        foreach (double w in weights) { sum += w; sumSq += w * w; }
        return sumSq == 0 ? 0 : sum * sum / sumSq;
    }

    static ImportanceResult Result(double mean, double variance, double kish, double confidence)
    {
        double p = Math.Clamp(mean, 0, 1);
        double n = variance > 0 && p > 0 && p < 1 ? p * (1 - p) / variance : kish;
        return new ImportanceResult(mean, Math.Sqrt(variance), WilsonAt(p, Math.Max(n, 1e-9), Normal.CriticalValue(confidence)), kish);
    }

    static Interval WilsonAt(double p, double n, double z)
    {
        double z2 = z * z, centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    static int Check(ReadOnlySpan<double> weights, ReadOnlySpan<bool> success)
    {
        if (weights.Length != success.Length) throw new ArgumentException($"{weights.Length} weights but {success.Length} outcomes");
        if (weights.Length == 0) throw new ArgumentException("no draws");
        foreach (double w in weights)
            if (!(w > 0) || double.IsInfinity(w)) throw new ArgumentOutOfRangeException(nameof(weights), w, "every weight p/q must be finite and > 0");
        return weights.Length;
    }
}
