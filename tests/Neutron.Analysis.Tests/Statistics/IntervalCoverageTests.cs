// Coverage of the 95 % intervals over 200 seeded random campaigns drawn from a fault space small enough to know
// exhaustively. The population is synthetic (one FP32 layer of 156 weights × 32 bits whose SDC pattern imitates
// LeNet-5 conv1: bit 30 always, high exponent bits often, mantissa rarely), because an exhaustive engine run per
// test would take minutes; the intervals only see (successes, trials), so the population's origin does not matter.
using Neutron.Analysis.Statistics;
using Neutron.Faults.Random;
using Xunit.Abstractions;

namespace Neutron.Analysis.Tests.Statistics;

public class IntervalCoverageTests(ITestOutputHelper output)
{
    private const int Elements = 156, Bits = 32, Campaigns = 200, SampleSize = 300;

    private static bool[] Population()
    {
        var sdc = new bool[Elements * Bits];
        for (int e = 0; e < Elements; e++)
            for (int b = 0; b < Bits; b++)
            {
                ulong h = CounterRng.Next(7, (ulong)(e * Bits + b));
                sdc[e * Bits + b] = b == 30 || (b is >= 27 and < 30 && h % 4 == 0) || (b < 23 && h % 200 == 0);
            }
        return sdc;
    }

    /// <summary>One uniform random campaign: SampleSize distinct faults (partial Fisher–Yates keyed by (seed, campaign)).</summary>
    private static int Successes(bool[] population, int campaign)
    {
        var order = Enumerable.Range(0, population.Length).ToArray();
        int hits = 0;
        for (int j = 0; j < SampleSize; j++)
        {
            int pick = j + (int)CounterRng.Below(2024, (ulong)campaign, (ulong)j, (ulong)(order.Length - j));
            (order[j], order[pick]) = (order[pick], order[j]);
            if (population[order[j]]) hits++;
        }
        return hits;
    }

    [Fact]
    public void NinetyFivePercentIntervalsCoverTheExhaustiveRate()
    {
        var population = Population();
        double truth = population.Count(x => x) / (double)population.Length;
        int wilson = 0, clopper = 0, jeffreys = 0;
        for (int c = 0; c < Campaigns; c++)
        {
            int k = Successes(population, c);
            if (Intervals.Wilson(k, SampleSize, 0.95).Contains(truth)) wilson++;
            if (Intervals.ClopperPearson(k, SampleSize, 0.95).Contains(truth)) clopper++;
            if (Intervals.Jeffreys(k, SampleSize, 0.95).Contains(truth)) jeffreys++;
        }
        output.WriteLine($"exhaustive SDC rate {truth:F4} over {population.Length} faults; {Campaigns} campaigns of {SampleSize}: " +
            $"Wilson {100.0 * wilson / Campaigns:F1} %, Clopper-Pearson {100.0 * clopper / Campaigns:F1} %, Jeffreys {100.0 * jeffreys / Campaigns:F1} %");
        Assert.InRange(100.0 * wilson / Campaigns, 93, 97);
        // Clopper–Pearson is conservative by construction.
        Assert.True(clopper >= wilson);
    }
}

/// <summary>
/// The same check on a real exhaustive population: every weight bit of LeNet-5's conv1 (4,992 single-bit flips,
/// 100 reference images), measured by `neutron campaign` into tests/data (see the .sh beside the CSV).
/// </summary>
public class RealPopulationCoverageTests(ITestOutputHelper output)
{
    private static string Fixture([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../data/lenet5-conv1-exhaustive-100img.csv"));

    [Fact]
    public void WilsonCoversTheExhaustiveLeNetConv1Rates()
    {
        var rows = File.ReadAllLines(Fixture()).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(156 * 32, rows.Length);
        bool[] sdc = rows.Select(r => int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture) > 0).ToArray();
        bool[] critical = rows.Select(r => double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture) > 1.0).ToArray();
        foreach (var (name, population) in new[] { ("SDC", sdc), ("critical(1 pp)", critical) })
        {
            double truth = population.Count(x => x) / (double)population.Length;
            int covered = 0;
            for (int c = 0; c < 200; c++)
            {
                var order = Enumerable.Range(0, population.Length).ToArray();
                int hits = 0;
                for (int j = 0; j < 300; j++)
                {
                    int pick = j + (int)CounterRng.Below(99, (ulong)c, (ulong)j, (ulong)(order.Length - j));
                    (order[j], order[pick]) = (order[pick], order[j]);
                    if (population[order[j]]) hits++;
                }
                if (Intervals.Wilson(hits, 300).Contains(truth)) covered++;
            }
            output.WriteLine($"LeNet-5 conv1 exhaustive {name} rate {truth:F4}: Wilson 95 % covers it in {covered / 2.0:F1} % of 200 campaigns of 300");
            // The must-show band (93–97 %) is for the SDC rate. The critical rate is small (about 11 hits per campaign),
            // where Wilson's coverage oscillates and sampling without replacement (6 % of the space) adds slack: with
            // 200 campaigns the figure's own standard error is 1.5 points, so it only has to be near nominal.
            if (name == "SDC") Assert.InRange(covered / 2.0, 93, 97);
            else Assert.InRange(covered / 2.0, 90, 99.5);
        }
    }
}
