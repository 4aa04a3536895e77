// Binomial proportion intervals for rates such as "SDC per injected fault": Wilson score, Clopper–Pearson exact,
// and the Jeffreys Bayesian posterior. Pure functions of (successes, trials, level). The planner's sample size is
// in SampleSize.cs; the distributions they use are Normal.cs and BetaDistribution.cs.
namespace Neutron.Analysis.Statistics;

/// <summary>A closed interval [Lower, Upper] on a proportion.</summary>
public readonly record struct Interval(double Lower, double Upper)
{
    public double HalfWidth => (Upper - Lower) / 2;
    public bool Contains(double value) => value >= Lower && value <= Upper;
}

public static class Intervals
{
    /// <summary>Wilson score interval: coverage close to nominal even for small counts; never leaves [0, 1].</summary>
    public static Interval Wilson(long successes, long trials, double confidence = 0.95)
    {
        Check(successes, trials);
        if (trials == 0) return new Interval(0, 1);
        double z = Normal.CriticalValue(confidence), n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // At 0 or n successes the exact bound is 0 or 1; rounding must not push it a hair inside.
        return new Interval(successes == 0 ? 0 : Math.Max(0, centre - half), successes == trials ? 1 : Math.Min(1, centre + half));
    }

    /// <summary>Clopper–Pearson "exact" interval from Beta quantiles: conservative (coverage ≥ nominal).</summary>
    public static Interval ClopperPearson(long successes, long trials, double confidence = 0.95)
    {
        Check(successes, trials);
        if (trials == 0) return new Interval(0, 1);
        double tail = (1 - confidence) / 2;
        double lower = successes == 0 ? 0 : new BetaDistribution(successes, trials - successes + 1).Quantile(tail);
        double upper = successes == trials ? 1 : new BetaDistribution(successes + 1, trials - successes).Quantile(1 - tail);
        return new Interval(lower, upper);
    }

    /// <summary>Posterior of a proportion under the Jeffreys prior Beta(½, ½): Beta(x + ½, n − x + ½).</summary>
    public static BetaDistribution JeffreysPosterior(long successes, long trials)
    {
        Check(successes, trials);
        return new BetaDistribution(successes + 0.5, trials - successes + 0.5);
    }

    /// <summary>Equal-tailed credible interval of the Jeffreys posterior.</summary>
    public static Interval Jeffreys(long successes, long trials, double level = 0.95) =>
        JeffreysPosterior(successes, trials).CredibleInterval(level);

    static void Check(long successes, long trials)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (successes < 0 || successes > trials)
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"successes must lie in [0, {trials}]");
    }
}
