// The stratified estimator: a hand-worked example of Cochran's formulas (values from the Python lines in the
// comment), exactness when every stratum is fully sampled, and interval coverage on seeded stratified samples.
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Tests.Statistics;

public class StratifiedEstimateTests
{
    [Fact]
    public void MatchesCochransFormulasOnAWorkedExample()
    {
        // w = N_h/N; p̂ = Σ w p_h; var = Σ w² (1 − n/N_h) p(1−p)/(n−1), computed in Python with the same inputs:
        // p̂ = 0.023762376237623766, se = 0.009302812348859695; with stratum rates smoothed to (x + ½)/(n + 1), the
        // effective n* = p̃(1−p̃)/Var(p̃) = 222.496, and Wilson's 95 % interval at (p̂, n*) is
        // [0.010419757736919364, 0.0532706375427278] (the plain normal one would be [0.0055, 0.0420]).
        var r = StratifiedEstimate.Of([new(1000, 100, 10), new(100, 100, 50), new(9000, 100, 1)]);
        Assert.Equal(0.023762376237623766, r.Estimate, 1e-15);
        Assert.Equal(0.009302812348859695, r.StandardError, 1e-12);
        Assert.Equal(0.010419757736919364, r.Interval.Lower, 1e-9);
        Assert.Equal(0.0532706375427278, r.Interval.Upper, 1e-9);
        // The unweighted pooled rate would be 61/300 = 0.203: eight times too high.
    }

    [Fact]
    public void FullySampledStrataAreExact()
    {
        var r = StratifiedEstimate.Of([new(10, 10, 3), new(30, 30, 0)]);
        Assert.Equal(3 / 40.0, r.Estimate, 1e-15);
        Assert.Equal(0, r.StandardError);
        Assert.Equal(new Interval(3 / 40.0, 3 / 40.0), r.Interval);
        // Sampled strata with no success at all: no spread to measure, yet the interval must stay open upwards.
        var none = StratifiedEstimate.Of([new(1000, 50, 0), new(500, 50, 0)]);
        Assert.Equal(0, none.Estimate);
        Assert.Equal(0, none.Interval.Lower);
        // n* = 93.83 (unequal weights cost a little), Wilson upper bound 0.039330…, just above Wilson(0, 100)'s 0.0370.
        Assert.Equal(0.039330498748232454, none.Interval.Upper, 1e-9);
        // One stratum with 0 of 40 dominating: the interval must stay as wide as that stratum's own evidence allows.
        var sparse = StratifiedEstimate.Of([new(76800, 40, 0), new(512, 80, 3)]);
        Assert.True(sparse.Interval.Upper > 0.08, $"{sparse.Interval}");
    }

    [Fact]
    public void BadStrataAreRefused()
    {
        Assert.Throws<ArgumentException>(() => StratifiedEstimate.Of([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedEstimate.Of([new(10, 0, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedEstimate.Of([new(10, 11, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedEstimate.Of([new(10, 5, 6)]));
    }

    [Fact]
    public void NinetyFivePercentIntervalsCoverTheTruthAboutNinetyFivePercentOfTheTime()
    {
        // Three strata of very different sizes and rates, 100 drawn without replacement from each, 1,000 seeded
        // trials. Binomial sd of the coverage over 1,000 trials is 0.007, so 0.93–0.97 is about ±3 sd.
        (int Size, int Positives)[] strata = [(400, 120), (4000, 800), (40000, 4000)];
        double truth = strata.Sum(s => (double)s.Positives) / strata.Sum(s => s.Size);
        var random = new Random(2024);
        int covered = 0;
        for (int trial = 0; trial < 1000; trial++)
        {
            var counts = strata.Select(s =>
            {
                // Positives are positions [0, Positives): count how many of 100 distinct draws fall there.
                var drawn = new HashSet<int>();
                while (drawn.Count < 100) drawn.Add(random.Next(s.Size));
                return new StratumCount(s.Size, 100, drawn.Count(d => d < s.Positives));
            }).ToList();
            if (StratifiedEstimate.Of(counts).Interval.Contains(truth)) covered++;
        }
        Assert.InRange(covered, 930, 970);
    }
}
