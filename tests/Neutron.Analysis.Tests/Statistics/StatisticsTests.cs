// Known answers for the statistics: every expected value below was computed with SciPy 1.10.1
// (scipy.stats.norm, scipy.stats.beta, scipy.special) — the Wilson and Leveugle values with their textbook formulas
// evaluated in Python on SciPy's normal quantile. R gives the same digits (qnorm, pbeta, qbeta, binom.test).
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Tests.Statistics;

public class StatisticsTests
{
    static void Close(double expected, double actual, double relative = 1e-12)
    {
        double tolerance = Math.Max(Math.Abs(expected) * relative, 1e-300);
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}, got {actual:R} (|Δ| = {Math.Abs(expected - actual):E2})");
    }

    [Theory]
    // scipy.stats.norm.ppf
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.995, 2.5758293035489004)]
    [InlineData(0.9, 1.2815515655446004)]
    [InlineData(0.3, -0.5244005127080409)]
    [InlineData(1e-10, -6.361340902404056)]
    public void NormalQuantile(double p, double expected) => Close(expected, Normal.Quantile(p), 1e-13);

    [Theory]
    // scipy.stats.norm.cdf
    [InlineData(-3.0, 0.0013498980316300933)]
    [InlineData(1.5, 0.9331927987311419)]
    [InlineData(-10.0, 7.61985302416047e-24)]
    public void NormalCdf(double x, double expected) => Close(expected, Normal.Cdf(x), 1e-12);

    [Fact]
    public void CriticalValueOfConfidence()
    {
        Close(1.959963984540054, Normal.CriticalValue(0.95), 1e-13);
        Close(2.5758293035489004, Normal.CriticalValue(0.99), 1e-13);
        Assert.Throws<ArgumentOutOfRangeException>(() => Normal.CriticalValue(1.0));
    }

    [Theory]
    // scipy.special.erfc
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(3.0, 2.2090496998585445e-05)]
    [InlineData(-1.0, 1.8427007929497148)]
    public void Erfc(double x, double expected) => Close(expected, SpecialFunctions.Erfc(x), 1e-13);

    [Theory]
    // scipy.special.gammaln
    [InlineData(0.5, 0.5723649429247)]
    [InlineData(10.5, 13.940625219403763)]
    [InlineData(1e6, 12815504.569147611)]
    public void LogGamma(double x, double expected) => Close(expected, SpecialFunctions.LogGamma(x), 1e-13);

    [Theory]
    // scipy.special.betainc(a, b, x)
    [InlineData(2, 5, 0.3, 0.5798250000000001)]
    [InlineData(0.5, 0.5, 0.01, 0.06376856085851987)]
    [InlineData(100.5, 900.5, 0.11, 0.8440452669548004)]
    public void BetaRegularized(double a, double b, double x, double expected) => Close(expected, SpecialFunctions.BetaRegularized(a, b, x), 1e-11);

    [Theory]
    // scipy.stats.beta.ppf(p, a, b)
    [InlineData(0.025, 7, 14, 0.15390920478454118)]
    [InlineData(0.975, 8, 13, 0.5921885345328282)]
    [InlineData(0.975, 1, 1000, 0.003682083896865671)]
    public void BetaQuantile(double p, double a, double b, double expected) => Close(expected, new BetaDistribution(a, b).Quantile(p), 1e-11);

    [Theory]
    // Clopper–Pearson from scipy.stats.beta.ppf; 7/20 matches R's binom.test(7, 20)$conf.int = 0.1539092 0.5921885.
    [InlineData(7, 20, 0.95, 0.1539092047845412, 0.5921885345328282)]
    [InlineData(0, 50, 0.95, 0.0, 0.07112173646419764)]
    [InlineData(123, 10000, 0.99, 0.009643581030532547, 0.015431327779867342)]
    public void ClopperPearson(long x, long n, double confidence, double lower, double upper)
    {
        var interval = Intervals.ClopperPearson(x, n, confidence);
        Close(lower, interval.Lower, 1e-10);
        Close(upper, interval.Upper, 1e-10);
    }

    [Theory]
    // Wilson score interval, formula evaluated on scipy.stats.norm.ppf.
    [InlineData(7, 20, 0.95, 0.18119182410108206, 0.5671457233147638)]
    [InlineData(0, 50, 0.95, 0.0, 0.07134759913335872)]
    [InlineData(123, 10000, 0.99, 0.009766838825302899, 0.015479899884713828)]
    public void Wilson(long x, long n, double confidence, double lower, double upper)
    {
        var interval = Intervals.Wilson(x, n, confidence);
        Close(lower, interval.Lower, 1e-12);
        Close(upper, interval.Upper, 1e-12);
    }

    [Theory]
    // Jeffreys: scipy.stats.beta.ppf on Beta(x + 0.5, n - x + 0.5).
    [InlineData(7, 20, 0.172276213631912, 0.5677660938414961)]
    [InlineData(0, 100, 4.898073104397486e-06, 0.02474527001526989)]
    public void JeffreysCredibleInterval(long x, long n, double lower, double upper)
    {
        var interval = Intervals.Jeffreys(x, n, 0.95);
        Close(lower, interval.Lower, 1e-9);
        Close(upper, interval.Upper, 1e-10);
        Assert.Equal(7.5 / 21, Intervals.JeffreysPosterior(7, 20).Mean, 15);
    }

    [Theory]
    // n = N / (1 + e²(N−1)/(t² p(1−p))), rounded up; 1,974,592 = LeNet-5's 61,706 weights × 32 bits.
    [InlineData(10L, 0.01, 0.99, 10L)]
    [InlineData(1000L, 0.01, 0.99, 944L)]
    [InlineData(1000L, 0.05, 0.95, 278L)]
    [InlineData(1974592L, 0.01, 0.99, 16450L)]
    [InlineData(1000000000L, 0.01, 0.99, 16587L)]
    [InlineData(1000000000L, 0.05, 0.95, 385L)]
    public void LeveugleSampleSize(long population, double margin, double confidence, long expected) =>
        Assert.Equal(expected, SampleSize.Leveugle(population, margin, confidence));

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Intervals.Wilson(5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleSize.Leveugle(100, 0, 0.99));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BetaDistribution(0, 1));
    }
}
