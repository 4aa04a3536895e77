// The Beta(α, β) distribution: CDF, quantile (bisection on the regularised incomplete beta, robust in both tails),
// mean, and the equal-tailed credible interval. Used by Clopper–Pearson and the Jeffreys posterior in Intervals.cs.
namespace Neutron.Analysis.Statistics;

public readonly record struct BetaDistribution
{
    public double Alpha { get; }
    public double Beta { get; }

    public BetaDistribution(double alpha, double beta)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alpha);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(beta);
        Alpha = alpha;
        Beta = beta;
    }

    public double Mean => Alpha / (Alpha + Beta);

    public double Cdf(double x) => x <= 0 ? 0 : x >= 1 ? 1 : SpecialFunctions.BetaRegularized(Alpha, Beta, x);

    /// <summary>The x with Cdf(x) = p. Bisection: I_x is monotone, so this never diverges, and it stops when the
    /// bracket cannot shrink any more in doubles.</summary>
    public double Quantile(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability in [0, 1] is needed");
        if (p == 0) return 0;
        if (p == 1) return 1;
        double lo = 0, hi = 1;
        for (int i = 0; i < 2000; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) break;
            if (Cdf(mid) < p) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>Equal-tailed interval holding <paramref name="level"/> of the mass.</summary>
    public Interval CredibleInterval(double level)
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "a level strictly between 0 and 1 is needed, e.g. 0.95");
        double tail = (1 - level) / 2;
        return new Interval(Quantile(tail), Quantile(1 - tail));
    }
}
