// The standard normal distribution: CDF and quantile, and the two-sided critical value t for a confidence level.
// The quantile starts from Abramowitz–Stegun 26.2.23 (error < 4.5e-4) and polishes with Halley steps on the
// erfc-based CDF, so it is as accurate as the CDF. Not a general distributions library.
namespace Neutron.Analysis.Statistics;

public static class Normal
{
    /// <summary>Φ(x), the standard normal distribution function.</summary>
    public static double Cdf(double x) => 0.5 * SpecialFunctions.Erfc(-x / Math.Sqrt(2));

    /// <summary>φ(x), the standard normal density.</summary>
    public static double Density(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>Φ⁻¹(p) for p in (0, 1).</summary>
    public static double Quantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability strictly between 0 and 1 is needed");
        if (p > 0.5) return -Quantile(1 - p);
        // Lower half: work with the small tail probability directly, where Φ is computed without cancellation.
        double t = Math.Sqrt(-2 * Math.Log(p));
        double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
        for (int i = 0; i < 4; i++)
        {
            double e = Cdf(x) - p;
            double u = e / Density(x);
            x -= u / (1 + 0.5 * x * u); // Halley: cubic convergence, three steps reach double precision
        }
        return x;
    }

    /// <summary>Two-sided critical value: t with P(|Z| ≤ t) = confidence (1.96 for 0.95).</summary>
    public static double CriticalValue(double confidence)
    {
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "a confidence strictly between 0 and 1 is needed, e.g. 0.95");
        return Quantile(1 - (1 - confidence) / 2);
    }
}
